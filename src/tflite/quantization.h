// Quantization parameters: flatbuffer <-> ir::QuantParams, and the checks
// the reader applies to them.
#ifndef MAI_TFLITE_QUANTIZATION_H_
#define MAI_TFLITE_QUANTIZATION_H_

#include "core/status.h"
#include "ir/graph.h"
#include "tflite/read_budget.h"
#include "tflite/schema/tflite_schema_generated.h"

namespace mai::tflite {

// Copies a QuantizationParameters table (nullptr gives empty params). Only
// converts; ValidateQuantization checks the values against the tensor.
// Unimplemented for custom quantization details.
Result<ir::QuantParams> ReadQuantization(const fb::QuantizationParameters* q,
                                         ReadBudget& budget);

// Checks `tensor.quant` against the tensor's dtype and shape: as many zero
// points as scales; finite, non-negative scales (positive on activations);
// zero points inside the dtype's range; for per-channel parameters a
// quantized_dimension inside the rank whose size equals the scale count.
// Messages carry no tensor prefix (the caller adds it).
Status ValidateQuantization(const ir::Tensor& tensor);

// Writes `quant` (nullptr offset when it is entirely empty).
flatbuffers::Offset<fb::QuantizationParameters> WriteQuantization(
    flatbuffers::FlatBufferBuilder& fbb, const ir::QuantParams& quant);

}  // namespace mai::tflite

#endif  // MAI_TFLITE_QUANTIZATION_H_

// Writes mai's IR as a .tflite flatbuffer (schema version 3) that real
// TensorFlow Lite loads. Read → write → read preserves tensors (names, dtypes,
// shapes, signatures, quantization, sparsity, constant bytes), nodes (op,
// version, inputs, outputs, params, custom options), subgraphs and signatures.
#ifndef MAI_TFLITE_MODEL_WRITER_H_
#define MAI_TFLITE_MODEL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mai::tflite {

Result<std::vector<uint8_t>> WriteModel(const ir::Model& model);

Status WriteModelFile(const ir::Model& model, const std::string& path);

}  // namespace mai::tflite

#endif  // MAI_TFLITE_MODEL_WRITER_H_

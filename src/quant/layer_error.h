// Where int8 loses accuracy: every int8 activation of a quantized model
// against the float activation of the same name, on one input (the role of
// TFLite's quantization debugger).
#ifndef MAI_QUANT_LAYER_ERROR_H_
#define MAI_QUANT_LAYER_ERROR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai::quant {

struct LayerError {
  int node = -1;          // producing node in the quantized graph
  std::string op;         // its op name
  std::string tensor;     // tensor name (shared by both graphs)
  double sqnr_db = 0;     // 10 log10(Σ f² / Σ (f − q)²); +inf when exact
  double rmse = 0;        // RMSE of the dequantized values against float
  double rmse_steps = 0;  // rmse / the tensor's scale
  double clipped = 0;     // fraction of float values outside the int8 range
};

// Runs the float and the quantized model on the reference backend with every
// tensor kept, on `inputs` (float values, one vector per model input; int8
// inputs get them quantized), and returns one LayerError per int8
// activation whose name a float32 activation of the same element count
// carries (or, for an int8 output read by a DEQUANTIZE, whose float
// counterpart carries the DEQUANTIZE output's name), in the quantized
// graph's node order; tensors the quantizer added, e.g. requantizations,
// have no float counterpart and are skipped. Errors:
// the models do not load or run, or the inputs do not fit.
Result<std::vector<LayerError>> CompareLayers(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite,
    const std::vector<std::vector<float>>& inputs);

}  // namespace mai::quant

#endif  // MAI_QUANT_LAYER_ERROR_H_

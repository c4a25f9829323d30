// Post-training full-integer quantization of a float .tflite model
// (`mai quantize`; docs/quantization.md, "mai quantize").
//
//   QuantizeOptions o;                       // 8 seeded samples, minmax
//   o.calibration.num_seeded_samples = 16;
//   Result<std::vector<uint8_t>> int8 = QuantizeModel(float_bytes, o);
//   Result<std::vector<OutputError>> e =
//       CompareQuantized(float_bytes, *int8, /*seed=*/17);
//
// The rewrite, following TensorFlow Lite's conventions (quant_math.h):
//   * every float32 activation becomes int8 per tensor, asymmetric, from its
//     calibrated range (ChooseInt8Asymmetric); LOGISTIC/SOFTMAX/TANH outputs
//     take TFLite's fixed parameters (FixedOutputRange); ops that move values
//     (RequiresSameInputOutputQuant) give their output their input's
//     parameters; CONCATENATION/MAXIMUM/MINIMUM with several activation
//     inputs keep their output's calibrated parameters and each input whose
//     parameters differ is requantized by an int8 -> int8 QUANTIZE;
//   * CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and TRANSPOSE_CONV weights
//     become int8 symmetric (per channel by default) and their bias int32
//     with scale = input scale * weight scale;
//   * other float constants (ADD/MUL operands, clamp bounds, ...) are
//     quantized with the parameters their consumer needs;
//   * with keep_float_io the model keeps float32 inputs/outputs (QUANTIZE
//     after each input, DEQUANTIZE before each output), else they are int8.
// The source graph is the model as mai prepares it (shapes inferred,
// float16/sparse weights folded to dense float32), so folded DEQUANTIZE /
// DENSIFY chains disappear from the result.
#ifndef MAI_QUANT_QUANTIZE_MODEL_H_
#define MAI_QUANT_QUANTIZE_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "quant/calibration.h"

namespace mai::quant {

struct QuantizeOptions {
  CalibrationInputs calibration;  // seeded samples or explicit ones
  // How the float model runs on them: the reference backend by default (the
  // same ranges, so the same int8 file, on every machine); "auto" is
  // faster on big models, with ranges that may differ in the last bits.
  CalibrationOptions calibration_run;
  CalibrationMethod method = CalibrationMethod::kMinMax;
  RangeOptions range;
  // Convolution weights: one scale per output channel (true) or one per
  // tensor. FULLY_CONNECTED weights are always per tensor (TFLite's
  // convention; TFLite 2.9 ignores per-channel dense scales).
  bool per_channel = true;
  // true: float32 model inputs/outputs with QUANTIZE/DEQUANTIZE inside;
  // false: int8 inputs/outputs (their parameters are in the file).
  bool keep_float_io = true;
  // Fuse RELU / RELU6 / RELU_N1_TO_1 into the op producing their input
  // before quantizing, as TFLite's converter does (see quantize_model.cc).
  bool fuse_activations = true;
};

// The quantized model as .tflite bytes. The result is checked to load and
// prepare in mai's reference backend. Errors: the float model does not load
// or run, calibration fails, a node's op has no int8 rewrite here (the
// message names the op and node; supported: CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, TRANSPOSE_CONV, ADD, SUB, MUL, CONCATENATION, MAXIMUM,
// MINIMUM, DEPTH_TO_SPACE, SPACE_TO_DEPTH, RESIZE_BILINEAR,
// RESIZE_NEAREST_NEIGHBOR, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, RESHAPE,
// SQUEEZE, EXPAND_DIMS, TRANSPOSE, PAD, RELU, RELU6, RELU_N1_TO_1, LOGISTIC,
// TANH, SOFTMAX, HARD_SWISH, LEAKY_RELU), a non-float32 activation, or
// weights that are not constant.
Result<std::vector<uint8_t>> QuantizeModel(
    const std::vector<uint8_t>& float_tflite, const QuantizeOptions& options);

// Error of one output of the int8 model against the float model.
struct OutputError {
  std::string name;
  double psnr_db = 0.0;  // 10 log10(peak^2 / MSE), peak = float max - min
                         // (+inf when identical)
  double max_abs_error = 0.0;
  double mse = 0.0;
};

// Runs both models on one seeded input (input i filled with
// FillDeterministic(float32, seed, i)) in mai's reference backend and
// compares each output of `quantized` (dequantized when int8) with the float
// one. The models must have the same inputs/outputs in the same order.
Result<std::vector<OutputError>> CompareQuantized(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite, uint32_t seed);
// The float values of seeded input i: FillDeterministic(float32, seed, i).
Result<std::vector<std::vector<float>>> SeededFloatInputs(
    const std::vector<uint8_t>& float_tflite, uint32_t seed);
// Same on explicit float values, one vector per model input (exactly the
// input's element count; int8 inputs get them quantized).
Result<std::vector<OutputError>> CompareQuantized(
    const std::vector<uint8_t>& float_tflite,
    const std::vector<uint8_t>& quantized_tflite,
    const std::vector<std::vector<float>>& inputs);

// PSNR of `actual` against `expected`, peak = max(expected) - min(expected)
// (1 when that is 0); +inf when they are equal.
double Psnr(const std::vector<float>& actual,
            const std::vector<float>& expected);

}  // namespace mai::quant

#endif  // MAI_QUANT_QUANTIZE_MODEL_H_

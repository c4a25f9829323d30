// Post-training int8 quantization arithmetic, following TensorFlow Lite's
// conventions (docs/quantization.md lists the sources):
//
//   activations  int8 asymmetric, per tensor:  real = scale * (q - zero_point)
//   weights      int8 symmetric, per output channel, q in [-127, 127], zp 0
//   bias         int32, scale = input_scale * weight_scale[c], zp 0
//
//   AsymmetricParams a = ChooseInt8Asymmetric(-1.0f, 1.0f);  // 2/255, zp -1
//   auto scales = SymmetricPerChannelScales(w, {8, 3, 3, 4}, 0);
//   auto q = QuantizeWeightsPerChannel(w, {8, 3, 3, 4}, 0, *scales);
//   auto b = QuantizeBias(bias, 8, a.scale, *scales);
//
// All functions are pure. Rounding is half away from zero (TFLite's
// TfLiteRound, std::round), in the same float arithmetic TFLite uses so the
// results match its quantizer bit for bit.
#ifndef MAI_QUANT_QUANT_MATH_H_
#define MAI_QUANT_QUANT_MATH_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/shape.h"
#include "core/status.h"
#include "ir/op_code.h"

namespace mai::quant {

inline constexpr int32_t kInt8Min = -128;
inline constexpr int32_t kInt8Max = 127;
// Symmetric (narrow-range) weights use [-127, 127] so that -q is always
// representable.
inline constexpr int32_t kWeightQuantMax = 127;

// Per-tensor int8 parameters. `min`/`max` are the range after nudging (it
// always contains 0); the exactly representable range is
// [scale * (-128 - zero_point), scale * (127 - zero_point)].
struct AsymmetricParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  float min = 0.0f;
  float max = 0.0f;
};

// TFLite's GetAsymmetricQuantizationParams for int8 activations:
//   min' = min(min, 0), max' = max(max, 0)   (0 must be exact)
//   scale = (max' - min') / 255
//   zero_point = round(-128 - min' / scale), clamped to [-128, 127]
// Degenerate range (min' == max' == 0, e.g. an all-zero tensor): scale 1.0
// and zero point -128, as TFLite's converter does (its older quantizer wrote
// scale 0, which kernels reject). Non-finite bounds count as 0.
AsymmetricParams ChooseInt8Asymmetric(float min, float max);

// Round half away from zero (2.5 -> 3, -2.5 -> -3).
float RoundHalfAwayFromZero(float x);

// q = clamp(round(x / scale) + zero_point, -128, 127).
int8_t QuantizeInt8(float x, const AsymmetricParams& params);
float DequantizeInt8(int8_t q, const AsymmetricParams& params);

// Symmetric per-channel scales of a float weight tensor of `shape`, with
// channels along `channel_dim` (0 for CONV_2D / TRANSPOSE_CONV /
// FULLY_CONNECTED [out, ...], 3 for DEPTHWISE_CONV_2D [1, h, w, out]):
//   scale_c = max |w_c| / 127
// An all-zero channel gets scale 1.0 (TFLite's converter convention for a
// zero range; every value then quantizes to 0). Error when `channel_dim` is
// outside the shape or the shape is invalid. `w` holds NumElements(shape)
// floats.
Result<std::vector<float>> SymmetricPerChannelScales(const float* w,
                                                     const Shape& shape,
                                                     int channel_dim);

// q = clamp(round(w * (1 / scale_c)), -127, 127) per element, with the
// reciprocal computed once per channel in float as TFLite does. `scales` has
// one entry per channel (or one entry: per-tensor). Error on size mismatch
// or a non-positive scale.
Result<std::vector<int8_t>> QuantizeWeightsPerChannel(
    const float* w, const Shape& shape, int channel_dim,
    const std::vector<float>& scales);

// Bias of CONV_2D / DEPTHWISE_CONV_2D / TRANSPOSE_CONV / FULLY_CONNECTED:
//   scale_c = input_scale * weight_scales[c], zero point 0
//   q_c = clamp(round(b_c / scale_c), -(2^31 - 1), 2^31 - 1)
// (TFLite clamps symmetrically.) `weight_scales` has `n` entries or one
// (per-tensor weights, broadcast). A zero product scale gives q = 0, as in
// TFLite. Error on a size mismatch or n < 0.
Result<std::vector<int32_t>> QuantizeBias(
    const float* b, int n, float input_scale,
    const std::vector<float>& weight_scales);

// The bias scales the function above uses (input_scale * weight_scale_c),
// for writing the bias tensor's quantization parameters.
std::vector<float> BiasScales(int n, float input_scale,
                              const std::vector<float>& weight_scales);

// Output parameters TFLite's int8 kernels fix regardless of calibration
// (tensorflow/lite/tools/optimize/operator_property.cc, restricted_value_int8;
// TFLite's quantization spec):
//   LOGISTIC          scale 1/256,  zero point -128   range [0, 255/256]
//   SOFTMAX           scale 1/256,  zero point -128   range [0, 255/256]
//   TANH              scale 1/128,  zero point 0      range [-1, 127/128]
//   LOG_SOFTMAX       scale 16/256, zero point 127    range [-15.9375, 0]
//   L2_NORMALIZATION  scale 1/128,  zero point 0      range [-1, 127/128]
// std::nullopt for every other op (its output range comes from calibration).
std::optional<AsymmetricParams> FixedOutputRange(ir::OpCode op);

// Ops whose int8 kernels require the real-valued inputs and the outputs to
// share one scale and zero point (they move or select values without
// rescaling). The rewrite gives the output the input's parameters; for ops
// with several real-valued inputs (CONCATENATION, PACK, MAXIMUM, MINIMUM) it
// picks the output's parameters and requantizes (int8 QUANTIZE) each input
// whose parameters differ.
//
// The list is TFLite's restrict_same_input_output_scale set
// (tensorflow/lite/tools/optimize/operator_property.cc): AVERAGE_POOL_2D,
// MAX_POOL_2D, CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, GATHER, MAXIMUM,
// MINIMUM, PAD, PADV2, MIRROR_PAD, RESHAPE, SQUEEZE, TRANSPOSE,
// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR, SLICE, STRIDED_SLICE,
// SPACE_TO_DEPTH, SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, REDUCE_MAX,
// REDUCE_MIN; plus DEPTH_TO_SPACE and EXPAND_DIMS, which only move bytes
// (TFLite's converter marks them SameOperandsAndResultsScale). Not SUB: that
// list has it, but TFLite's int8 SUB kernel rescales each input like ADD.
bool RequiresSameInputOutputQuant(ir::OpCode op);

}  // namespace mai::quant

#endif  // MAI_QUANT_QUANT_MATH_H_

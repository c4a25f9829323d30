// Helpers shared by the reference kernels of the convolution family
// (conv2d.cc, depthwise_conv2d.cc, transpose_conv.cc, fully_connected.cc,
// batch_matmul.cc, mediapipe/transpose_conv_bias.cc).
//
// Quantized semantics follow TensorFlow Lite's builtin kernels:
//   acc  = sum((filter + filter_offset) * (input + input_offset)) + bias
//   out  = clamp(MultiplyByQuantizedMultiplier(acc, M[c]) + output_zero_point)
// where CONV_2D and FULLY_CONNECTED, which TFLite runs through ruy's GEMM,
// round the final shift as ruy does (ConvRounding::kRuy, quant_util.h).
// with M[c] = input_scale * filter_scale[c] / output_scale computed in
// double, input_offset = -input_zero_point, and filter_offset =
// -filter_zero_point (0 for int8, whose weights are symmetric). Padded
// positions contribute nothing. Accumulators wrap like TFLite's int32 ones.
#ifndef MAI_BACKENDS_REF_CONV_UTIL_H_
#define MAI_BACKENDS_REF_CONV_UTIL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/quant_util.h"
#include "core/status.h"
#include "ir/op_params.h"

namespace mai::backends::ref {

// How the accumulator's product with the multiplier is rounded.
enum class ConvRounding {
  kGemmlowp,  // MultiplyByQuantizedMultiplier: DEPTHWISE_CONV_2D,
              // TRANSPOSE_CONV
  kRuy,       // MultiplyByQuantizedMultiplierRuy: CONV_2D, FULLY_CONNECTED
};

// Requantization parameters of a conv-like op.
struct ConvQuant {
  ConvRounding rounding = ConvRounding::kGemmlowp;
  int32_t input_offset = 0;   // -input zero point
  int32_t filter_offset = 0;  // -filter zero point (0 for int8)
  int32_t output_offset = 0;  // output zero point
  std::vector<QuantizedMultiplier> multipliers;  // one per output channel
  QuantizedRange range;                          // fused activation range
};

// Validates the quantization of a quantized conv-like op and computes its
// multipliers. `channels` is the number of output channels and
// `channel_dim` the filter dimension per-channel scales run along.
// Rules (TFLite's): input/filter/output share the dtype (int8 or uint8);
// int8 filters may be per-channel and must have zero points 0; uint8
// filters are per-tensor; a bias, when present, is int32 with `channels`
// elements. Unimplemented for combinations TFLite does not run either.
Result<ConvQuant> PrepareConvQuant(const KernelContext& ctx,
                                   const TensorView& input,
                                   const TensorView& filter,
                                   const TensorView* bias,
                                   const TensorView& output, int channels,
                                   int channel_dim, ir::Activation activation);

// Checks that a float op's tensors are all float32 (bias optional) and
// returns the fused activation range.
Result<FloatRange> PrepareFloat(const KernelContext& ctx,
                                const TensorView& input,
                                const TensorView& filter,
                                const TensorView* bias,
                                const TensorView& output,
                                ir::Activation activation);

// Requantizes one accumulator (already including the bias).
inline int32_t Requantize(int64_t acc, const QuantizedMultiplier& m,
                          const ConvQuant& q) {
  const int32_t x = static_cast<int32_t>(acc);
  int32_t v =
      (q.rounding == ConvRounding::kRuy ? MultiplyByQuantizedMultiplierRuy(x, m)
                                        : MultiplyByQuantizedMultiplier(x, m)) +
      q.output_offset;
  return std::min(std::max(v, q.range.min), q.range.max);
}

// Geometry of a 2D convolution (CONV_2D, DEPTHWISE_CONV_2D) in NHWC.
// Output pixel (oy, ox) reads input pixel (oy * stride_h - pad_top +
// fy * dilation_h, ...) through filter tap (fy, fx); taps outside the input
// are skipped. pad_bottom/pad_right complete the padded extent:
// out_h = (in_h + pad_top + pad_bottom - effective_filter_h) / stride_h + 1.
struct ConvGeometry {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int filter_h = 0, filter_w = 0, filter_c = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;
  int pad_bottom = 0, pad_right = 0;
};

// The window params of a CONV_2D / DEPTHWISE_CONV_2D node.
struct ConvWindow {
  ir::Padding padding = ir::Padding::kSame;
  ir::ExplicitPadding explicit_padding;  // used with ir::Padding::kExplicit
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
};
template <typename Params>  // ir::Conv2DParams, ir::DepthwiseConv2DParams
ConvWindow ConvWindowOf(const Params& p) {
  return {p.padding,  p.explicit_padding, p.stride_h,
          p.stride_w, p.dilation_h,       p.dilation_w};
}

// Fills a ConvGeometry from NHWC input/output shapes, a rank-4 filter
// ([.., KH, KW, channels]) and the op's window, and checks the output shape
// is the one the window gives (TFLite's for SAME/VALID).
Result<ConvGeometry> MakeConvGeometry(const KernelContext& ctx,
                                      const TensorView& input,
                                      const TensorView& filter,
                                      const TensorView& output,
                                      const ConvWindow& window);

// Geometry of a 2D transposed convolution in NHWC with OHWI weights. The
// output pixel (oy, ox) receives input pixel (iy, ix) through filter tap
// (fy, fx) when oy = iy * stride_h - pad_top + fy (same for x).
struct TransposeConvGeometry {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int filter_h = 0, filter_w = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
};

// out = TransposeConv(input, weights) + bias (bias may be null), clamped to
// `range`. Shared by TRANSPOSE_CONV and MediaPipe's
// Convolution2DTransposeBias.
void TransposeConvFloat(const TransposeConvGeometry& g, const float* input,
                        const float* weights, const float* bias,
                        FloatRange range, float* output);

// Kernel factories registered by conv_registry.cc.
std::unique_ptr<OpKernel> CreateConv2DKernel();
std::unique_ptr<OpKernel> CreateDepthwiseConv2DKernel();
std::unique_ptr<OpKernel> CreateTransposeConvKernel();
std::unique_ptr<OpKernel> CreateFullyConnectedKernel();
std::unique_ptr<OpKernel> CreateBatchMatMulKernel();

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_CONV_UTIL_H_

// Helpers of the XNNPACK convolution family (conv2d.cc,
// depthwise_conv2d.cc, transpose_conv.cc, fully_connected.cc and the
// MediaPipe Convolution2DTransposeBias kernel).
//
// Each kernel validates its node like the reference kernel does (same
// errors for malformed models), describes the XNNPACK operator it needs in
// an XnnConvSpec, and lets an XnnConvRunner create it (weights are packed
// then), bind it to the input/output buffers (setup) and run it. Invoke is
// xnn_run_operator only.
//
// dtype → operator:
//   float32           xnn_*_nhwc_f32
//   int8              convolution: xnn_create_convolution2d_nhwc_qc8 (per-
//                     channel scales; a per-tensor scale is replicated);
//                     deconvolution: xnn_*_deconvolution2d_nhwc_qs8 (one
//                     scale: per-channel weights only when all scales agree)
//   uint8             xnn_*_nhwc_qu8 (per-tensor weights with a zero point)
// XNNPACK requantizes in float (scale = input_scale * weight_scale /
// output_scale), TFLite in fixed point: quantized results agree within 1.
#ifndef MAI_BACKENDS_XNNPACK_XNN_CONV_UTIL_H_
#define MAI_BACKENDS_XNNPACK_XNN_CONV_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/conv_util.h"
#include "backends/xnnpack/xnn_util.h"
#include "ir/op_params.h"

namespace mai::backends::xnnpack {

// Everything xnn_create_{convolution,deconvolution}2d_nhwc_* and
// xnn_create_fully_connected_nc_* take. Two
// equal specs create equal operators, so a re-Prepare with an unchanged spec
// (e.g. only the batch size changed) keeps the packed weights.
struct XnnConvSpec {
  // kFullyConnected uses groups = 1, group_input/output_channels and the
  // data/quantization/activation fields (one weight scale).
  enum class Kind : uint8_t { kConvolution, kDeconvolution, kFullyConnected };
  Kind kind = Kind::kConvolution;
  DType dtype = DType::kFloat32;  // float32, int8 or uint8

  // Convolution: input padding; deconvolution: output padding (cropping).
  uint32_t pad_top = 0, pad_right = 0, pad_bottom = 0, pad_left = 0;
  uint32_t kernel_h = 1, kernel_w = 1;
  uint32_t stride_h = 1, stride_w = 1;
  uint32_t dilation_h = 1, dilation_w = 1;
  uint32_t groups = 1;
  size_t group_input_channels = 0, group_output_channels = 0;
  uint32_t flags = 0;  // e.g. XNN_FLAG_DEPTHWISE_CONVOLUTION

  // Weights ([groups, group_output_channels, KH, KW, group_input_channels],
  // or [KH, KW, groups * group_output_channels] for depthwise) and bias
  // (float32 or int32, nullable); constants read only by create.
  const void* kernel = nullptr;
  const void* bias = nullptr;

  // Quantized dtypes only.
  int32_t input_zero_point = 0;
  float input_scale = 0.0f;
  int32_t kernel_zero_point = 0;     // uint8 only
  std::vector<float> kernel_scales;  // 1 or one per output channel
  int32_t output_zero_point = 0;
  float output_scale = 0.0f;

  // Fused activation: float range (float32) or quantized range (int8/uint8).
  float output_min = 0.0f, output_max = 0.0f;
  int32_t quant_min = 0, quant_max = 0;

  bool operator==(const XnnConvSpec&) const = default;
};

// Owns one XNNPACK convolution, deconvolution or fully connected operator.
class XnnConvRunner {
 public:
  // Creates the operator unless the last Prepare created one from an equal
  // spec, then sets it up on (batch, in_h, in_w) NHWC input and output
  // buffers. `adjustment_h/w` (extra output rows/columns at the end, each
  // < stride) apply to deconvolutions only; a fully connected operator runs
  // batch * in_h * in_w rows. An empty output creates
  // nothing and Run does nothing. Unimplemented when XNNPACK rejects the
  // parameters.
  Status Prepare(const KernelContext& ctx, const XnnConvSpec& spec,
                 size_t batch, size_t in_h, size_t in_w, uint32_t adjustment_h,
                 uint32_t adjustment_w, const void* input, void* output,
                 bool empty_output);
  Status Run(const KernelContext& ctx) const { return XnnRun(ctx, op_); }

 private:
  Status Create(const KernelContext& ctx, const XnnConvSpec& spec);

  XnnConvSpec spec_;
  XnnOperator op_;
};

// Quantization of a conv-like op as XNNPACK takes it.
struct XnnConvQuant {
  int32_t input_zero_point = 0;
  float input_scale = 0.0f;
  int32_t kernel_zero_point = 0;
  std::vector<float> kernel_scales;  // one per output channel
  bool per_channel = false;          // the scales are not all equal
  int32_t output_zero_point = 0;
  float output_scale = 0.0f;
  ref::QuantizedRange range;
};

// Validates a quantized conv-like op exactly as the reference kernel does
// (same InvalidModel errors, same Unimplemented cases) and returns its
// quantization. `channels` output channels, per-channel scales along
// `channel_dim` of the weights. Unimplemented where XNNPACK cannot follow
// (zero points outside the dtype, empty activation range).
Result<XnnConvQuant> PrepareXnnConvQuant(
    const KernelContext& ctx, const TensorView& input, const TensorView& filter,
    const TensorView* bias, const TensorView& output, int channels,
    int channel_dim, ir::Activation activation);

// Fills the dtype, data and quantization/activation fields of `spec` for a
// conv-like node: float32 (all tensors float32) or quantized (via
// PrepareXnnConvQuant). Requires constant weights and bias.
Status FillXnnConvSpec(const KernelContext& ctx, const TensorView& input,
                       const TensorView& filter, const TensorView* bias,
                       const TensorView& output, int channels, int channel_dim,
                       ir::Activation activation, XnnConvSpec& spec);

// Sets the window of a convolution spec from the reference geometry:
// kernel, strides, dilations and the geometry's paddings on all four sides
// (for SAME: TFLite's leading half of the total, the odd extra row/column
// at the end; for explicit padding: the node's own amounts).
void SetConvWindow(const ref::ConvGeometry& g, XnnConvSpec& spec);

// Kernel factories registered by conv_registry.cc.
std::unique_ptr<OpKernel> CreateXnnConv2DKernel();
std::unique_ptr<OpKernel> CreateXnnDepthwiseConv2DKernel();
std::unique_ptr<OpKernel> CreateXnnTransposeConvKernel();
std::unique_ptr<OpKernel> CreateXnnFullyConnectedKernel();
std::unique_ptr<OpKernel> CreateXnnTransposeConvBiasKernel();

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_XNN_CONV_UTIL_H_

// FULLY_CONNECTED on XNNPACK: input [..., I] read as [B, I] rows, weights
// [O, I] (XNNPACK's layout as is), optional bias [O]; output [B, O] (the
// same bytes whatever keep_num_dims makes of the shape).
//   float32                 xnn_*_fully_connected_nc_f32
//   int8, one weight scale  xnn_*_fully_connected_nc_qs8
//   int8, per-channel       a 1x1 xnn_*_convolution2d_nhwc_qc8 over B pixels
//                           (XNNPACK's fully connected takes one scale)
//   uint8                   xnn_*_fully_connected_nc_qu8
// Weights that are not constant (a matmul of two activations) are declined.
#include <algorithm>

#include "backends/xnnpack/xnn_conv_util.h"

namespace mai::backends::xnnpack {
namespace {

class XnnFullyConnectedKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 or 3 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::FullyConnectedParams>();
    if (p == nullptr) return ctx.Error("missing FullyConnectedOptions");
    if (p->weights_format != 0) {
      return ctx.Unsupported("weights format {} is not supported",
                             p->weights_format);
    }
    const TensorView& input = ctx.input(0);
    const TensorView& weights = ctx.input(1);
    const TensorView* bias = ctx.num_inputs() > 2 ? &ctx.input(2) : nullptr;
    const TensorView& output = ctx.output(0);
    if (weights.rank() != 2 || weights.dim(0) < 1 || weights.dim(1) < 1) {
      return ctx.Error("weights must be [O, I], are {}",
                       ShapeToString(weights.shape()));
    }
    const int units = weights.dim(0);
    const int depth = weights.dim(1);
    const int64_t n = input.num_elements();
    if (n % depth != 0 || output.num_elements() != n / depth * units) {
      return ctx.Error("input {} and output {} do not fit weights {}",
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()),
                       ShapeToString(weights.shape()));
    }
    const size_t batches = static_cast<size_t>(n / depth);
    if (bias != nullptr && bias->present() && bias->num_elements() != units) {
      return ctx.Error("bias holds {} values for {} units",
                       bias->num_elements(), units);
    }
    XnnConvSpec spec;
    spec.kind = XnnConvSpec::Kind::kFullyConnected;
    MAI_RETURN_IF_ERROR(FillXnnConvSpec(ctx, input, weights, bias, output,
                                        units, /*channel_dim=*/0, p->activation,
                                        spec));
    spec.groups = 1;
    spec.group_input_channels = static_cast<size_t>(depth);
    spec.group_output_channels = static_cast<size_t>(units);
    const bool per_channel =
        spec.dtype == DType::kInt8 &&
        std::any_of(spec.kernel_scales.begin(), spec.kernel_scales.end(),
                    [&](float v) { return v != spec.kernel_scales[0]; });
    if (per_channel) spec.kind = XnnConvSpec::Kind::kConvolution;  // 1x1
    return runner_.Prepare(ctx, spec, batches, 1, 1, 0, 0, input.data,
                           output.data, batches == 0);
  }

  Status Invoke(const KernelContext& ctx) override { return runner_.Run(ctx); }

 private:
  XnnConvRunner runner_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateXnnFullyConnectedKernel() {
  return std::make_unique<XnnFullyConnectedKernel>();
}

}  // namespace mai::backends::xnnpack

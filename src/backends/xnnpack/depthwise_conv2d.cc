// DEPTHWISE_CONV_2D on XNNPACK: input [N,H,W,C], weights [1,KH,KW,C*M],
// bias [C*M]. A convolution with C groups of one input and M output
// channels, flagged XNN_FLAG_DEPTHWISE_CONVOLUTION so XNNPACK reads the
// weights in TFLite's [KH,KW,C*M] layout (output channel c*M + m). The
// multiplier M comes from the shapes, as in the reference kernel.
#include "backends/xnnpack/xnn_conv_util.h"

namespace mai::backends::xnnpack {
namespace {

class XnnDepthwiseConv2DKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 or 3 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::DepthwiseConv2DParams>();
    if (p == nullptr) return ctx.Error("missing DepthwiseConv2DOptions");
    const TensorView& input = ctx.input(0);
    const TensorView& filter = ctx.input(1);
    const TensorView* bias = ctx.num_inputs() > 2 ? &ctx.input(2) : nullptr;
    const TensorView& output = ctx.output(0);
    MAI_ASSIGN_OR_RETURN(ref::ConvGeometry g,
                         ref::MakeConvGeometry(ctx, input, filter, output,
                                               ref::ConvWindowOf(*p)));
    if (filter.dim(0) != 1 || g.in_c < 1 || g.filter_c != g.out_c ||
        g.out_c % g.in_c != 0) {
      return ctx.Error("filter {} does not fit input {} and output {}",
                       ShapeToString(filter.shape()),
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()));
    }
    if (bias != nullptr && bias->present() && bias->num_elements() != g.out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), g.out_c);
    }
    XnnConvSpec spec;
    MAI_RETURN_IF_ERROR(FillXnnConvSpec(ctx, input, filter, bias, output,
                                        g.out_c, /*channel_dim=*/3,
                                        p->activation, spec));
    SetConvWindow(g, spec);
    spec.groups = static_cast<uint32_t>(g.in_c);
    spec.group_input_channels = 1;
    spec.group_output_channels = static_cast<size_t>(g.out_c / g.in_c);
    spec.flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
    return runner_.Prepare(ctx, spec, g.batches, g.in_h, g.in_w, 0, 0,
                           input.data, output.data, output.num_elements() == 0);
  }

  Status Invoke(const KernelContext& ctx) override { return runner_.Run(ctx); }

 private:
  XnnConvRunner runner_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateXnnDepthwiseConv2DKernel() {
  return std::make_unique<XnnDepthwiseConv2DKernel>();
}

}  // namespace mai::backends::xnnpack

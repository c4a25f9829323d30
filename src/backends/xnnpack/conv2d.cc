// CONV_2D on XNNPACK: input [N,H,W,C], weights [O,KH,KW,C/groups] (OHWI,
// XNNPACK's layout as is), optional bias [O]. Grouped convolutions map to
// XNNPACK groups; TFLite's SAME/VALID become explicit paddings (the odd
// extra row/column at the end), exactly as the reference kernel pads.
#include "backends/xnnpack/xnn_conv_util.h"

namespace mai::backends::xnnpack {
namespace {

class XnnConv2DKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 or 3 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::Conv2DParams>();
    if (p == nullptr) return ctx.Error("missing Conv2DOptions");
    const TensorView& input = ctx.input(0);
    const TensorView& filter = ctx.input(1);
    const TensorView* bias = ctx.num_inputs() > 2 ? &ctx.input(2) : nullptr;
    const TensorView& output = ctx.output(0);
    MAI_ASSIGN_OR_RETURN(ref::ConvGeometry g,
                         ref::MakeConvGeometry(ctx, input, filter, output,
                                               ref::ConvWindowOf(*p)));
    if (g.filter_c < 1 || g.in_c % g.filter_c != 0 ||
        filter.dim(0) != g.out_c || g.out_c % (g.in_c / g.filter_c) != 0) {
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
                                        g.out_c, /*channel_dim=*/0,
                                        p->activation, spec));
    SetConvWindow(g, spec);
    spec.groups = static_cast<uint32_t>(g.in_c / g.filter_c);
    spec.group_input_channels = static_cast<size_t>(g.filter_c);
    spec.group_output_channels = static_cast<size_t>(g.out_c / spec.groups);
    return runner_.Prepare(ctx, spec, g.batches, g.in_h, g.in_w, 0, 0,
                           input.data, output.data, output.num_elements() == 0);
  }

  Status Invoke(const KernelContext& ctx) override { return runner_.Run(ctx); }

 private:
  XnnConvRunner runner_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateXnnConv2DKernel() {
  return std::make_unique<XnnConv2DKernel>();
}

}  // namespace mai::backends::xnnpack

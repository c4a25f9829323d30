// SOFTMAX over the last dimension on XNNPACK's softmax_nc operators.
#include <xnnpack.h>

#include <cstddef>

#include "backends/ref/binary.h"
#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

class SoftmaxKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("SOFTMAX expects 1 input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.rank() < 1) return ctx.Error("input must have rank >= 1");
    if (in.shape() != out.shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    if (out.dtype() != in.dtype()) {
      return ctx.Unsupported("output dtype {} with input dtype {}",
                             DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    float beta = 1.0f;
    if (const auto* p = ctx.params_if<ir::SoftmaxParams>()) beta = p->beta;
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (in.num_elements() == 0) return Status::Ok();
    const auto channels = static_cast<size_t>(in.dim(in.rank() - 1));
    const size_t batch = static_cast<size_t>(in.num_elements()) / channels;
    xnn_operator_t raw_op = nullptr;
    switch (in.dtype()) {
      case DType::kFloat32: {
        if (beta != 1.0f) {
          return ctx.Unsupported("XNNPACK's float softmax has no beta ({})",
                                 beta);
        }
        const xnn_status created =
            xnn_create_softmax_nc_f32(channels, channels, channels, 0, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(
            XnnStatus(ctx, created, "xnn_create_softmax_nc_f32"));
        return XnnStatus(ctx,
                         xnn_setup_softmax_nc_f32(
                             op_handle_.get(), batch, in.data_as<const float>(),
                             out.data_as<float>(), XnnThreadpool(ctx)),
                         "xnn_setup_softmax_nc_f32");
      }
      case DType::kUInt8: {
        MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, in, "input"));
        MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, out, "output"));
        // exp(beta * s * (x - max)): beta scales the input like its scale.
        const float input_scale = in.scale() * beta;
        const xnn_status created = xnn_create_softmax_nc_qu8(
            channels, channels, channels, input_scale,
            static_cast<uint8_t>(out.zero_point()), out.scale(), 0, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(
            XnnStatus(ctx, created, "xnn_create_softmax_nc_qu8"));
        return XnnStatus(ctx,
                         xnn_setup_softmax_nc_qu8(op_handle_.get(), batch,
                                                  in.data_as<const uint8_t>(),
                                                  out.data_as<uint8_t>(),
                                                  XnnThreadpool(ctx)),
                         "xnn_setup_softmax_nc_qu8");
      }
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  XnnOperator op_handle_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnSoftmaxKernel() {
  return std::make_unique<SoftmaxKernel>();
}

}  // namespace mai::backends::xnnpack

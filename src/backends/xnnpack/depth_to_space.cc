// DEPTH_TO_SPACE (TensorFlow's DCR order) on XNNPACK's
// depth_to_space_nhwc_x32 operator: 4-byte element types only, since this
// XNNPACK has no 1- or 2-byte variant.
#include <xnnpack.h>

#include <cstddef>
#include <cstdint>

#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

class DepthToSpaceKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("DEPTH_TO_SPACE expects an input and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const auto* p = ctx.params_if<ir::BlockSizeParams>();
    if (p == nullptr || p->block_size < 1) {
      return ctx.Error("invalid block_size");
    }
    const int64_t bs = p->block_size;
    if (in.rank() != 4 || out.rank() != 4 || out.dim(0) != in.dim(0) ||
        int64_t{out.dim(1)} != in.dim(1) * bs ||
        int64_t{out.dim(2)} != in.dim(2) * bs ||
        int64_t{in.dim(3)} != out.dim(3) * bs * bs) {
      return ctx.Error("shapes {} -> {} do not match block_size {}",
                       ShapeToString(in.shape()), ShapeToString(out.shape()),
                       bs);
    }
    if (DTypeSize(in.dtype()) != 4) return ctx.UnsupportedDType(in.dtype());
    if (bs < 2) return ctx.Unsupported("XNNPACK needs a block size >= 2");
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (out.num_elements() == 0) return Status::Ok();
    const auto out_c = static_cast<size_t>(out.dim(3));
    const auto in_c = static_cast<size_t>(in.dim(3));
    xnn_operator_t raw_op = nullptr;
    const xnn_status created = xnn_create_depth_to_space_nhwc_x32(
        out_c, in_c, out_c, static_cast<uint32_t>(bs), 0, &raw_op);
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(
        XnnStatus(ctx, created, "xnn_create_depth_to_space_nhwc_x32"));
    return XnnStatus(
        ctx,
        xnn_setup_depth_to_space_nhwc_x32(
            op_handle_.get(), static_cast<size_t>(in.dim(0)),
            static_cast<size_t>(in.dim(1)), static_cast<size_t>(in.dim(2)),
            in.data, out.data, XnnThreadpool(ctx)),
        "xnn_setup_depth_to_space_nhwc_x32");
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  XnnOperator op_handle_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnDepthToSpaceKernel() {
  return std::make_unique<DepthToSpaceKernel>();
}

}  // namespace mai::backends::xnnpack

// RESIZE_BILINEAR on XNNPACK's resize_bilinear2d_nhwc operators. TFLite's
// coordinate modes map to XNNPACK flags: align_corners → ALIGN_CORNERS,
// half_pixel_centers → none (XNNPACK's default), neither →
// TENSORFLOW_LEGACY_MODE.
#include <xnnpack.h>

#include <cstddef>
#include <cstdint>

#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

class ResizeBilinearKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("RESIZE_BILINEAR expects an input and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    if (in.rank() != 4 || out.rank() != 4 || in.dim(0) != out.dim(0) ||
        in.dim(3) != out.dim(3)) {
      return ctx.Error("input {} and output {} must be NHWC with equal N and C",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    bool align_corners = false, half_pixel_centers = false;
    if (const auto* p = ctx.params_if<ir::ResizeParams>()) {
      align_corners = p->align_corners;
      half_pixel_centers = p->half_pixel_centers;
    }
    if (align_corners && half_pixel_centers) {
      return ctx.Error("align_corners and half_pixel_centers are exclusive");
    }
    if (out.dim(1) <= 0 || out.dim(2) <= 0) {
      return ctx.Error("output size must be positive");
    }
    // TFLite falls back to in/out scaling for a single output row/column;
    // XNNPACK would divide by zero.
    if (align_corners && (out.dim(1) == 1 || out.dim(2) == 1)) {
      return ctx.Unsupported("align_corners with an output size of 1");
    }
    uint32_t flags = 0;
    if (align_corners) {
      flags = XNN_FLAG_ALIGN_CORNERS;
    } else if (!half_pixel_centers) {
      flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
    }
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (out.num_elements() == 0) return Status::Ok();
    if (in.num_elements() == 0) {
      return ctx.Error("cannot resize an empty input");
    }
    const auto batch = static_cast<size_t>(in.dim(0));
    const auto in_h = static_cast<size_t>(in.dim(1));
    const auto in_w = static_cast<size_t>(in.dim(2));
    const auto out_h = static_cast<size_t>(out.dim(1));
    const auto out_w = static_cast<size_t>(out.dim(2));
    const auto c = static_cast<size_t>(in.dim(3));
    xnn_operator_t raw_op = nullptr;
    xnn_status status;
    switch (in.dtype()) {
      case DType::kFloat32:
        status = xnn_create_resize_bilinear2d_nhwc_f32(c, c, c, flags, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (float32)"));
        status = xnn_setup_resize_bilinear2d_nhwc_f32(
            op_handle_.get(), batch, in_h, in_w, out_h, out_w,
            in.data_as<const float>(), out.data_as<float>(),
            XnnThreadpool(ctx));
        break;
      case DType::kInt8:
        status = xnn_create_resize_bilinear2d_nhwc_s8(c, c, c, flags, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (int8)"));
        status = xnn_setup_resize_bilinear2d_nhwc_s8(
            op_handle_.get(), batch, in_h, in_w, out_h, out_w,
            in.data_as<const int8_t>(), out.data_as<int8_t>(),
            XnnThreadpool(ctx));
        break;
      case DType::kUInt8:
        status = xnn_create_resize_bilinear2d_nhwc_u8(c, c, c, flags, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (uint8)"));
        status = xnn_setup_resize_bilinear2d_nhwc_u8(
            op_handle_.get(), batch, in_h, in_w, out_h, out_w,
            in.data_as<const uint8_t>(), out.data_as<uint8_t>(),
            XnnThreadpool(ctx));
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    return XnnStatus(ctx, status, "setup");
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  XnnOperator op_handle_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnResizeBilinearKernel() {
  return std::make_unique<ResizeBilinearKernel>();
}

}  // namespace mai::backends::xnnpack

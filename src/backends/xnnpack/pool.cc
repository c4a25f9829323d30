// MAX_POOL_2D and AVERAGE_POOL_2D on XNNPACK's NHWC pooling operators, with
// TFLite's SAME/VALID padding turned into explicit paddings.
#include <xnnpack.h>

#include <cstddef>
#include <cstdint>

#include "backends/ref/binary.h"
#include "backends/ref/quant_util.h"
#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"
#include "ir/shape_inference.h"

namespace mai::backends::xnnpack {
namespace {

enum class PoolKind { kMax, kAverage };

// The window of a pooling node with explicit paddings.
struct PoolWindow {
  uint32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  uint32_t filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1;
  size_t batch = 0, in_h = 0, in_w = 0, channels = 0;

  bool any_padding() const {
    return (pad_top | pad_bottom | pad_left | pad_right) != 0;
  }
};

template <PoolKind kKind>
class Pool2DKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    const auto* p = ctx.params_if<ir::Pool2DParams>();
    if (p == nullptr) return ctx.Error("missing pool options");
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("pooling expects 1 input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.rank() != 4 || out.rank() != 4) {
      return ctx.Error("pooling needs rank-4 input and output");
    }
    if (in.dtype() != out.dtype()) {
      return ctx.Error("input dtype {} differs from output dtype {}",
                       DTypeName(in.dtype()), DTypeName(out.dtype()));
    }
    auto h =
        ir::ComputePaddedHeight(*p, in.dim(1), p->filter_h, p->stride_h, 1);
    if (!h.ok()) return ctx.Error("height: {}", h.status().message());
    auto w = ir::ComputePaddedWidth(*p, in.dim(2), p->filter_w, p->stride_w, 1);
    if (!w.ok()) return ctx.Error("width: {}", w.status().message());
    if (out.dim(0) != in.dim(0) || out.dim(1) != h->out ||
        out.dim(2) != w->out || out.dim(3) != in.dim(3)) {
      return ctx.Error("output shape {} does not match the pooled input",
                       ShapeToString(out.shape()));
    }
    PoolWindow win;
    win.pad_top = static_cast<uint32_t>(h->pad_before);
    win.pad_bottom = static_cast<uint32_t>(h->pad_total - h->pad_before);
    win.pad_left = static_cast<uint32_t>(w->pad_before);
    win.pad_right = static_cast<uint32_t>(w->pad_total - w->pad_before);
    win.filter_h = static_cast<uint32_t>(p->filter_h);
    win.filter_w = static_cast<uint32_t>(p->filter_w);
    win.stride_h = static_cast<uint32_t>(p->stride_h);
    win.stride_w = static_cast<uint32_t>(p->stride_w);
    win.batch = static_cast<size_t>(in.dim(0));
    win.in_h = static_cast<size_t>(in.dim(1));
    win.in_w = static_cast<size_t>(in.dim(2));
    win.channels = static_cast<size_t>(in.dim(3));
    // XNNPACK derives the output size from the explicit paddings.
    const int64_t xnn_out_h =
        (int64_t{in.dim(1)} + win.pad_top + win.pad_bottom - p->filter_h) /
            p->stride_h +
        1;
    const int64_t xnn_out_w =
        (int64_t{in.dim(2)} + win.pad_left + win.pad_right - p->filter_w) /
            p->stride_w +
        1;
    if (xnn_out_h != out.dim(1) || xnn_out_w != out.dim(2)) {
      return ctx.Unsupported("padding does not reproduce the output size");
    }
    if (int64_t{p->filter_h} * p->filter_w < 2) {
      return ctx.Unsupported("XNNPACK has no 1x1 pooling");
    }
    MAI_RETURN_IF_ERROR(CheckXnnIndirectionSize(
        ctx, static_cast<uint64_t>(out.dim(0)) * out.dim(1) * out.dim(2),
        static_cast<uint64_t>(p->filter_h) * p->filter_w));
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    // Nothing to compute: without an operator Invoke does nothing.
    if (out.num_elements() == 0) return Status::Ok();
    switch (in.dtype()) {
      case DType::kFloat32:
        return PrepareFloat(ctx, *p, win);
      case DType::kInt8:
      case DType::kUInt8:
        return PrepareQuantized(ctx, *p, win);
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  Status PrepareFloat(const KernelContext& ctx, const ir::Pool2DParams& p,
                      const PoolWindow& win) {
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         XnnActivationRangeFloat(ctx, p.activation));
    const size_t c = win.channels;
    xnn_operator_t raw_op = nullptr;
    xnn_status status;
    if constexpr (kKind == PoolKind::kMax) {
      status = xnn_create_max_pooling2d_nhwc_f32(
          win.pad_top, win.pad_right, win.pad_bottom, win.pad_left,
          win.filter_h, win.filter_w, win.stride_h, win.stride_w,
          /*dilation_height=*/1, /*dilation_width=*/1, c, c, c, range.min,
          range.max, 0, &raw_op);
    } else {
      status = xnn_create_average_pooling2d_nhwc_f32(
          win.pad_top, win.pad_right, win.pad_bottom, win.pad_left,
          win.filter_h, win.filter_w, win.stride_h, win.stride_w, c, c, c,
          range.min, range.max, 0, &raw_op);
    }
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (float32)"));
    const float* x = ctx.input(0).data_as<const float>();
    float* y = ctx.output(0).data_as<float>();
    if constexpr (kKind == PoolKind::kMax) {
      status = xnn_setup_max_pooling2d_nhwc_f32(op_handle_.get(), win.batch,
                                                win.in_h, win.in_w, x, y,
                                                XnnThreadpool(ctx));
    } else {
      status = xnn_setup_average_pooling2d_nhwc_f32(op_handle_.get(), win.batch,
                                                    win.in_h, win.in_w, x, y,
                                                    XnnThreadpool(ctx));
    }
    return XnnStatus(ctx, status, "setup (float32)");
  }

  Status PrepareQuantized(const KernelContext& ctx, const ir::Pool2DParams& p,
                          const PoolWindow& win) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const DType dtype = in.dtype();
    if (out.quant().empty()) {
      return ctx.Error("quantized output has no quantization parameters");
    }
    MAI_ASSIGN_OR_RETURN(
        ref::QuantizedRange range,
        XnnActivationRangeQuantized(ctx, p.activation, dtype, out.scale(),
                                    out.zero_point()));
    const size_t c = win.channels;
    xnn_operator_t raw_op = nullptr;
    xnn_status status;
    if constexpr (kKind == PoolKind::kMax) {
      // Max pooling moves input values unchanged, as the reference kernel.
      if (dtype == DType::kInt8) {
        status = xnn_create_max_pooling2d_nhwc_s8(
            win.pad_top, win.pad_right, win.pad_bottom, win.pad_left,
            win.filter_h, win.filter_w, win.stride_h, win.stride_w, 1, 1, c, c,
            c, static_cast<int8_t>(range.min), static_cast<int8_t>(range.max),
            0, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (int8)"));
        status = xnn_setup_max_pooling2d_nhwc_s8(
            op_handle_.get(), win.batch, win.in_h, win.in_w,
            in.data_as<const int8_t>(), out.data_as<int8_t>(),
            XnnThreadpool(ctx));
      } else {
        status = xnn_create_max_pooling2d_nhwc_u8(
            win.pad_top, win.pad_right, win.pad_bottom, win.pad_left,
            win.filter_h, win.filter_w, win.stride_h, win.stride_w, 1, 1, c, c,
            c, static_cast<uint8_t>(range.min), static_cast<uint8_t>(range.max),
            0, &raw_op);
        op_handle_.reset(raw_op);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (uint8)"));
        status = xnn_setup_max_pooling2d_nhwc_u8(
            op_handle_.get(), win.batch, win.in_h, win.in_w,
            in.data_as<const uint8_t>(), out.data_as<uint8_t>(),
            XnnThreadpool(ctx));
      }
      return XnnStatus(ctx, status, "setup (quantized)");
    } else {
      if (dtype != DType::kUInt8) return ctx.UnsupportedDType(dtype);
      // XNNPACK's quantized average counts padded elements (TFLite does
      // not), and rescales between input and output quantization (TFLite
      // does not).
      if (win.any_padding()) {
        return ctx.Unsupported(
            "quantized average pooling with padding counts padded elements");
      }
      MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, in, "input"));
      MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, out, "output"));
      if (in.scale() != out.scale() || in.zero_point() != out.zero_point()) {
        return ctx.Unsupported(
            "input and output quantization differ (TFLite does not rescale)");
      }
      status = xnn_create_average_pooling2d_nhwc_qu8(
          0, 0, 0, 0, win.filter_h, win.filter_w, win.stride_h, win.stride_w, c,
          c, c, static_cast<uint8_t>(in.zero_point()), in.scale(),
          static_cast<uint8_t>(out.zero_point()), out.scale(),
          static_cast<uint8_t>(range.min), static_cast<uint8_t>(range.max), 0,
          &raw_op);
      op_handle_.reset(raw_op);
      MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (uint8)"));
      return XnnStatus(ctx,
                       xnn_setup_average_pooling2d_nhwc_qu8(
                           op_handle_.get(), win.batch, win.in_h, win.in_w,
                           in.data_as<const uint8_t>(), out.data_as<uint8_t>(),
                           XnnThreadpool(ctx)),
                       "setup (uint8)");
    }
  }

  XnnOperator op_handle_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnMaxPool2DKernel() {
  return std::make_unique<Pool2DKernel<PoolKind::kMax>>();
}

std::unique_ptr<OpKernel> NewXnnAveragePool2DKernel() {
  return std::make_unique<Pool2DKernel<PoolKind::kAverage>>();
}

}  // namespace mai::backends::xnnpack

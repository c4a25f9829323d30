#include "backends/xnnpack/xnn_util.h"

namespace mai::backends::xnnpack {

const char* XnnStatusName(xnn_status status) {
  switch (status) {
    case xnn_status_success:
      return "xnn_status_success";
    case xnn_status_uninitialized:
      return "xnn_status_uninitialized";
    case xnn_status_invalid_parameter:
      return "xnn_status_invalid_parameter";
    case xnn_status_invalid_state:
      return "xnn_status_invalid_state";
    case xnn_status_unsupported_parameter:
      return "xnn_status_unsupported_parameter";
    case xnn_status_unsupported_hardware:
      return "xnn_status_unsupported_hardware";
    case xnn_status_out_of_memory:
      return "xnn_status_out_of_memory";
  }
  return "xnn_status_unknown";
}

Status XnnStatus(xnn_status status, const char* what) {
  if (status == xnn_status_success) return Status::Ok();
  if (status == xnn_status_out_of_memory) {
    return OutOfRange("{}: XNNPACK ran out of memory", what);
  }
  return Unimplemented("{} failed: {}", what, XnnStatusName(status));
}

Status XnnStatus(const KernelContext& ctx, xnn_status status,
                 const char* what) {
  if (status == xnn_status_success) return Status::Ok();
  if (status == xnn_status_out_of_memory) {
    return OutOfRange("{}: {}: XNNPACK ran out of memory",
                      ctx.graph->NodeLabel(ctx.node_index), what);
  }
  return ctx.Unsupported("{} failed: {}", what, XnnStatusName(status));
}

Status XnnRun(const KernelContext& ctx, const XnnOperator& op) {
  if (op == nullptr) return Status::Ok();
  return XnnStatus(ctx, xnn_run_operator(op.get(), XnnThreadpool(ctx)),
                   "xnn_run_operator");
}

Result<ref::FloatRange> XnnActivationRangeFloat(const KernelContext& ctx,
                                                ir::Activation activation) {
  auto range = ref::ActivationRangeFloat(activation);
  if (!range.ok()) return ctx.Unsupported("{}", range.status().message());
  return range;
}

Result<ref::QuantizedRange> XnnActivationRangeQuantized(
    const KernelContext& ctx, ir::Activation activation, DType dtype,
    float scale, int32_t zero_point) {
  auto range =
      ref::ActivationRangeQuantized(activation, dtype, scale, zero_point);
  if (!range.ok()) return ctx.Unsupported("{}", range.status().message());
  if (range->min >= range->max) {
    return ctx.Unsupported("fused activation leaves the empty range [{}, {}]",
                           range->min, range->max);
  }
  return range;
}

Status RequireConstant(const KernelContext& ctx, const TensorView& t,
                       const char* what) {
  if (t.present() && !t.tensor->is_constant()) {
    return ctx.Unsupported("{} must be constant", what);
  }
  return Status::Ok();
}

bool ZeroPointFits(int64_t zero_point, DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return zero_point >= -128 && zero_point <= 127;
    case DType::kUInt8:
      return zero_point >= 0 && zero_point <= 255;
    default:
      return false;
  }
}

Status CheckXnnIndirectionSize(const KernelContext& ctx, uint64_t output_pixels,
                               uint64_t taps) {
  const uint64_t limit = kMaxXnnIndirectionBytes / sizeof(void*);
  if (taps != 0 && output_pixels > limit / taps) {
    return ctx.Unsupported(
        "{} output pixels x {} window taps would need more than {} MiB of "
        "XNNPACK indirection pointers",
        output_pixels, taps, kMaxXnnIndirectionBytes >> 20);
  }
  return Status::Ok();
}

}  // namespace mai::backends::xnnpack

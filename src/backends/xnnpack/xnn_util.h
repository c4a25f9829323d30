// Generic glue between mai's kernels and XNNPACK's operator API, shared by
// every XNNPACK-backed kernel family.
//
//   XnnOperator op_;                              // owns an xnn_operator_t
//   xnn_operator_t raw = nullptr;
//   MAI_RETURN_IF_ERROR(XnnStatus(ctx, xnn_create_..._f32(..., &raw),
//                                 "xnn_create_..._f32"));
//   op_.reset(raw);
//   MAI_RETURN_IF_ERROR(XnnStatus(ctx, xnn_setup_...(op_.get(), ...,
//                                 XnnThreadpool(ctx)), "xnn_setup_..."));
//   ... Invoke: XnnStatus(ctx, xnn_run_operator(op_.get(), XnnThreadpool(ctx)),
//                         "xnn_run_operator")
//
// Status mapping: an XNNPACK rejection of parameters mai already validated
// means "XNNPACK cannot do this" and becomes Unimplemented, so the session
// falls back to the reference kernel; only running out of memory is a hard
// error.
#ifndef MAI_BACKENDS_XNNPACK_XNN_UTIL_H_
#define MAI_BACKENDS_XNNPACK_XNN_UTIL_H_

#include <xnnpack.h>

#include <cstdint>
#include <memory>

#include "backends/kernel.h"
#include "backends/ref/quant_util.h"
#include "core/status.h"
#include "ir/op_params.h"

namespace mai::backends::xnnpack {

// "xnn_status_invalid_parameter", ... ("xnn_status_<n>" for unknown values).
const char* XnnStatusName(xnn_status status);

// Ok for xnn_status_success; OutOfRange for xnn_status_out_of_memory;
// Unimplemented for every other status. `what` names the call.
Status XnnStatus(xnn_status status, const char* what);
// The same, with the message prefixed by the node's label.
Status XnnStatus(const KernelContext& ctx, xnn_status status, const char* what);

// Deletes an XNNPACK operator; XnnOperator owns one (null when empty).
struct XnnOperatorDeleter {
  void operator()(xnn_operator_t op) const {
    if (op != nullptr) xnn_delete_operator(op);
  }
};
using XnnOperator = std::unique_ptr<xnn_operator, XnnOperatorDeleter>;

// The session's thread pool as XNNPACK takes it (null: run on the caller).
inline pthreadpool_t XnnThreadpool(const KernelContext& ctx) {
  return static_cast<pthreadpool_t>(ctx.threadpool);
}

// XNNPACK's window operators (convolution, deconvolution, pooling, resize)
// build an indirection buffer of one pointer per output pixel per window
// tap at setup. A hostile model can ask for terabytes with a small file
// (a huge pooling window over a modest image), so above this size the node
// is declined (Unimplemented: the reference kernel, which needs no such
// buffer, runs it). A 3x3 convolution writing a 4K image needs ~600 MiB.
inline constexpr uint64_t kMaxXnnIndirectionBytes = uint64_t{1} << 30;
Status CheckXnnIndirectionSize(const KernelContext& ctx, uint64_t output_pixels,
                               uint64_t taps);

// Runs a set-up operator (an empty XnnOperator is a no-op: nothing to do).
Status XnnRun(const KernelContext& ctx, const XnnOperator& op);

// Fused activation → output_min/output_max for float operators (±inf for
// none). Unimplemented (with the node label) for activations XNNPACK cannot
// express as a clamp (TANH, SIGN_BIT).
Result<ref::FloatRange> XnnActivationRangeFloat(const KernelContext& ctx,
                                                ir::Activation activation);

// Fused activation → quantized [min, max] of an int8/uint8 output, exactly
// as the reference kernels compute it (TFLite's rule). Unimplemented for
// activations that are not a clamp, and for an empty range, which XNNPACK
// rejects.
Result<ref::QuantizedRange> XnnActivationRangeQuantized(
    const KernelContext& ctx, ir::Activation activation, DType dtype,
    float scale, int32_t zero_point);

// Unimplemented unless `t` is a constant tensor: XNNPACK packs weights and
// biases when the operator is created, so they must be known at Prepare.
Status RequireConstant(const KernelContext& ctx, const TensorView& t,
                       const char* what);

// Whether a zero point is representable in `dtype` (int8 or uint8), as
// XNNPACK's operators take it.
bool ZeroPointFits(int64_t zero_point, DType dtype);

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_XNN_UTIL_H_

// Ownership of one XNNPACK operator and the translation of xnn_status into
// mai::Status, shared by the XNNPACK kernels of the elementwise and pooling
// families.
//
//   XnnOperator op_;                                   // kernel member
//   // Prepare:
//   MAI_RETURN_IF_ERROR(XnnCheck(ctx, "xnn_create_add_nd_f32",
//       xnn_create_add_nd_f32(lo, hi, 0, op_.Replace())));
//   MAI_RETURN_IF_ERROR(XnnCheck(ctx, "xnn_setup_add_nd_f32",
//       xnn_setup_add_nd_f32(op_.get(), ..., XnnThreadpool(ctx))));
//   // Invoke:
//   return XnnRun(ctx, op_);
//
// XnnCheck maps every failure of create/setup to Unimplemented: XNNPACK
// rejects parameters it has no micro-kernel for (scale ratios, 1x1 pooling,
// ...) with the same codes it uses for plain invalid values, and the kernels
// validate the node themselves before calling it, so a refusal means "this
// backend cannot run the node" and the session falls back to the reference
// kernel.
#ifndef MAI_BACKENDS_XNNPACK_XNN_OPERATOR_H_
#define MAI_BACKENDS_XNNPACK_XNN_OPERATOR_H_

#include <xnnpack.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/kernel.h"
#include "core/status.h"

namespace mai::backends::xnnpack {

// Owns an xnn_operator_t (deleted on Reset/destruction). Not copyable.
class XnnOperator {
 public:
  XnnOperator() = default;
  ~XnnOperator() { Reset(); }
  XnnOperator(const XnnOperator&) = delete;
  XnnOperator& operator=(const XnnOperator&) = delete;

  xnn_operator_t get() const { return op_; }
  explicit operator bool() const { return op_ != nullptr; }

  // Deletes the held operator.
  void Reset() {
    if (op_ != nullptr) xnn_delete_operator(op_);
    op_ = nullptr;
  }
  // Deletes the held operator and returns the slot an xnn_create_* call
  // writes the new one to.
  xnn_operator_t* Replace() {
    Reset();
    return &op_;
  }

 private:
  xnn_operator_t op_ = nullptr;
};

inline const char* XnnStatusName(xnn_status status) {
  switch (status) {
    case xnn_status_success:
      return "success";
    case xnn_status_uninitialized:
      return "uninitialized";
    case xnn_status_invalid_parameter:
      return "invalid parameter";
    case xnn_status_invalid_state:
      return "invalid state";
    case xnn_status_unsupported_parameter:
      return "unsupported parameter";
    case xnn_status_unsupported_hardware:
      return "unsupported hardware";
    case xnn_status_out_of_memory:
      return "out of memory";
  }
  return "unknown status";
}

// Ok for xnn_status_success, else Unimplemented naming the node and call.
inline Status XnnCheck(const KernelContext& ctx, const char* call,
                       xnn_status status) {
  if (status == xnn_status_success) return Status::Ok();
  return ctx.Unsupported("XNNPACK {} refused the node ({})", call,
                         XnnStatusName(status));
}

inline pthreadpool_t XnnThreadpool(const KernelContext& ctx) {
  return static_cast<pthreadpool_t>(ctx.threadpool);
}

// Runs a set-up operator on the session's thread pool.
inline Status XnnRun(const KernelContext& ctx, const XnnOperator& op) {
  const xnn_status status = xnn_run_operator(op.get(), XnnThreadpool(ctx));
  if (status != xnn_status_success) {
    return Internal("{}: xnn_run_operator failed ({})",
                    ctx.graph->NodeLabel(ctx.node_index),
                    XnnStatusName(status));
  }
  return Status::Ok();
}

// A copy of constant bytes followed by XNN_EXTRA_BYTES of slack, for
// operands that XNNPACK reads at run time: its micro-kernels may load up to
// XNN_EXTRA_BYTES past the end of an input, and constants point into the
// memory-mapped model file, whose end may be the end of a mapping.
class PaddedConstant {
 public:
  const void* Assign(const void* data, size_t bytes) {
    buffer_.assign(bytes + XNN_EXTRA_BYTES, 0);
    if (bytes != 0) std::memcpy(buffer_.data(), data, bytes);
    return buffer_.data();
  }
  void Clear() { buffer_.clear(); }

 private:
  std::vector<uint8_t> buffer_;
};

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_XNN_OPERATOR_H_

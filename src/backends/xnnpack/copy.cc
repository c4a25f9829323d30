// RESHAPE, SQUEEZE and EXPAND_DIMS: the output holds the input's bytes. The
// planner usually gives both tensors one buffer, and then there is nothing
// to do; otherwise Invoke copies.
#include <cstring>

#include "backends/xnnpack/pool_kernels.h"

namespace mai::backends::xnnpack {
namespace {

class CopyKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects an input and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.dtype() != out.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const size_t elem = DTypeSize(in.dtype());
    if (elem == 0) return ctx.UnsupportedDType(in.dtype());
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input {} and output {} differ in size",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    // A shape computed at run time is checked against the planned shape by
    // the reference kernel.
    if (ctx.node->op == ir::OpCode::kReshape && ctx.num_inputs() > 1 &&
        ctx.input(1).present() && !ctx.input(1).tensor->is_constant()) {
      return ctx.Unsupported("the new shape is computed at run time");
    }
    bytes_ = static_cast<size_t>(in.num_elements()) * elem;
    if (in.bytes < bytes_ || out.bytes < bytes_) {
      return ctx.Error("tensor buffers hold fewer than {} bytes", bytes_);
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (bytes_ != 0 && out.data != in.data) {
      std::memcpy(out.data, in.data, bytes_);
    }
    return Status::Ok();
  }

 private:
  size_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnCopyKernel() {
  return std::make_unique<CopyKernel>();
}

}  // namespace mai::backends::xnnpack

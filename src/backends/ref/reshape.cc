// RESHAPE, SQUEEZE, EXPAND_DIMS: the output holds the input's bytes.
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

class ReshapeKernel : public OpKernel {
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
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         MovableElementSize(ctx, in.dtype()));
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input {} and output {} differ in size",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    bytes_ = static_cast<size_t>(in.num_elements()) * element_size;
    // A RESHAPE whose shape tensor is computed at run time: shape inference
    // kept the planned output shape, so Invoke checks the values match it.
    check_shape_input_ = false;
    if (ctx.node->op == ir::OpCode::kReshape && ctx.num_inputs() > 1 &&
        ctx.input(1).present()) {
      const TensorView& shape = ctx.input(1);
      check_shape_input_ =
          !shape.tensor->is_constant() && shape.rank() == 1 &&
          (shape.dtype() == DType::kInt32 || shape.dtype() == DType::kInt64);
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    if (check_shape_input_) MAI_RETURN_IF_ERROR(CheckShapeInput(ctx));
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (bytes_ != 0 && out.data != in.data) {
      std::memmove(out.data, in.data, bytes_);
    }
    return Status::Ok();
  }

 private:
  Status CheckShapeInput(const KernelContext& ctx) const {
    const TensorView& shape = ctx.input(1);
    const TensorView& out = ctx.output(0);
    const int64_t n = shape.num_elements();
    bool ok = n == out.rank();
    int wildcards = 0;
    for (int64_t i = 0; ok && i < n; ++i) {
      const int64_t v = shape.dtype() == DType::kInt32
                            ? shape.data_as<const int32_t>()[i]
                            : shape.data_as<const int64_t>()[i];
      if (v == -1) {
        ok = ++wildcards == 1;
      } else {
        ok = v == out.dim(static_cast<int>(i));
      }
    }
    if (!ok) {
      return ctx.Unsupported(
          "shape input computed at run time differs from the planned output "
          "shape {}",
          ShapeToString(out.shape()));
    }
    return Status::Ok();
  }

  size_t bytes_ = 0;
  bool check_shape_input_ = false;
};

}  // namespace

std::unique_ptr<OpKernel> NewReshapeKernel() {
  return std::make_unique<ReshapeKernel>();
}

}  // namespace mai::backends::ref

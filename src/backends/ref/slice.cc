// SLICE: the output is the box of the input starting at `begin` (input 1);
// its extent is the output shape (size -1 was resolved by shape inference).
#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

class SliceKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 3 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 3 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.dtype() != out.dtype() || in.rank() != out.rank()) {
      return ctx.Error("output {} {} does not match input {} {}",
                       DTypeName(out.dtype()), ShapeToString(out.shape()),
                       DTypeName(in.dtype()), ShapeToString(in.shape()));
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         MovableElementSize(ctx, in.dtype()));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin, ConstInputInts(ctx, 1));
    if (static_cast<int>(begin.size()) != in.rank()) {
      return ctx.Error("begin has {} values for rank {}", begin.size(),
                       in.rank());
    }
    const std::vector<int64_t> strides = ContiguousStrides(in.shape());
    int64_t base = 0;
    for (int d = 0; d < in.rank(); ++d) {
      if (begin[d] < 0 || begin[d] + out.dim(d) > in.dim(d)) {
        return ctx.Error("slice [{}, +{}) exceeds dim {} of size {}", begin[d],
                         out.dim(d), d, in.dim(d));
      }
      base += begin[d] * strides[d];
    }
    MAI_ASSIGN_OR_RETURN(
        plan_, StridedCopyPlan::Make(element_size, out.shape(), strides, base));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  StridedCopyPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewSliceKernel() {
  return std::make_unique<SliceKernel>();
}

}  // namespace mai::backends::ref

// TRANSPOSE: output axis i is input axis perm[i].
#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

constexpr int kMaxRank = 6;

class TransposeKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.dtype() != out.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         MovableElementSize(ctx, in.dtype()));
    const int rank = in.rank();
    if (rank > kMaxRank) {
      return ctx.Unsupported("rank {} is above the supported {}", rank,
                             kMaxRank);
    }
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ConstInputInts(ctx, 1));
    if (static_cast<int>(perm.size()) != rank || out.rank() != rank) {
      return ctx.Error("perm of {} values for input rank {}, output rank {}",
                       perm.size(), rank, out.rank());
    }
    const std::vector<int64_t> in_strides = ContiguousStrides(in.shape());
    std::vector<bool> seen(rank, false);
    std::vector<int64_t> strides(rank);
    for (int i = 0; i < rank; ++i) {
      const int64_t p = perm[i];
      if (p < 0 || p >= rank || seen[p] || out.dim(i) != in.dim(p)) {
        return ctx.Error("perm does not map {} onto {}",
                         ShapeToString(in.shape()), ShapeToString(out.shape()));
      }
      seen[p] = true;
      strides[i] = in_strides[p];
    }
    MAI_ASSIGN_OR_RETURN(
        plan_, StridedCopyPlan::Make(element_size, out.shape(), strides, 0));
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

std::unique_ptr<OpKernel> NewTransposeKernel() {
  return std::make_unique<TransposeKernel>();
}

}  // namespace mai::backends::ref

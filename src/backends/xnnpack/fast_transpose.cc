// TRANSPOSE and TILE as one strided copy (fast::StridedCopyPlan): the
// common NHWC <-> NCHW permutations become tiled 2-D transposes, TILE reads
// its input with stride 0 along the repeats.
#include <vector>

#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

class FastTransposeKernel : public OpKernel {
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
                         ref::MovableElementSize(ctx, in.dtype()));
    const int rank = in.rank();
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                         ref::ConstInputInts(ctx, 1));
    if (static_cast<int>(perm.size()) != rank || out.rank() != rank) {
      return ctx.Error("perm of {} values for input rank {}, output rank {}",
                       perm.size(), rank, out.rank());
    }
    const std::vector<int64_t> in_strides = ref::ContiguousStrides(in.shape());
    std::vector<bool> seen(rank, false);
    std::vector<int64_t> dims(rank), strides(rank);
    for (int i = 0; i < rank; ++i) {
      const int64_t p = perm[i];
      if (p < 0 || p >= rank || seen[p] || out.dim(i) != in.dim(p)) {
        return ctx.Error("perm does not map {} onto {}",
                         ShapeToString(in.shape()), ShapeToString(out.shape()));
      }
      seen[p] = true;
      dims[i] = out.dim(i);
      strides[i] = in_strides[p];
    }
    return plan_.Init(element_size, dims, strides, 0);
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx, ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  fast::StridedCopyPlan plan_;
};

// Output dim d of size m_d * n_d is read as [m_d, n_d] with input strides
// [0, stride_d].
class FastTileKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.dtype() != out.dtype() || in.rank() != out.rank()) {
      return ctx.Error("output {} {} does not match input {} {}",
                       DTypeName(out.dtype()), ShapeToString(out.shape()),
                       DTypeName(in.dtype()), ShapeToString(in.shape()));
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, in.dtype()));
    const std::vector<int64_t> in_strides = ref::ContiguousStrides(in.shape());
    std::vector<int64_t> dims, strides;
    for (int d = 0; d < in.rank(); ++d) {
      const int32_t i = in.dim(d);
      const int32_t o = out.dim(d);
      if (i == 0 ? o != 0 : o % i != 0) {
        return ctx.Error("output {} is not a tiling of input {}",
                         ShapeToString(out.shape()), ShapeToString(in.shape()));
      }
      dims.push_back(i == 0 ? 0 : o / i);
      strides.push_back(0);
      dims.push_back(i);
      strides.push_back(in_strides[d]);
    }
    return plan_.Init(element_size, dims, strides, 0);
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx, ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  fast::StridedCopyPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastTransposeKernel() {
  return std::make_unique<FastTransposeKernel>();
}
std::unique_ptr<OpKernel> NewFastTileKernel() {
  return std::make_unique<FastTileKernel>();
}

}  // namespace mai::backends::xnnpack

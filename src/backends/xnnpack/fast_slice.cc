// SLICE and STRIDED_SLICE as one strided copy (fast::StridedCopyPlan):
// unit strides copy contiguous runs with memcpy, other strides gather.
#include <vector>

#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"
#include "ir/shapes/transform.h"

namespace mai::backends::xnnpack {
namespace {

class FastSliceKernel : public OpKernel {
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
                         ref::MovableElementSize(ctx, in.dtype()));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                         ref::ConstInputInts(ctx, 1));
    if (static_cast<int>(begin.size()) != in.rank()) {
      return ctx.Error("begin has {} values for rank {}", begin.size(),
                       in.rank());
    }
    const std::vector<int64_t> strides = ref::ContiguousStrides(in.shape());
    std::vector<int64_t> dims(out.shape().begin(), out.shape().end());
    int64_t base = 0;
    for (int d = 0; d < in.rank(); ++d) {
      if (begin[d] < 0 || begin[d] + out.dim(d) > in.dim(d)) {
        return ctx.Error("slice [{}, +{}) exceeds dim {} of size {}", begin[d],
                         out.dim(d), d, in.dim(d));
      }
      base += begin[d] * strides[d];
    }
    return plan_.Init(element_size, dims, strides, base);
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx, ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  fast::StridedCopyPlan plan_;
};

// The slice spec is resolved by ir::PlanStridedSlice, shared with shape
// inference and the reference kernel.
class FastStridedSliceKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 4 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 4 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.dtype() != out.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, in.dtype()));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                         ref::ConstInputInts(ctx, 1));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> end, ref::ConstInputInts(ctx, 2));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> strides,
                         ref::ConstInputInts(ctx, 3));
    const auto* params = ctx.params_if<ir::StridedSliceParams>();
    const ir::StridedSliceParams defaults;
    Result<ir::StridedSlicePlan> spec = ir::PlanStridedSlice(
        in.shape(), begin, end, strides, params ? *params : defaults);
    if (!spec.ok()) {
      return spec.status().WithContext(ctx.graph->NodeLabel(ctx.node_index));
    }
    if (spec->output_shape != out.shape()) {
      return ctx.Error("slice gives {}, output has {}",
                       ShapeToString(spec->output_shape),
                       ShapeToString(out.shape()));
    }
    const std::vector<int64_t> in_strides = ref::ContiguousStrides(in.shape());
    int64_t base = 0;
    std::vector<int64_t> dims, copy_strides;
    for (const ir::StridedSliceAxis& a : spec->axes) {
      const int64_t s = a.input_axis >= 0 ? in_strides[a.input_axis] : 0;
      base += a.begin * s;
      if (a.keep) {
        dims.push_back(a.size);
        copy_strides.push_back(a.stride * s);
      }
    }
    return plan_.Init(element_size, dims, copy_strides, base);
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx, ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  fast::StridedCopyPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastSliceKernel() {
  return std::make_unique<FastSliceKernel>();
}
std::unique_ptr<OpKernel> NewFastStridedSliceKernel() {
  return std::make_unique<FastStridedSliceKernel>();
}

}  // namespace mai::backends::xnnpack

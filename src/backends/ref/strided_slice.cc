// STRIDED_SLICE: the slice spec is resolved by ir::PlanStridedSlice (shared
// with shape inference) and run as one strided copy.
#include "backends/ref/transform_kernels.h"
#include "ir/shapes/transform.h"

namespace mai::backends::ref {
namespace {

class StridedSliceKernel : public OpKernel {
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
                         MovableElementSize(ctx, in.dtype()));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin, ConstInputInts(ctx, 1));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> end, ConstInputInts(ctx, 2));
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> strides, ConstInputInts(ctx, 3));
    const auto* params = ctx.params_if<ir::StridedSliceParams>();
    const ir::StridedSliceParams defaults;
    Result<ir::StridedSlicePlan> plan = ir::PlanStridedSlice(
        in.shape(), begin, end, strides, params ? *params : defaults);
    if (!plan.ok()) {
      return plan.status().WithContext(ctx.graph->NodeLabel(ctx.node_index));
    }
    if (plan->output_shape != out.shape()) {
      return ctx.Error("slice gives {}, output has {}",
                       ShapeToString(plan->output_shape),
                       ShapeToString(out.shape()));
    }
    const std::vector<int64_t> in_strides = ContiguousStrides(in.shape());
    int64_t base = 0;
    std::vector<int64_t> copy_strides;
    for (const ir::StridedSliceAxis& a : plan->axes) {
      const int64_t s = a.input_axis >= 0 ? in_strides[a.input_axis] : 0;
      base += a.begin * s;
      if (a.keep) copy_strides.push_back(a.stride * s);
    }
    MAI_ASSIGN_OR_RETURN(plan_, StridedCopyPlan::Make(element_size, out.shape(),
                                                      copy_strides, base));
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

std::unique_ptr<OpKernel> NewStridedSliceKernel() {
  return std::make_unique<StridedSliceKernel>();
}

}  // namespace mai::backends::ref

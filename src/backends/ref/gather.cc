// GATHER: output = params[:axis] + indices[batch_dims:] + params[axis+1:].
// Every index is checked before any copy: an index outside [0, axis size)
// is an OutOfRange error at Invoke, never a read out of bounds.
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

template <typename I>
Status CheckIndices(const KernelContext& ctx, const GatherPlan& plan) {
  const I* indices = ctx.input(1).data_as<const I>();
  const int64_t count = plan.batch * plan.coords;
  for (int64_t k = 0; k < count; ++k) {
    if (indices[k] < 0 || indices[k] >= plan.axis_size) {
      return OutOfRange("{}: index {} is out of range [0, {})",
                        ctx.graph->NodeLabel(ctx.node_index),
                        static_cast<int64_t>(indices[k]), plan.axis_size);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<GatherPlan> PlanGather(const KernelContext& ctx) {
  GatherPlan plan;
  if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
      !ctx.input(0).present() || !ctx.input(1).present()) {
    return ctx.Error("expects 2 inputs and 1 output");
  }
  const TensorView& params = ctx.input(0);
  const TensorView& indices = ctx.input(1);
  const TensorView& out = ctx.output(0);
  if (params.dtype() != out.dtype()) {
    return ctx.Error("output dtype {} differs from params dtype {}",
                     DTypeName(out.dtype()), DTypeName(params.dtype()));
  }
  plan.index_dtype = indices.dtype();
  if (plan.index_dtype != DType::kInt32 && plan.index_dtype != DType::kInt64 &&
      plan.index_dtype != DType::kInt16) {
    return ctx.Unsupported("indices of dtype {} are not supported",
                           DTypeName(plan.index_dtype));
  }
  MAI_ASSIGN_OR_RETURN(size_t element_size,
                       MovableElementSize(ctx, params.dtype()));
  const auto* p = ctx.params_if<ir::GatherParams>();
  const int rank = params.rank();
  const int indices_rank = indices.rank();
  int axis = p ? p->axis : 0;
  int batch_dims = p ? p->batch_dims : 0;
  if (axis < 0) axis += rank;
  if (batch_dims < 0) batch_dims += indices_rank;
  if (axis < 0 || axis >= rank || batch_dims < 0 || batch_dims > indices_rank ||
      batch_dims > axis) {
    return ctx.Error("axis {} / batch_dims {} are invalid for ranks {}, {}",
                     p ? p->axis : 0, p ? p->batch_dims : 0, rank,
                     indices_rank);
  }
  Shape expected(params.shape().begin(), params.shape().begin() + axis);
  for (int d = 0; d < batch_dims; ++d) {
    if (indices.dim(d) != params.dim(d)) {
      return ctx.Error("batch dim {} differs between params and indices", d);
    }
  }
  expected.insert(expected.end(), indices.shape().begin() + batch_dims,
                  indices.shape().end());
  expected.insert(expected.end(), params.shape().begin() + axis + 1,
                  params.shape().end());
  if (expected != out.shape()) {
    return ctx.Error("output shape {} should be {}", ShapeToString(out.shape()),
                     ShapeToString(expected));
  }
  plan.batch = DimProduct(params.shape(), 0, batch_dims);
  plan.outer = DimProduct(params.shape(), batch_dims, axis);
  plan.axis_size = params.dim(axis);
  plan.coords = DimProduct(indices.shape(), batch_dims, indices_rank);
  plan.row_bytes = DimProduct(params.shape(), axis + 1, rank) *
                   static_cast<int64_t>(element_size);
  return plan;
}

Status CheckGatherIndices(const KernelContext& ctx, const GatherPlan& plan) {
  switch (plan.index_dtype) {
    case DType::kInt16:
      return CheckIndices<int16_t>(ctx, plan);
    case DType::kInt32:
      return CheckIndices<int32_t>(ctx, plan);
    default:
      return CheckIndices<int64_t>(ctx, plan);
  }
}

namespace {

class GatherKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_ASSIGN_OR_RETURN(plan_, PlanGather(ctx));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(CheckGatherIndices(ctx, plan_));
    switch (plan_.index_dtype) {
      case DType::kInt16:
        return Run(ctx, ctx.input(1).data_as<const int16_t>());
      case DType::kInt32:
        return Run(ctx, ctx.input(1).data_as<const int32_t>());
      default:
        return Run(ctx, ctx.input(1).data_as<const int64_t>());
    }
  }

 private:
  template <typename I>
  Status Run(const KernelContext& ctx, const I* indices) const {
    const GatherPlan& p = plan_;
    if (p.row_bytes == 0) return Status::Ok();
    const auto* params = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    for (int64_t b = 0; b < p.batch; ++b) {
      const I* batch_indices = indices + b * p.coords;
      for (int64_t o = 0; o < p.outer; ++o) {
        const uint8_t* slab =
            params + (b * p.outer + o) * p.axis_size * p.row_bytes;
        for (int64_t c = 0; c < p.coords; ++c) {
          std::memcpy(
              out, slab + static_cast<int64_t>(batch_indices[c]) * p.row_bytes,
              p.row_bytes);
          out += p.row_bytes;
        }
      }
    }
    return Status::Ok();
  }

  GatherPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewGatherKernel() {
  return std::make_unique<GatherKernel>();
}

}  // namespace mai::backends::ref

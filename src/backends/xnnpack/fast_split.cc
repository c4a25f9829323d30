// SPLIT, SPLIT_V and UNPACK as row-block scatters (RowBlockPlan::Scatter).
#include <algorithm>
#include <vector>

#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

using fast::RowBlockPlan;

// Scatters input `input_index` into the outputs; subclasses describe the
// split in Prepare.
class ScatterKernel : public OpKernel {
 public:
  Status Invoke(const KernelContext& ctx) override {
    for (int k = 0; k < ctx.num_outputs(); ++k) {
      outputs_[k] = static_cast<uint8_t*>(ctx.output(k).data);
    }
    plan_.Scatter(ctx,
                  static_cast<const uint8_t*>(ctx.input(input_index_).data),
                  outputs_.data());
    return Status::Ok();
  }

 protected:
  explicit ScatterKernel(int input_index) : input_index_(input_index) {}

  int input_index_;
  RowBlockPlan plan_;
  std::vector<uint8_t*> outputs_;
};

// SPLIT (inputs: axis, input) and SPLIT_V (inputs: input, size_splits,
// axis): the outputs' axis sizes are the pieces.
class FastSplitKernel : public ScatterKernel {
 public:
  FastSplitKernel(int input_index, int axis_index)
      : ScatterKernel(input_index), axis_index_(axis_index) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() <= std::max(input_index_, axis_index_) ||
        ctx.num_outputs() < 1 || !ctx.input(input_index_).present()) {
      return ctx.Error("has too few inputs or no outputs");
    }
    const TensorView& in = ctx.input(input_index_);
    const int rank = in.rank();
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> axis_values,
                         ref::ConstInputInts(ctx, axis_index_));
    const int axis = axis_values.size() == 1
                         ? fast::NormalizeAxis(axis_values[0], rank)
                         : -1;
    if (axis < 0) {
      return ctx.Error("axis must be one value in [-{}, {})", rank, rank);
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, in.dtype()));
    const int64_t inner = ref::DimProduct(in.shape(), axis + 1, rank);
    std::vector<int64_t> parts;
    int64_t total = 0;
    for (const TensorView& out : ctx.outputs) {
      bool fits = out.dtype() == in.dtype() && out.rank() == rank;
      for (int d = 0; fits && d < rank; ++d) {
        fits = d == axis || out.dim(d) == in.dim(d);
      }
      if (!fits) {
        return ctx.Error("output {} {} is not a split of {}",
                         DTypeName(out.dtype()), ShapeToString(out.shape()),
                         ShapeToString(in.shape()));
      }
      total += out.dim(axis);
      parts.push_back(out.dim(axis) * inner);
    }
    if (total != in.dim(axis)) {
      return ctx.Error("outputs take {} of an axis of size {}", total,
                       in.dim(axis));
    }
    plan_.Init(element_size, ref::DimProduct(in.shape(), 0, axis),
               std::move(parts));
    outputs_.assign(ctx.num_outputs(), nullptr);
    return Status::Ok();
  }

 private:
  int axis_index_;
};

class FastUnpackKernel : public ScatterKernel {
 public:
  FastUnpackKernel() : ScatterKernel(0) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() < 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and at least 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& first = ctx.output(0);
    const int rank = in.rank();
    const auto* params = ctx.params_if<ir::UnpackParams>();
    const int axis = fast::NormalizeAxis(params ? params->axis : 0, rank);
    if (axis < 0 || first.rank() != rank - 1 ||
        in.dim(axis) != ctx.num_outputs()) {
      return ctx.Error("input {} does not unstack into {} outputs of {}",
                       ShapeToString(in.shape()), ctx.num_outputs(),
                       ShapeToString(first.shape()));
    }
    for (const TensorView& out : ctx.outputs) {
      if (out.dtype() != in.dtype() || out.shape() != first.shape()) {
        return ctx.Error("outputs differ in dtype or shape");
      }
    }
    for (int d = 0; d + 1 < rank; ++d) {
      if (first.dim(d) != in.dim(d < axis ? d : d + 1)) {
        return ctx.Error("input {} does not unstack into {}",
                         ShapeToString(in.shape()),
                         ShapeToString(first.shape()));
      }
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, in.dtype()));
    const int64_t inner = ref::DimProduct(in.shape(), axis + 1, rank);
    plan_.Init(element_size, ref::DimProduct(in.shape(), 0, axis),
               std::vector<int64_t>(ctx.num_outputs(), inner));
    outputs_.assign(ctx.num_outputs(), nullptr);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<OpKernel> NewFastSplitKernel() {
  return std::make_unique<FastSplitKernel>(/*input_index=*/1,
                                           /*axis_index=*/0);
}
std::unique_ptr<OpKernel> NewFastSplitVKernel() {
  return std::make_unique<FastSplitKernel>(/*input_index=*/0,
                                           /*axis_index=*/2);
}
std::unique_ptr<OpKernel> NewFastUnpackKernel() {
  return std::make_unique<FastUnpackKernel>();
}

}  // namespace mai::backends::xnnpack

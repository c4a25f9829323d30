// SPLIT (inputs: axis, input) and SPLIT_V (inputs: input, size_splits,
// axis): each output takes a run of the input along the axis; the run
// lengths are the outputs' axis sizes (shape inference derived them).
#include <algorithm>
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

class SplitKernel : public OpKernel {
 public:
  SplitKernel(int input_index, int axis_index)
      : input_index_(input_index), axis_index_(axis_index) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() <= std::max(input_index_, axis_index_) ||
        ctx.num_outputs() < 1 || !ctx.input(input_index_).present()) {
      return ctx.Error("has too few inputs or no outputs");
    }
    const TensorView& in = ctx.input(input_index_);
    const int rank = in.rank();
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> axis_values,
                         ConstInputInts(ctx, axis_index_));
    if (axis_values.size() != 1 || rank < 1 || axis_values[0] < -rank ||
        axis_values[0] >= rank) {
      return ctx.Error("axis must be one value in [-{}, {})", rank, rank);
    }
    const int axis = static_cast<int>(axis_values[0] < 0 ? axis_values[0] + rank
                                                         : axis_values[0]);
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         MovableElementSize(ctx, in.dtype()));
    const int64_t inner = DimProduct(in.shape(), axis + 1, rank);
    outer_ = DimProduct(in.shape(), 0, axis);
    chunk_bytes_.clear();
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
      chunk_bytes_.push_back(out.dim(axis) * inner *
                             static_cast<int64_t>(element_size));
    }
    if (total != in.dim(axis)) {
      return ctx.Error("outputs take {} of an axis of size {}", total,
                       in.dim(axis));
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const auto* in = static_cast<const uint8_t*>(ctx.input(input_index_).data);
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t k = 0; k < chunk_bytes_.size(); ++k) {
        const int64_t chunk = chunk_bytes_[k];
        if (chunk == 0) continue;
        std::memcpy(static_cast<uint8_t*>(ctx.outputs[k].data) + o * chunk, in,
                    chunk);
        in += chunk;
      }
    }
    return Status::Ok();
  }

 private:
  int input_index_;
  int axis_index_;
  int64_t outer_ = 0;
  std::vector<int64_t> chunk_bytes_;
};

}  // namespace

std::unique_ptr<OpKernel> NewSplitKernel() {
  return std::make_unique<SplitKernel>(/*input_index=*/1, /*axis_index=*/0);
}
std::unique_ptr<OpKernel> NewSplitVKernel() {
  return std::make_unique<SplitKernel>(/*input_index=*/0, /*axis_index=*/2);
}

}  // namespace mai::backends::ref

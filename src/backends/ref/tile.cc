// TILE: output dim d repeats input dim d (output / input) times.
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

class TileKernel : public OpKernel {
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
    MAI_ASSIGN_OR_RETURN(element_size_, MovableElementSize(ctx, in.dtype()));
    const int rank = in.rank();
    in_dims_.assign(rank, 0);
    multiples_.assign(rank, 0);
    in_inner_.assign(rank + 1, 1);
    empty_ = out.num_elements() == 0;
    for (int d = 0; d < rank; ++d) {
      const int32_t i = in.dim(d);
      const int32_t o = out.dim(d);
      if (i == 0 ? o != 0 : o % i != 0) {
        return ctx.Error("output {} is not a tiling of input {}",
                         ShapeToString(out.shape()), ShapeToString(in.shape()));
      }
      in_dims_[d] = i;
      multiples_[d] = i == 0 ? 0 : o / i;
    }
    for (int d = rank - 1; d >= 0; --d) {
      in_inner_[d] = in_inner_[d + 1] * in_dims_[d];
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const auto* in = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    if (empty_) return Status::Ok();
    if (in_dims_.empty()) {
      std::memcpy(out, in, element_size_);
      return Status::Ok();
    }
    TileAxis(0, in, out);
    return Status::Ok();
  }

 private:
  // Writes the tiling of the input block of axes [d, rank) at `in` to `out`;
  // returns the number of elements written.
  int64_t TileAxis(size_t d, const uint8_t* in, uint8_t* out) const {
    const int64_t es = static_cast<int64_t>(element_size_);
    int64_t block = 0;
    if (d + 1 == in_dims_.size()) {
      block = in_dims_[d];
      std::memcpy(out, in, block * es);
    } else {
      for (int64_t i = 0; i < in_dims_[d]; ++i) {
        block +=
            TileAxis(d + 1, in + i * in_inner_[d + 1] * es, out + block * es);
      }
    }
    for (int64_t k = 1; k < multiples_[d]; ++k) {
      std::memcpy(out + k * block * es, out, block * es);
    }
    return block * multiples_[d];
  }

  size_t element_size_ = 1;
  bool empty_ = false;
  std::vector<int64_t> in_dims_;
  std::vector<int64_t> multiples_;
  std::vector<int64_t> in_inner_;  // elements per step of axis d-1
};

}  // namespace

std::unique_ptr<OpKernel> NewTileKernel() {
  return std::make_unique<TileKernel>();
}

}  // namespace mai::backends::ref

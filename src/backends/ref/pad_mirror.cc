// MIRROR_PAD: pads each dim with a mirror image of the input's border.
// REFLECT leaves the edge element out ([1 2 3] -> 3 2 [1 2 3] 2 1),
// SYMMETRIC repeats it ([1 2 3] -> 2 1 [1 2 3] 3 2).
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

class MirrorPadKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    elem_ = DTypeSize(in.dtype());
    if (elem_ == 0) return ctx.UnsupportedDType(in.dtype());
    const auto* params = ctx.params_if<ir::MirrorPadParams>();
    const bool reflect =
        params == nullptr || params->mode == ir::MirrorPadMode::kReflect;
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ReadConstPaddings(ctx));

    const int rank = in.rank();
    maps_.assign(rank, {});
    in_strides_.assign(rank, 1);
    out_dims_.assign(rank, 0);
    index_.assign(rank, 0);
    for (int d = rank - 2; d >= 0; --d) {
      in_strides_[d] = in_strides_[d + 1] * in.dim(d + 1);
    }
    for (int d = 0; d < rank; ++d) {
      const int64_t n = in.dim(d);
      const int64_t before = pads[2 * d];
      out_dims_[d] = out.dim(d);
      if (out_dims_[d] > 0 && n == 0)
        return ctx.Error("cannot mirror an empty dim");
      maps_[d].resize(out_dims_[d]);
      for (int64_t o = 0; o < out_dims_[d]; ++o) {
        int64_t i = o - before;
        if (i < 0) i = reflect ? -i : -i - 1;
        if (i >= n) i = reflect ? 2 * (n - 1) - i : 2 * n - 1 - i;
        if (i < 0 || i >= n) {
          return ctx.Error(
              "paddings ({}, {}) of dim {} are too large for size {}", before,
              pads[2 * d + 1], d, n);
        }
        maps_[d][o] = i;
      }
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const uint8_t* src = in.data_as<const uint8_t>();
    uint8_t* dst = out.data_as<uint8_t>();
    const int rank = in.rank();
    const int64_t out_count = out.num_elements();
    if (out_count == 0) return Status::Ok();
    if (rank == 0) {
      std::memcpy(dst, src, elem_);
      return Status::Ok();
    }
    const int64_t row = out_dims_[rank - 1];
    const std::vector<int64_t>& last = maps_[rank - 1];
    std::fill(index_.begin(), index_.end(), 0);
    for (int64_t start = 0; start < out_count; start += row) {
      int64_t base = 0;
      for (int d = 0; d < rank - 1; ++d) {
        base += maps_[d][index_[d]] * in_strides_[d];
      }
      uint8_t* out_row = dst + start * elem_;
      for (int64_t o = 0; o < row; ++o) {
        std::memcpy(out_row + o * elem_, src + (base + last[o]) * elem_, elem_);
      }
      for (int d = rank - 2; d >= 0; --d) {
        if (++index_[d] < out_dims_[d]) break;
        index_[d] = 0;
      }
    }
    return Status::Ok();
  }

 private:
  size_t elem_ = 0;
  std::vector<std::vector<int64_t>> maps_;  // per dim: output -> input index
  std::vector<int64_t> in_strides_, out_dims_, index_;
};

}  // namespace

std::unique_ptr<OpKernel> NewMirrorPadKernel() {
  return std::make_unique<MirrorPadKernel>();
}

}  // namespace mai::backends::ref

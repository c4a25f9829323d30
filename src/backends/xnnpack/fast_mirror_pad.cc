// MIRROR_PAD (REFLECT: [1 2 3] -> 3 2 [1 2 3] 2 1; SYMMETRIC: 2 1 [1 2 3]
// 3 2) as row copies. The unpadded trailing dims form one block (a "unit");
// along the last padded dim an output row is a list of runs (the mirrored
// units one by one, the interior as one memcpy) built in Prepare; the dims
// before it pick the source row through per-dim index maps.
#include <cstring>
#include <vector>

#include "backends/ref/spatial_kernels.h"
#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

class FastMirrorPadKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const int64_t es = static_cast<int64_t>(DTypeSize(in.dtype()));
    if (es == 0) return ctx.UnsupportedDType(in.dtype());
    const auto* params = ctx.params_if<ir::MirrorPadParams>();
    const bool reflect =
        params == nullptr || params->mode == ir::MirrorPadMode::kReflect;
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                         ref::ReadConstPaddings(ctx));
    const int rank = in.rank();
    empty_ = out.num_elements() == 0;
    total_bytes_ = out.num_elements() * es;

    // Per dim: output index -> input index.
    std::vector<std::vector<int64_t>> maps(rank);
    for (int d = 0; d < rank; ++d) {
      const int64_t n = in.dim(d);
      const int64_t before = pads[2 * d];
      if (out.dim(d) > 0 && n == 0) {
        return ctx.Error("cannot mirror an empty dim");
      }
      maps[d].resize(out.dim(d));
      for (int64_t o = 0; o < out.dim(d); ++o) {
        int64_t i = o - before;
        if (i < 0) i = reflect ? -i : -i - 1;
        if (i >= n) i = reflect ? 2 * (n - 1) - i : 2 * n - 1 - i;
        if (i < 0 || i >= n) {
          return ctx.Error(
              "paddings ({}, {}) of dim {} are too large for size {}", before,
              pads[2 * d + 1], d, n);
        }
        maps[d][o] = i;
      }
    }

    int last = -1;  // last padded dim
    for (int d = 0; d < rank; ++d) {
      if (pads[2 * d] != 0 || pads[2 * d + 1] != 0) last = d;
    }
    runs_.clear();
    outer_.clear();
    rows_ = 1;
    if (last < 0) {  // nothing to pad: one copy
      runs_.push_back({0, total_bytes_});
      out_row_bytes_ = total_bytes_;
      return Status::Ok();
    }
    const int64_t unit = es * ref::DimProduct(in.shape(), last + 1, rank);
    // Runs along the last padded dim, merging consecutive source units.
    for (int64_t i : maps[last]) {
      if (!runs_.empty() && runs_.back().src + runs_.back().bytes == i * unit) {
        runs_.back().bytes += unit;
      } else {
        runs_.push_back({i * unit, unit});
      }
    }
    out_row_bytes_ = out.dim(last) * unit;
    int64_t in_stride = in.dim(last) * unit;
    std::vector<OuterDim> outer(last);
    for (int d = last - 1; d >= 0; --d) {
      outer[d].size = out.dim(d);
      outer[d].src.resize(maps[d].size());
      for (size_t o = 0; o < maps[d].size(); ++o) {
        outer[d].src[o] = maps[d][o] * in_stride;
      }
      in_stride *= in.dim(d);
      rows_ *= out.dim(d);
    }
    outer_ = std::move(outer);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    if (empty_) return Status::Ok();
    const auto* src = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* dst = static_cast<uint8_t*>(ctx.output(0).data);
    const int num_outer = static_cast<int>(outer_.size());
    fast::ParallelFor(ctx, rows_, 2 * total_bytes_,
                      [&](int64_t begin, int64_t end) {
                        for (int64_t r = begin; r < end; ++r) {
                          int64_t offset = 0;
                          int64_t q = r;
                          for (int d = num_outer - 1; d >= 0; --d) {
                            offset += outer_[d].src[q % outer_[d].size];
                            q /= outer_[d].size;
                          }
                          uint8_t* out_row = dst + r * out_row_bytes_;
                          const uint8_t* in_row = src + offset;
                          for (const Run& run : runs_) {
                            std::memcpy(out_row, in_row + run.src, run.bytes);
                            out_row += run.bytes;
                          }
                        }
                      });
    return Status::Ok();
  }

 private:
  struct Run {
    int64_t src;    // byte offset in the source row
    int64_t bytes;  // copied to the next bytes of the output row
  };
  struct OuterDim {
    int64_t size = 0;
    std::vector<int64_t> src;  // output index -> source byte offset
  };

  bool empty_ = false;
  int64_t total_bytes_ = 0;
  int64_t rows_ = 1;
  int64_t out_row_bytes_ = 0;
  std::vector<Run> runs_;
  std::vector<OuterDim> outer_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastMirrorPadKernel() {
  return std::make_unique<FastMirrorPadKernel>();
}

}  // namespace mai::backends::xnnpack

// DEPTH_TO_SPACE and SPACE_TO_DEPTH (NHWC, TensorFlow's DCR order): a
// block of bs x bs pixels corresponds to bs*bs*C channels, ordered
// (block row, block column, channel). Pure data movement, any dtype.
#include <cstring>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

// Shared by both directions: `space` is the tensor with the large H/W.
struct BlockGeometry {
  int64_t batches = 0, space_h = 0, space_w = 0, space_c = 0, block = 1;
};

Status PrepareBlock(const KernelContext& ctx, bool depth_to_space,
                    BlockGeometry* g, size_t* elem) {
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  if (out.dtype() != in.dtype()) {
    return ctx.Error("output dtype {} differs from input dtype {}",
                     DTypeName(out.dtype()), DTypeName(in.dtype()));
  }
  *elem = DTypeSize(in.dtype());
  if (*elem == 0) return ctx.UnsupportedDType(in.dtype());
  const auto* p = ctx.params_if<ir::BlockSizeParams>();
  if (p == nullptr || p->block_size < 1) return ctx.Error("invalid block_size");
  const TensorView& space = depth_to_space ? out : in;
  const TensorView& depth = depth_to_space ? in : out;
  const int64_t bs = p->block_size;
  if (in.rank() != 4 || out.rank() != 4 || space.dim(0) != depth.dim(0) ||
      int64_t{space.dim(1)} != depth.dim(1) * bs ||
      int64_t{space.dim(2)} != depth.dim(2) * bs ||
      int64_t{depth.dim(3)} != space.dim(3) * bs * bs) {
    return ctx.Error("shapes {} -> {} do not match block_size {}",
                     ShapeToString(in.shape()), ShapeToString(out.shape()), bs);
  }
  g->batches = space.dim(0);
  g->space_h = space.dim(1);
  g->space_w = space.dim(2);
  g->space_c = space.dim(3);
  g->block = bs;
  return Status::Ok();
}

// Walks the space tensor pixel by pixel; each pixel's C channels are one
// contiguous run in the depth tensor as well.
void Move(const BlockGeometry& g, size_t elem, bool depth_to_space,
          const uint8_t* src, uint8_t* dst) {
  const int64_t depth_h = g.space_h / g.block;
  const int64_t depth_w = g.space_w / g.block;
  const int64_t depth_c = g.space_c * g.block * g.block;
  const size_t run = static_cast<size_t>(g.space_c) * elem;
  for (int64_t b = 0; b < g.batches; ++b) {
    for (int64_t y = 0; y < g.space_h; ++y) {
      for (int64_t x = 0; x < g.space_w; ++x) {
        const int64_t space_offset =
            ((b * g.space_h + y) * g.space_w + x) * g.space_c;
        const int64_t depth_offset =
            ((b * depth_h + y / g.block) * depth_w + x / g.block) * depth_c +
            ((y % g.block) * g.block + x % g.block) * g.space_c;
        if (depth_to_space) {
          std::memcpy(dst + space_offset * elem, src + depth_offset * elem,
                      run);
        } else {
          std::memcpy(dst + depth_offset * elem, src + space_offset * elem,
                      run);
        }
      }
    }
  }
}

template <bool kDepthToSpace>
class BlockKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    return PrepareBlock(ctx, kDepthToSpace, &g_, &elem_);
  }
  Status Invoke(const KernelContext& ctx) override {
    if (ctx.output(0).num_elements() == 0) return Status::Ok();
    Move(g_, elem_, kDepthToSpace, ctx.input(0).data_as<const uint8_t>(),
         ctx.output(0).data_as<uint8_t>());
    return Status::Ok();
  }

 private:
  BlockGeometry g_;
  size_t elem_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewDepthToSpaceKernel() {
  return std::make_unique<BlockKernel<true>>();
}
std::unique_ptr<OpKernel> NewSpaceToDepthKernel() {
  return std::make_unique<BlockKernel<false>>();
}

}  // namespace mai::backends::ref

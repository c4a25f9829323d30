// DEPTH_TO_SPACE (TensorFlow's DCR order) for any 1/2/4/8-byte element type
// as one strided copy: output [N, H*b, W*b, C] is read as [N, H, b, W, b, C]
// from input [N, H, W, b, b, C]. Stands behind XNNPACK's x32 operator, which
// has no 1-byte (int8/uint8) variant in this snapshot.
#include <vector>

#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

class FastDepthToSpaceKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("DEPTH_TO_SPACE expects an input and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const auto* p = ctx.params_if<ir::BlockSizeParams>();
    if (p == nullptr || p->block_size < 1) {
      return ctx.Error("invalid block_size");
    }
    const int64_t b = p->block_size;
    if (in.rank() != 4 || out.rank() != 4 || out.dim(0) != in.dim(0) ||
        int64_t{out.dim(1)} != in.dim(1) * b ||
        int64_t{out.dim(2)} != in.dim(2) * b ||
        int64_t{in.dim(3)} != out.dim(3) * b * b) {
      return ctx.Error("shapes {} -> {} do not match block_size {}",
                       ShapeToString(in.shape()), ShapeToString(out.shape()),
                       b);
    }
    const size_t es = DTypeSize(in.dtype());
    if (es != 1 && es != 2 && es != 4 && es != 8) {
      return ctx.UnsupportedDType(in.dtype());
    }
    const int64_t n = in.dim(0), h = in.dim(1), w = in.dim(2), c = out.dim(3);
    const std::vector<int64_t> dims = {n, h, b, w, b, c};
    const std::vector<int64_t> strides = {
        h * w * b * b * c, w * b * b * c, b * c, b * b * c, c, 1};
    return plan_.Init(es, dims, strides, 0);
  }

  Status Invoke(const KernelContext& ctx) override {
    plan_.Run(ctx, ctx.input(0).data, ctx.output(0).data);
    return Status::Ok();
  }

 private:
  fast::StridedCopyPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastDepthToSpaceKernel() {
  return std::make_unique<FastDepthToSpaceKernel>();
}

}  // namespace mai::backends::xnnpack

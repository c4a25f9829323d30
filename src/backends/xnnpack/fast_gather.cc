// GATHER: output = params[:axis] + indices[batch_dims:] + params[axis+1:],
// one memcpy per gathered row. Every index is checked before any copy; one
// out of range is an OutOfRange error at Invoke, as in the reference.
#include <cstring>

#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

class FastGatherKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_ASSIGN_OR_RETURN(plan_, ref::PlanGather(ctx));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(ref::CheckGatherIndices(ctx, plan_));
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
    const int64_t coords = plan_.coords, outer = plan_.outer;
    const int64_t axis_size = plan_.axis_size, row_bytes = plan_.row_bytes;
    if (row_bytes == 0) return Status::Ok();
    const auto* params = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    const int64_t rows = plan_.batch * outer * coords;
    // Output row r = ((b * outer + o) * coords + c).
    fast::ParallelFor(
        ctx, rows, 2 * rows * row_bytes, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const int64_t c = r % coords;
            const int64_t slab = r / coords;  // b * outer + o
            const int64_t b = slab / outer;
            const int64_t index = indices[b * coords + c];
            std::memcpy(out + r * row_bytes,
                        params + (slab * axis_size + index) * row_bytes,
                        row_bytes);
          }
        });
    return Status::Ok();
  }

  ref::GatherPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastGatherKernel() {
  return std::make_unique<FastGatherKernel>();
}

}  // namespace mai::backends::xnnpack

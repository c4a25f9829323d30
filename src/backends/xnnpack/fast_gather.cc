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
    index_dtype_ = indices.dtype();
    if (index_dtype_ != DType::kInt32 && index_dtype_ != DType::kInt64 &&
        index_dtype_ != DType::kInt16) {
      return ctx.Unsupported("indices of dtype {} are not supported",
                             DTypeName(index_dtype_));
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, params.dtype()));
    const auto* p = ctx.params_if<ir::GatherParams>();
    const int rank = params.rank();
    const int indices_rank = indices.rank();
    int axis = p ? p->axis : 0;
    int batch_dims = p ? p->batch_dims : 0;
    if (axis < 0) axis += rank;
    if (batch_dims < 0) batch_dims += indices_rank;
    if (axis < 0 || axis >= rank || batch_dims < 0 ||
        batch_dims > indices_rank || batch_dims > axis) {
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
      return ctx.Error("output shape {} should be {}",
                       ShapeToString(out.shape()), ShapeToString(expected));
    }
    batch_ = ref::DimProduct(params.shape(), 0, batch_dims);
    outer_ = ref::DimProduct(params.shape(), batch_dims, axis);
    axis_size_ = params.dim(axis);
    coords_ = ref::DimProduct(indices.shape(), batch_dims, indices_rank);
    row_bytes_ = ref::DimProduct(params.shape(), axis + 1, rank) *
                 static_cast<int64_t>(element_size);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (index_dtype_) {
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
    const int64_t count = batch_ * coords_;
    for (int64_t k = 0; k < count; ++k) {
      if (indices[k] < 0 || indices[k] >= axis_size_) {
        return OutOfRange("{}: index {} is out of range [0, {})",
                          ctx.graph->NodeLabel(ctx.node_index),
                          static_cast<int64_t>(indices[k]), axis_size_);
      }
    }
    if (row_bytes_ == 0) return Status::Ok();
    const auto* params = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    const int64_t rows = batch_ * outer_ * coords_;
    // Output row r = ((b * outer + o) * coords + c).
    fast::ParallelFor(
        ctx, rows, 2 * rows * row_bytes_, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const int64_t c = r % coords_;
            const int64_t slab = r / coords_;  // b * outer + o
            const int64_t b = slab / outer_;
            const int64_t index = indices[b * coords_ + c];
            std::memcpy(out + r * row_bytes_,
                        params + (slab * axis_size_ + index) * row_bytes_,
                        row_bytes_);
          }
        });
    return Status::Ok();
  }

  DType index_dtype_ = DType::kInt32;
  int64_t batch_ = 0, outer_ = 0, axis_size_ = 0, coords_ = 0;
  int64_t row_bytes_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastGatherKernel() {
  return std::make_unique<FastGatherKernel>();
}

}  // namespace mai::backends::xnnpack

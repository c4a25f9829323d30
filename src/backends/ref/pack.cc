// PACK stacks N equal tensors along a new axis; UNPACK splits one axis into
// N tensors without it.
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

// Normalizes an axis in [-(rank+1), rank] (PACK's range for an input rank).
Result<int> PackAxis(const KernelContext& ctx, int32_t axis, int rank) {
  if (axis < -(rank + 1) || axis > rank) {
    return ctx.Error("axis {} is out of range", axis);
  }
  return axis < 0 ? axis + rank + 1 : axis;
}

// The layout both ops share: the stacked tensor is [outer, n, inner] and
// each unstacked one [outer, inner].
struct StackLayout {
  int64_t outer = 0;
  int64_t inner_bytes = 0;
};

Result<StackLayout> CheckStack(const KernelContext& ctx,
                               const std::vector<TensorView>& parts,
                               const TensorView& stacked, int axis) {
  const TensorView& first = parts.front();
  if (stacked.rank() != first.rank() + 1 ||
      stacked.dim(axis) != static_cast<int32_t>(parts.size())) {
    return ctx.Error("stacked shape {} does not hold {} parts of {}",
                     ShapeToString(stacked.shape()), parts.size(),
                     ShapeToString(first.shape()));
  }
  for (const TensorView& p : parts) {
    if (!p.present() || p.dtype() != stacked.dtype() ||
        p.shape() != first.shape()) {
      return ctx.Error("parts differ in dtype or shape");
    }
  }
  for (int d = 0; d < first.rank(); ++d) {
    if (first.dim(d) != stacked.dim(d < axis ? d : d + 1)) {
      return ctx.Error("stacked shape {} does not hold parts of {}",
                       ShapeToString(stacked.shape()),
                       ShapeToString(first.shape()));
    }
  }
  MAI_ASSIGN_OR_RETURN(size_t element_size,
                       MovableElementSize(ctx, stacked.dtype()));
  StackLayout layout;
  layout.outer = DimProduct(first.shape(), 0, axis);
  layout.inner_bytes =
      DimProduct(first.shape(), axis, first.rank()) * element_size;
  return layout;
}

class PackKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects at least 1 input and 1 output");
    }
    const auto* params = ctx.params_if<ir::PackParams>();
    MAI_ASSIGN_OR_RETURN(int axis, PackAxis(ctx, params ? params->axis : 0,
                                            ctx.input(0).rank()));
    MAI_ASSIGN_OR_RETURN(layout_,
                         CheckStack(ctx, ctx.inputs, ctx.output(0), axis));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    const int64_t chunk = layout_.inner_bytes;
    if (chunk == 0) return Status::Ok();
    for (int64_t o = 0; o < layout_.outer; ++o) {
      for (const TensorView& in : ctx.inputs) {
        std::memcpy(out, static_cast<const uint8_t*>(in.data) + o * chunk,
                    chunk);
        out += chunk;
      }
    }
    return Status::Ok();
  }

 private:
  StackLayout layout_;
};

class UnpackKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() < 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and at least 1 output");
    }
    const auto* params = ctx.params_if<ir::UnpackParams>();
    const int rank = ctx.input(0).rank();
    const int32_t axis = params ? params->axis : 0;
    if (rank < 1 || axis < -rank || axis >= rank) {
      return ctx.Error("axis {} is out of range for rank {}", axis, rank);
    }
    MAI_ASSIGN_OR_RETURN(layout_, CheckStack(ctx, ctx.outputs, ctx.input(0),
                                             axis < 0 ? axis + rank : axis));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const auto* in = static_cast<const uint8_t*>(ctx.input(0).data);
    const int64_t chunk = layout_.inner_bytes;
    if (chunk == 0) return Status::Ok();
    for (int64_t o = 0; o < layout_.outer; ++o) {
      for (const TensorView& out : ctx.outputs) {
        std::memcpy(static_cast<uint8_t*>(out.data) + o * chunk, in, chunk);
        in += chunk;
      }
    }
    return Status::Ok();
  }

 private:
  StackLayout layout_;
};

}  // namespace

std::unique_ptr<OpKernel> NewPackKernel() {
  return std::make_unique<PackKernel>();
}
std::unique_ptr<OpKernel> NewUnpackKernel() {
  return std::make_unique<UnpackKernel>();
}

}  // namespace mai::backends::ref

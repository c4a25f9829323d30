// SHAPE writes the input's dims (int32 or int64); FILL (inputs: dims, value)
// repeats the scalar value over the output.
#include <cstring>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

class ShapeKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and 1 output");
    }
    const TensorView& out = ctx.output(0);
    dims_ = ctx.input(0).shape();
    if (out.dtype() != DType::kInt32 && out.dtype() != DType::kInt64) {
      return ctx.UnsupportedDType(out.dtype());
    }
    if (out.shape() != Shape{static_cast<int32_t>(dims_.size())}) {
      return ctx.Error("output shape {} should be [{}]",
                       ShapeToString(out.shape()), dims_.size());
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& out = ctx.output(0);
    for (size_t i = 0; i < dims_.size(); ++i) {
      if (out.dtype() == DType::kInt32) {
        out.data_as<int32_t>()[i] = dims_[i];
      } else {
        out.data_as<int64_t>()[i] = dims_[i];
      }
    }
    return Status::Ok();
  }

 private:
  Shape dims_;
};

template <typename T>
void FillWith(const void* value, void* out, int64_t n) {
  T v;
  std::memcpy(&v, value, sizeof(T));
  T* dst = static_cast<T*>(out);
  for (int64_t i = 0; i < n; ++i) dst[i] = v;
}

class FillKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(1).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& value = ctx.input(1);
    const TensorView& out = ctx.output(0);
    if (value.dtype() != out.dtype()) {
      return ctx.Error("output dtype {} differs from value dtype {}",
                       DTypeName(out.dtype()), DTypeName(value.dtype()));
    }
    if (value.num_elements() != 1) {
      return ctx.Error("value must be a scalar, has shape {}",
                       ShapeToString(value.shape()));
    }
    MAI_ASSIGN_OR_RETURN(element_size_, MovableElementSize(ctx, out.dtype()));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const void* value = ctx.input(1).data;
    void* out = ctx.output(0).data;
    const int64_t n = ctx.output(0).num_elements();
    switch (element_size_) {
      case 1:
        FillWith<uint8_t>(value, out, n);
        break;
      case 2:
        FillWith<uint16_t>(value, out, n);
        break;
      case 4:
        FillWith<uint32_t>(value, out, n);
        break;
      default:
        FillWith<uint64_t>(value, out, n);
        break;
    }
    return Status::Ok();
  }

 private:
  size_t element_size_ = 4;
};

}  // namespace

std::unique_ptr<OpKernel> NewShapeKernel() {
  return std::make_unique<ShapeKernel>();
}
std::unique_ptr<OpKernel> NewFillKernel() {
  return std::make_unique<FillKernel>();
}

}  // namespace mai::backends::ref

// ARG_MAX and ARG_MIN (fp32, int8, uint8, int32, int64 inputs; int32 or int64
// indices).
#include <cstdint>
#include <cstring>
#include <memory>

#include "backends/ref/pool_reduce_kernels.h"

namespace mai::backends::ref {
namespace {

class ArgMinMaxKernel : public OpKernel {
 public:
  explicit ArgMinMaxKernel(bool is_max) : is_max_(is_max) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& axis = ctx.input(1);
    const TensorView& out = ctx.output(0);
    const int rank = in.rank();
    if (rank < 1) return ctx.Error("input must have rank >= 1");
    if (!axis.present() || axis.data == nullptr ||
        !axis.tensor->is_constant()) {
      return ctx.Unsupported("axis must be constant");
    }
    int64_t a = 0;
    if (axis.dtype() == DType::kInt32 && axis.bytes >= 4) {
      int32_t v;
      std::memcpy(&v, axis.data, 4);
      a = v;
    } else if (axis.dtype() == DType::kInt64 && axis.bytes >= 8) {
      std::memcpy(&a, axis.data, 8);
    } else {
      return ctx.Error("axis must hold one int32 or int64 value");
    }
    if (axis.num_elements() != 1) {
      return ctx.Error("axis must hold exactly one value");
    }
    if (a < -rank || a >= rank) {
      return ctx.Error("axis {} is out of range for rank {}", a, rank);
    }
    const int ax = static_cast<int>(a < 0 ? a + rank : a);
    in_dtype_ = in.dtype();
    out_dtype_ = out.dtype();
    switch (in_dtype_) {
      case DType::kFloat32:
      case DType::kInt8:
      case DType::kUInt8:
      case DType::kInt32:
      case DType::kInt64:
        break;
      default:
        return ctx.UnsupportedDType(in_dtype_);
    }
    if (out_dtype_ != DType::kInt32 && out_dtype_ != DType::kInt64) {
      return ctx.Unsupported("output dtype {} (must be int32 or int64)",
                             DTypeName(out_dtype_));
    }
    outer_ = 1;
    inner_ = 1;
    for (int d = 0; d < ax; ++d) outer_ *= in.dim(d);
    for (int d = ax + 1; d < rank; ++d) inner_ *= in.dim(d);
    axis_size_ = in.dim(ax);
    if (out.num_elements() != outer_ * inner_) {
      return ctx.Error("output shape {} does not match the reduced input",
                       ShapeToString(out.shape()));
    }
    if (axis_size_ == 0 && outer_ * inner_ > 0) {
      return ctx.Error("cannot take the arg extreme along an empty axis");
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (in_dtype_) {
      case DType::kFloat32:
        return Dispatch<float>(ctx);
      case DType::kInt8:
        return Dispatch<int8_t>(ctx);
      case DType::kUInt8:
        return Dispatch<uint8_t>(ctx);
      case DType::kInt32:
        return Dispatch<int32_t>(ctx);
      case DType::kInt64:
        return Dispatch<int64_t>(ctx);
      default:
        return ctx.UnsupportedDType(in_dtype_);
    }
  }

 private:
  template <typename T>
  Status Dispatch(const KernelContext& ctx) const {
    if (out_dtype_ == DType::kInt32) {
      Run<T, int32_t>(ctx);
    } else {
      Run<T, int64_t>(ctx);
    }
    return Status::Ok();
  }

  template <typename T, typename I>
  void Run(const KernelContext& ctx) const {
    const T* x = ctx.input(0).data_as<const T>();
    I* y = ctx.output(0).data_as<I>();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inner_; ++i) {
        const T* base = x + o * axis_size_ * inner_ + i;
        T best = base[0];
        I best_index = 0;
        for (int64_t k = 1; k < axis_size_; ++k) {
          const T v = base[k * inner_];
          if (is_max_ ? v > best : v < best) {
            best = v;
            best_index = static_cast<I>(k);
          }
        }
        y[o * inner_ + i] = best_index;
      }
    }
  }

  bool is_max_;
  DType in_dtype_ = DType::kFloat32;
  DType out_dtype_ = DType::kInt64;
  int64_t outer_ = 1, inner_ = 1, axis_size_ = 1;
};

}  // namespace

std::unique_ptr<OpKernel> NewArgMinMaxKernel(bool is_max) {
  return std::make_unique<ArgMinMaxKernel>(is_max);
}

}  // namespace mai::backends::ref

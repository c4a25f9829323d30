// CAST between float32, int32, int64, uint8, int8, int16 and bool, with
// TFLite's semantics: integer <-> integer wraps (two's complement), numbers
// -> bool is "!= 0", bool -> numbers is 0/1, float -> integer truncates
// toward zero. Out-of-range and NaN floats (undefined in TFLite) saturate to
// the target's limits and 0 here.
#include <cmath>
#include <limits>
#include <type_traits>

#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

template <typename To, typename From>
To Convert(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_floating_point_v<From> &&
                       std::is_integral_v<To>) {
    if (std::isnan(x)) return 0;
    // Bounds exactly representable in float: -2^(b-1) and 2^(b-1) (or 2^b).
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi_exclusive =
        static_cast<double>(std::numeric_limits<To>::max()) + 1.0;
    const double t = std::trunc(static_cast<double>(x));
    if (t < lo) return std::numeric_limits<To>::min();
    if (t >= hi_exclusive) return std::numeric_limits<To>::max();
    return static_cast<To>(t);
  } else {
    return static_cast<To>(x);
  }
}

template <typename From, typename To>
void CastLoop(const void* in, void* out, int64_t n) {
  const From* src = static_cast<const From*>(in);
  To* dst = static_cast<To*>(out);
  for (int64_t i = 0; i < n; ++i) dst[i] = Convert<To>(src[i]);
}

using CastFn = void (*)(const void*, void*, int64_t);

template <typename From>
CastFn PickTo(DType to) {
  switch (to) {
    case DType::kFloat32:
      return CastLoop<From, float>;
    case DType::kInt32:
      return CastLoop<From, int32_t>;
    case DType::kInt64:
      return CastLoop<From, int64_t>;
    case DType::kUInt8:
      return CastLoop<From, uint8_t>;
    case DType::kInt8:
      return CastLoop<From, int8_t>;
    case DType::kInt16:
      return CastLoop<From, int16_t>;
    case DType::kBool:
      return CastLoop<From, bool>;
    default:
      return nullptr;
  }
}

CastFn PickCast(DType from, DType to) {
  switch (from) {
    case DType::kFloat32:
      return PickTo<float>(to);
    case DType::kInt32:
      return PickTo<int32_t>(to);
    case DType::kInt64:
      return PickTo<int64_t>(to);
    case DType::kUInt8:
      return PickTo<uint8_t>(to);
    case DType::kInt8:
      return PickTo<int8_t>(to);
    case DType::kInt16:
      return PickTo<int16_t>(to);
    case DType::kBool:
      return PickTo<bool>(to);
    default:
      return nullptr;
  }
}

class CastKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input {} and output {} differ in size",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    fn_ = PickCast(in.dtype(), out.dtype());
    if (fn_ == nullptr) {
      return ctx.Unsupported("cast from {} to {} is not supported",
                             DTypeName(in.dtype()), DTypeName(out.dtype()));
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    fn_(ctx.input(0).data, ctx.output(0).data, ctx.output(0).num_elements());
    return Status::Ok();
  }

 private:
  CastFn fn_ = nullptr;
};

}  // namespace

std::unique_ptr<OpKernel> NewCastKernel() {
  return std::make_unique<CastKernel>();
}

}  // namespace mai::backends::ref

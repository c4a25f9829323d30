#include "backends/ref/quant_util.h"

#include <cmath>

namespace mai::backends::ref {

QuantizedMultiplier QuantizeMultiplier(double real_multiplier) {
  QuantizedMultiplier r;
  if (real_multiplier == 0.0 || !std::isfinite(real_multiplier)) return r;
  int shift = 0;
  const double q = std::frexp(real_multiplier, &shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * (int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    q_fixed = 0;
  }
  if (shift > 30) {
    shift = 30;
    q_fixed = (int64_t{1} << 31) - 1;
  }
  r.multiplier = static_cast<int32_t>(q_fixed);
  r.shift = shift;
  return r;
}

int32_t QuantMin(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return -128;
    case DType::kUInt8:
      return 0;
    case DType::kInt16:
      return -32768;
    default:
      return std::numeric_limits<int32_t>::min();
  }
}

int32_t QuantMax(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return 127;
    case DType::kUInt8:
      return 255;
    case DType::kInt16:
      return 32767;
    default:
      return std::numeric_limits<int32_t>::max();
  }
}

Result<QuantizedRange> ActivationRangeQuantized(ir::Activation activation,
                                                DType dtype, float scale,
                                                int32_t zero_point) {
  const int32_t qmin = QuantMin(dtype);
  const int32_t qmax = QuantMax(dtype);
  auto quantize = [&](float f) {
    // Clamp in float first: a hostile tiny scale must not overflow the cast.
    const float steps = std::clamp(std::round(f / scale), -1e9f, 1e9f);
    int64_t q = zero_point + static_cast<int64_t>(steps);
    return static_cast<int32_t>(std::clamp<int64_t>(q, qmin, qmax));
  };
  switch (activation) {
    case ir::Activation::kNone:
      return QuantizedRange{qmin, qmax};
    case ir::Activation::kRelu:
      return QuantizedRange{std::max(qmin, quantize(0.0f)), qmax};
    case ir::Activation::kRelu6:
      return QuantizedRange{std::max(qmin, quantize(0.0f)),
                            std::min(qmax, quantize(6.0f))};
    case ir::Activation::kReluN1To1:
      return QuantizedRange{std::max(qmin, quantize(-1.0f)),
                            std::min(qmax, quantize(1.0f))};
    default:
      return Unimplemented(
          "fused activation {} is not supported on quantized ops",
          static_cast<int>(activation));
  }
}

Result<FloatRange> ActivationRangeFloat(ir::Activation activation) {
  switch (activation) {
    case ir::Activation::kNone:
      return FloatRange{};
    case ir::Activation::kRelu:
      return FloatRange{0.0f, std::numeric_limits<float>::infinity()};
    case ir::Activation::kRelu6:
      return FloatRange{0.0f, 6.0f};
    case ir::Activation::kReluN1To1:
      return FloatRange{-1.0f, 1.0f};
    default:
      return Unimplemented("fused activation {} is not supported",
                           static_cast<int>(activation));
  }
}

}  // namespace mai::backends::ref

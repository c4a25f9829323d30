// Fixed-point helpers with TensorFlow Lite's exact rounding, shared by every
// quantized reference kernel. Matching these bit for bit is what makes int8
// outputs agree with TFLite within 1.
//
// A real multiplier M (0 < M < 2^31) is represented as a Q31 `multiplier`
// in [2^30, 2^31) and a power-of-two `shift` (positive = left):
//   M ≈ multiplier * 2^(shift - 31).
#ifndef MAI_BACKENDS_REF_QUANT_UTIL_H_
#define MAI_BACKENDS_REF_QUANT_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/dtype.h"
#include "core/status.h"
#include "ir/op_params.h"

namespace mai::backends::ref {

struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// TFLite's QuantizeMultiplier (frexp-based, rounds to nearest).
QuantizedMultiplier QuantizeMultiplier(double real_multiplier);

// (a * b * 2) >> 32 with rounding, saturating the single overflow case.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : high;
}

// x / 2^exponent rounded half away from zero (gemmlowp's RoundingDivideByPOT).
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// TFLite's MultiplyByQuantizedMultiplier (double rounding).
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier,
                                             int shift) {
  int left_shift = shift > 0 ? shift : 0;
  int right_shift = shift > 0 ? 0 : -shift;
  return RoundingDivideByPOT(
      SaturatingRoundingDoublingHighMul(
          static_cast<int32_t>(static_cast<int64_t>(x) *
                               (int64_t{1} << left_shift)),
          multiplier),
      right_shift);
}
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, QuantizedMultiplier m) {
  return MultiplyByQuantizedMultiplier(x, m.multiplier, m.shift);
}

// The same product as ruy's x86 GEMM kernels compute it, which TFLite's
// builtin int8/uint8 CONV_2D and FULLY_CONNECTED run through on x86: the
// rounding doubling high multiply, then a right shift rounding ties upward
// (+2^(s-1), arithmetic shift) where gemmlowp rounds them away from zero.
// The two differ only when x * M lands exactly on a negative half.
inline int32_t MultiplyByQuantizedMultiplierRuy(int32_t x,
                                                QuantizedMultiplier m) {
  const int left_shift = m.shift > 0 ? m.shift : 0;
  const int right_shift = m.shift > 0 ? 0 : -m.shift;
  const int32_t high = SaturatingRoundingDoublingHighMul(
      static_cast<int32_t>(static_cast<int64_t>(x) *
                           (int64_t{1} << left_shift)),
      m.multiplier);
  if (right_shift == 0) return high;
  return static_cast<int32_t>(
      (static_cast<int64_t>(high) + (int64_t{1} << (right_shift - 1))) >>
      right_shift);
}

// Integer range [min, max] of a quantized output after a fused activation,
// as TFLite's CalculateActivationRangeQuantized: the activation's real range
// quantized with the output's scale/zero point, clamped to the dtype.
struct QuantizedRange {
  int32_t min = 0;
  int32_t max = 0;
};
Result<QuantizedRange> ActivationRangeQuantized(ir::Activation activation,
                                                DType dtype, float scale,
                                                int32_t zero_point);

// Float range of a fused activation (kNone: ±inf). Unimplemented for
// kTanh/kSignBit, which TFLite's fused kernels do not accept either.
struct FloatRange {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};
Result<FloatRange> ActivationRangeFloat(ir::Activation activation);

inline float ApplyRange(float x, FloatRange r) {
  return std::min(std::max(x, r.min), r.max);
}

// Limits of a quantized dtype (int8, uint8, int16, int32).
int32_t QuantMin(DType dtype);
int32_t QuantMax(DType dtype);

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_QUANT_UTIL_H_

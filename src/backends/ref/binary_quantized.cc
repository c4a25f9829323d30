// Quantized (int8/uint8) parameters and fixed-point helpers of the
// arithmetic kernels, following TFLite's add.cc / sub.cc / mul.cc / div.cc.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/ref/binary.h"

namespace mai::backends::ref {
namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

int32_t WrappingAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) +
                              static_cast<uint32_t>(b));
}

// gemmlowp's SaturatingRoundingMultiplyByPOT for either sign of exponent.
int32_t SaturatingRoundingMulByPOT(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return RoundingDivideByPOT(x, std::min(-exponent, 31));
  if (exponent >= 31) return x > 0 ? kInt32Max : (x < 0 ? kInt32Min : 0);
  const int32_t threshold =
      static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<int64_t>(x) *
                              (int64_t{1} << exponent));
}

int32_t RoundingHalfSum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

// 1 / (1 + x) for x in [0, 1) as Q0.31 in and Q1.30-rescaled-to-Q0.31 out
// (gemmlowp's one_over_one_plus_x_for_x_in_0_1: three Newton-Raphson steps
// in Q2.29 from the 48/17 - 32/17 * d initial guess).
int32_t OneOverOnePlusX(int32_t a) {
  const int32_t half_denominator = RoundingHalfSum(a, kInt32Max);
  constexpr int32_t k48Over17 = 1515870810;      // Q2.29
  constexpr int32_t kNeg32Over17 = -1010580540;  // Q2.29
  constexpr int32_t kOneQ2 = int32_t{1} << 29;
  int32_t x = WrappingAdd(k48Over17, SaturatingRoundingDoublingHighMul(
                                         half_denominator, kNeg32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x =
        SaturatingRoundingDoublingHighMul(half_denominator, x);
    const int32_t one_minus = WrappingAdd(kOneQ2, -half_denominator_times_x);
    x = WrappingAdd(x, SaturatingRoundingMulByPOT(
                           SaturatingRoundingDoublingHighMul(x, one_minus), 2));
  }
  return SaturatingRoundingMulByPOT(x, 1);
}

int CountLeadingZeros32(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

int CountLeadingSignBits32(int32_t x) {
  if (x >= 0) return CountLeadingZeros32(static_cast<uint32_t>(x)) - 1;
  if (x == kInt32Min) return 0;
  return CountLeadingZeros32(2 * static_cast<uint32_t>(-x) - 1);
}

// Reciprocal of a positive integer as a Q0.31 multiplier and the number of
// bits by which x exceeds 1.0 (TFLite's GetReciprocal with 31 integer digits).
int32_t Reciprocal(int32_t x, int* num_bits_over_unit) {
  const int headroom_plus_one = CountLeadingZeros32(static_cast<uint32_t>(x));
  *num_bits_over_unit = 31 - headroom_plus_one;
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(
      (static_cast<uint32_t>(x) << headroom_plus_one) - (uint32_t{1} << 31));
  return OneOverOnePlusX(shifted_sum_minus_one);
}

}  // namespace

Status CheckPerTensorQuant(const KernelContext& ctx, const TensorView& t,
                           const char* what) {
  const ir::QuantParams& q = t.quant();
  if (q.empty()) {
    return ctx.Error("{} tensor {} has no quantization parameters", what,
                     DTypeName(t.dtype()));
  }
  if (q.per_channel()) {
    return ctx.Unsupported("{} tensor has per-channel quantization", what);
  }
  if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0])) {
    return ctx.Error("{} tensor has invalid scale {}", what, q.scale[0]);
  }
  const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[0];
  if (zp < QuantMin(t.dtype()) || zp > QuantMax(t.dtype())) {
    return ctx.Error("{} tensor has zero point {} outside the {} range", what,
                     zp, DTypeName(t.dtype()));
  }
  return Status::Ok();
}

Result<QuantizedArithmetic> PrepareQuantizedArithmetic(
    ArithmeticOp op, const TensorView& input1, const TensorView& input2,
    const TensorView& output, ir::Activation activation) {
  QuantizedArithmetic p;
  p.input1_offset = -input1.zero_point();
  p.input2_offset = -input2.zero_point();
  p.output_offset = output.zero_point();
  const float s1 = input1.scale();
  const float s2 = input2.scale();
  const float so = output.scale();
  switch (op) {
    case ArithmeticOp::kAdd:
    case ArithmeticOp::kSub: {
      // Both inputs are brought to a common scale (twice the larger input
      // scale) with 20 bits of headroom, summed, and rescaled to the output.
      p.left_shift = 20;
      const double twice_max_input_scale = 2 * std::max(s1, s2);
      const double real_input1 = s1 / twice_max_input_scale;
      const double real_input2 = s2 / twice_max_input_scale;
      const double real_output =
          twice_max_input_scale / ((1 << p.left_shift) * so);
      p.input1 = QuantizeMultiplier(real_input1);
      p.input2 = QuantizeMultiplier(real_input2);
      p.output = QuantizeMultiplier(real_output);
      break;
    }
    case ArithmeticOp::kSquaredDifference: {
      p.left_shift = 7;
      const double twice_max_input_scale = 2 * std::max(s1, s2);
      p.input1 = QuantizeMultiplier(s1 / twice_max_input_scale);
      p.input2 = QuantizeMultiplier(s2 / twice_max_input_scale);
      p.output =
          QuantizeMultiplier((twice_max_input_scale * twice_max_input_scale) /
                             ((1 << (2 * p.left_shift)) * so));
      break;
    }
    case ArithmeticOp::kMul: {
      const float real = s1 * s2 / so;  // float arithmetic, as TFLite
      p.output = QuantizeMultiplier(static_cast<double>(real));
      break;
    }
    case ArithmeticOp::kDiv: {
      const float real = s1 / (s2 * so);
      p.output = QuantizeMultiplier(static_cast<double>(real));
      break;
    }
    default:
      return Internal("no quantized arithmetic parameters for this op");
  }
  MAI_ASSIGN_OR_RETURN(QuantizedRange range,
                       ActivationRangeQuantized(activation, output.dtype(), so,
                                                p.output_offset));
  p.act_min = range.min;
  p.act_max = range.max;
  return p;
}

int32_t QuantizedDiv(const QuantizedArithmetic& p, int32_t a, int32_t b) {
  int32_t numerator = p.input1_offset + a;
  int32_t denominator = p.input2_offset + b;
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  int recip_shift = 0;
  const int32_t inverse = Reciprocal(denominator, &recip_shift);
  const int headroom = CountLeadingSignBits32(numerator);
  const int32_t unscaled_quotient = SaturatingRoundingDoublingHighMul(
      static_cast<int32_t>(static_cast<int64_t>(numerator) *
                           (int64_t{1} << headroom)),
      inverse);
  const int total_shift = p.output.shift - recip_shift - headroom;
  const int32_t scaled =
      SaturatingRoundingDoublingHighMul(unscaled_quotient, p.output.multiplier);
  const int32_t out =
      SaturatingRoundingMulByPOT(scaled, total_shift) + p.output_offset;
  return std::min(std::max(out, p.act_min), p.act_max);
}

}  // namespace mai::backends::ref

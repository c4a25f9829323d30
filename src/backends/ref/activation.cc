// Activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU,
// HARD_SWISH, LOGISTIC, TANH, ELU, GELU.
//
// Quantized tables follow TFLite's kernels (activations.cc, gelu.cc):
// the RELU family and LEAKY_RELU rescale with Q31 multipliers and clamp,
// HARD_SWISH uses TFLite's 16-bit fixed-point recipe, and LOGISTIC, TANH,
// ELU and GELU use TFLite's float lookup-table recipe (FillFloatTable).
#include <cmath>
#include <limits>

#include "backends/ref/quant_util.h"
#include "backends/ref/unary.h"

namespace mai::backends::ref {
namespace {

constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kSqrtHalf = 0.7071067811865476;     // 1 / sqrt(2)

float Logistic(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float Gelu(float x, bool approximate) {
  if (approximate) {
    const float inner =
        static_cast<float>(kSqrt2OverPi) * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
  }
  // erfc form: no cancellation for large negative x.
  return 0.5f * x * std::erfc(x * static_cast<float>(-kSqrtHalf));
}

template <typename Fn>
void Map(const float* in, float* out, int64_t n, Fn&& fn) {
  for (int64_t i = 0; i < n; ++i) out[i] = fn(in[i]);
}

// --- 16-bit fixed point for HARD_SWISH (gemmlowp int16 semantics) ------------

int16_t Sat16(int64_t v) {
  return static_cast<int16_t>(
      std::min<int64_t>(std::max<int64_t>(v, INT16_MIN), INT16_MAX));
}

int16_t SaturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// Rounds toward zero (like ARM SQDMULH), which cancels the bias of the
// rounding multiply above.
int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  return static_cast<int16_t>(ab / (1 << 15));
}

int16_t RoundingDivideByPOT16(int16_t x, int exponent) {
  if (exponent <= 0) return x;
  exponent = std::min(exponent, 15);
  const int16_t mask = static_cast<int16_t>((1 << exponent) - 1);
  const int16_t remainder = static_cast<int16_t>(x & mask);
  const int16_t threshold = static_cast<int16_t>((mask >> 1) + (x < 0 ? 1 : 0));
  return static_cast<int16_t>((x >> exponent) +
                              (remainder > threshold ? 1 : 0));
}

int16_t SaturatingLeftShift16(int16_t value, int amount) {
  return Sat16(static_cast<int64_t>(value) * (int64_t{1} << amount));
}

// Q31 multiplier rounded to Q15, saturating.
int16_t DownScaleMultiplier(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset)
    return INT16_MAX;
  return static_cast<int16_t>((multiplier + kRoundingOffset) >> 16);
}

Status BuildHardSwishTable(const UnaryQuant& q, QuantTable& table) {
  const float hires_input_scale = (1.0f / 128.0f) * q.input_scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_multiplier = hires_input_scale / q.output_scale;
  const float reluish_multiplier = hires_input_scale / reluish_scale;
  const QuantizedMultiplier out_m = QuantizeMultiplier(output_multiplier);
  const QuantizedMultiplier reluish_m = QuantizeMultiplier(reluish_multiplier);
  if (out_m.shift > 0) {
    return Unimplemented("HARD_SWISH input/output scale ratio {} is too large",
                         static_cast<double>(q.input_scale / q.output_scale));
  }
  const int16_t out_mult16 = DownScaleMultiplier(out_m.multiplier);
  const int16_t reluish_mult16 = DownScaleMultiplier(reluish_m.multiplier);
  const int reluish_shift = reluish_m.shift;
  const int32_t qmin = QuantMin(q.dtype);
  const int32_t qmax = QuantMax(q.dtype);
  for (int32_t v = qmin; v <= qmax; ++v) {
    const int16_t input_value = static_cast<int16_t>(v - q.input_zero_point);
    const int16_t hires = static_cast<int16_t>(input_value * (1 << 7));
    const int16_t preshift_output =
        SaturatingRoundingDoublingHighMul16(hires, out_mult16);
    // Map [-3, 3] to [-1, 1] in Q15, saturating, then to [0, 1].
    int16_t reluish = hires;
    if (reluish_shift > 0)
      reluish = SaturatingLeftShift16(reluish, reluish_shift - 1);
    reluish = SaturatingRoundingDoublingHighMul16(reluish, reluish_mult16);
    if (reluish_shift > 0) reluish = SaturatingLeftShift16(reluish, 1);
    if (reluish_shift < 0)
      reluish = RoundingDivideByPOT16(reluish, -reluish_shift);
    reluish =
        static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
    const int16_t preshift =
        SaturatingDoublingHighMul16(reluish, preshift_output);
    int32_t out = RoundingDivideByPOT16(preshift, -out_m.shift);
    out += q.output_zero_point;
    table[v - qmin] = std::min(std::max(out, qmin), qmax);
  }
  return Status::Ok();
}

// RELU family: rescale, then clamp to the activation's quantized range.
void BuildReluTable(const UnaryQuant& q, float act_min, float act_max,
                    QuantTable& table) {
  const int32_t qmin = QuantMin(q.dtype);
  const int32_t qmax = QuantMax(q.dtype);
  const float ratio = q.input_scale / q.output_scale;
  const QuantizedMultiplier m = QuantizeMultiplier(static_cast<double>(ratio));
  // Bound in float before the cast: a tiny output scale makes the quotient
  // exceed the int32 range.
  auto quantize = [&](float real) {
    const float steps =
        std::min(std::max(std::round(real / q.output_scale), -1e6f), 1e6f);
    return q.output_zero_point + static_cast<int32_t>(steps);
  };
  const int32_t lo = std::max(qmin, quantize(act_min));
  const int32_t hi =
      std::isinf(act_max) ? qmax : std::min(qmax, quantize(act_max));
  for (int32_t v = qmin; v <= qmax; ++v) {
    const int32_t r = q.output_zero_point +
                      MultiplyByQuantizedMultiplier(v - q.input_zero_point, m);
    table[v - qmin] = std::min(std::max(r, lo), hi);
  }
}

void BuildLeakyReluTable(const UnaryQuant& q, float alpha, QuantTable& table) {
  const int32_t qmin = QuantMin(q.dtype);
  const int32_t qmax = QuantMax(q.dtype);
  const float alpha_ratio = q.input_scale * alpha / q.output_scale;
  const float identity_ratio = q.input_scale / q.output_scale;
  const QuantizedMultiplier alpha_m =
      QuantizeMultiplier(static_cast<double>(alpha_ratio));
  const QuantizedMultiplier identity_m =
      QuantizeMultiplier(static_cast<double>(identity_ratio));
  for (int32_t v = qmin; v <= qmax; ++v) {
    const int32_t x = v - q.input_zero_point;
    const int32_t r =
        q.output_zero_point +
        MultiplyByQuantizedMultiplier(x, x >= 0 ? identity_m : alpha_m);
    table[v - qmin] = std::min(std::max(r, qmin), qmax);
  }
}

}  // namespace

bool IsActivationOp(UnaryOp op) {
  switch (op) {
    case UnaryOp::kRelu:
    case UnaryOp::kRelu6:
    case UnaryOp::kReluN1To1:
    case UnaryOp::kRelu0To1:
    case UnaryOp::kLeakyRelu:
    case UnaryOp::kHardSwish:
    case UnaryOp::kLogistic:
    case UnaryOp::kTanh:
    case UnaryOp::kElu:
    case UnaryOp::kGelu:
      return true;
    default:
      return false;
  }
}

void EvalActivationFloat(UnaryOp op, const UnaryAttrs& attrs, const float* in,
                         float* out, int64_t n) {
  switch (op) {
    case UnaryOp::kRelu:
      Map(in, out, n, [](float x) { return std::max(x, 0.0f); });
      break;
    case UnaryOp::kRelu6:
      Map(in, out, n,
          [](float x) { return std::min(std::max(x, 0.0f), 6.0f); });
      break;
    case UnaryOp::kReluN1To1:
      Map(in, out, n,
          [](float x) { return std::min(std::max(x, -1.0f), 1.0f); });
      break;
    case UnaryOp::kRelu0To1:
      Map(in, out, n,
          [](float x) { return std::min(std::max(x, 0.0f), 1.0f); });
      break;
    case UnaryOp::kLeakyRelu: {
      const float alpha = attrs.alpha;
      Map(in, out, n, [alpha](float x) { return x > 0.0f ? x : x * alpha; });
      break;
    }
    case UnaryOp::kHardSwish:
      Map(in, out, n, [](float x) {
        return x * std::min(6.0f, std::max(0.0f, x + 3.0f)) / 6.0f;
      });
      break;
    case UnaryOp::kLogistic:
      Map(in, out, n, Logistic);
      break;
    case UnaryOp::kTanh:
      Map(in, out, n, [](float x) { return std::tanh(x); });
      break;
    case UnaryOp::kElu:
      Map(in, out, n, [](float x) { return x < 0.0f ? std::expm1(x) : x; });
      break;
    case UnaryOp::kGelu: {
      const bool approximate = attrs.approximate;
      Map(in, out, n, [approximate](float x) { return Gelu(x, approximate); });
      break;
    }
    default:
      break;
  }
}

Status BuildActivationTable(UnaryOp op, const UnaryAttrs& attrs,
                            const UnaryQuant& q, QuantTable& table) {
  const bool is_int8 = q.dtype == DType::kInt8;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (op) {
    case UnaryOp::kRelu:
      BuildReluTable(q, 0.0f, kInf, table);
      return Status::Ok();
    case UnaryOp::kRelu6:
      BuildReluTable(q, 0.0f, 6.0f, table);
      return Status::Ok();
    case UnaryOp::kReluN1To1:
      BuildReluTable(q, -1.0f, 1.0f, table);
      return Status::Ok();
    case UnaryOp::kRelu0To1:
      BuildReluTable(q, 0.0f, 1.0f, table);
      return Status::Ok();
    case UnaryOp::kLeakyRelu:
      BuildLeakyReluTable(q, attrs.alpha, table);
      return Status::Ok();
    case UnaryOp::kHardSwish:
      return BuildHardSwishTable(q, table);
    case UnaryOp::kLogistic:
      FillFloatTable(q, Logistic, table);
      return Status::Ok();
    case UnaryOp::kTanh:
      FillFloatTable(
          q, [](float x) { return std::tanh(x); }, table);
      return Status::Ok();
    case UnaryOp::kElu:
      if (!is_int8) break;  // TFLite has int8 ELU only
      FillFloatTable(
          q, [](float x) { return x < 0.0f ? std::expm1(x) : x; }, table);
      return Status::Ok();
    case UnaryOp::kGelu: {
      const bool approximate = attrs.approximate;
      FillFloatTable(
          q, [approximate](float x) { return Gelu(x, approximate); }, table);
      return Status::Ok();
    }
    default:
      break;
  }
  return Unimplemented("dtype {} is not supported", DTypeName(q.dtype));
}

}  // namespace mai::backends::ref

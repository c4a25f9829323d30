// The unary kernel (all UnaryOp values) and the math functions EXP, LOG,
// SQRT, RSQRT, ABS, NEG, FLOOR, CEIL, ROUND, SQUARE, SIN, COS, SIGN,
// LOGICAL_NOT. Activation functions live in activation.cc.
#include "backends/ref/unary.h"

#include <cmath>
#include <limits>

#include "backends/ref/binary.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {
namespace {

const char* UnaryName(UnaryOp op) {
  switch (op) {
    case UnaryOp::kRelu:
      return "RELU";
    case UnaryOp::kRelu6:
      return "RELU6";
    case UnaryOp::kReluN1To1:
      return "RELU_N1_TO_1";
    case UnaryOp::kRelu0To1:
      return "RELU_0_TO_1";
    case UnaryOp::kLeakyRelu:
      return "LEAKY_RELU";
    case UnaryOp::kHardSwish:
      return "HARD_SWISH";
    case UnaryOp::kLogistic:
      return "LOGISTIC";
    case UnaryOp::kTanh:
      return "TANH";
    case UnaryOp::kElu:
      return "ELU";
    case UnaryOp::kGelu:
      return "GELU";
    case UnaryOp::kExp:
      return "EXP";
    case UnaryOp::kLog:
      return "LOG";
    case UnaryOp::kSqrt:
      return "SQRT";
    case UnaryOp::kRsqrt:
      return "RSQRT";
    case UnaryOp::kAbs:
      return "ABS";
    case UnaryOp::kNeg:
      return "NEG";
    case UnaryOp::kFloor:
      return "FLOOR";
    case UnaryOp::kCeil:
      return "CEIL";
    case UnaryOp::kRound:
      return "ROUND";
    case UnaryOp::kSquare:
      return "SQUARE";
    case UnaryOp::kSin:
      return "SIN";
    case UnaryOp::kCos:
      return "COS";
    case UnaryOp::kSign:
      return "SIGN";
    case UnaryOp::kLogicalNot:
      return "LOGICAL_NOT";
  }
  return "?";
}

// Round half to even, as TFLite's ROUND.
float RoundHalfToEven(float x) {
  const float floor_x = std::floor(x);
  const float diff = x - floor_x;
  if (diff < 0.5f) return floor_x;
  if (diff > 0.5f) return floor_x + 1.0f;
  return std::fmod(floor_x, 2.0f) == 0.0f ? floor_x : floor_x + 1.0f;
}

template <typename T>
T Sign(T x) {
  return static_cast<T>((T{0} < x) - (x < T{0}));
}

template <typename Fn>
void Map(const float* in, float* out, int64_t n, Fn&& fn) {
  for (int64_t i = 0; i < n; ++i) out[i] = fn(in[i]);
}

void EvalMathFloat(UnaryOp op, const float* in, float* out, int64_t n) {
  switch (op) {
    case UnaryOp::kExp:
      Map(in, out, n, [](float x) { return std::exp(x); });
      break;
    case UnaryOp::kLog:
      Map(in, out, n, [](float x) { return std::log(x); });
      break;
    case UnaryOp::kSqrt:
      Map(in, out, n, [](float x) { return std::sqrt(x); });
      break;
    case UnaryOp::kRsqrt:
      Map(in, out, n, [](float x) { return 1.0f / std::sqrt(x); });
      break;
    case UnaryOp::kAbs:
      Map(in, out, n, [](float x) { return std::fabs(x); });
      break;
    case UnaryOp::kNeg:
      Map(in, out, n, [](float x) { return -x; });
      break;
    case UnaryOp::kFloor:
      Map(in, out, n, [](float x) { return std::floor(x); });
      break;
    case UnaryOp::kCeil:
      Map(in, out, n, [](float x) { return std::ceil(x); });
      break;
    case UnaryOp::kRound:
      Map(in, out, n, RoundHalfToEven);
      break;
    case UnaryOp::kSquare:
      Map(in, out, n, [](float x) { return x * x; });
      break;
    case UnaryOp::kSin:
      Map(in, out, n, [](float x) { return std::sin(x); });
      break;
    case UnaryOp::kCos:
      Map(in, out, n, [](float x) { return std::cos(x); });
      break;
    case UnaryOp::kSign:
      Map(in, out, n, Sign<float>);
      break;
    default:
      break;
  }
}

// Quantized math ops TFLite has: ABS and RSQRT (int8).
Status BuildMathTable(UnaryOp op, const UnaryQuant& q, QuantTable& table) {
  const int32_t qmin = QuantMin(q.dtype);
  const int32_t qmax = QuantMax(q.dtype);
  const bool is_int8 = q.dtype == DType::kInt8;
  switch (op) {
    case UnaryOp::kAbs: {
      if (!is_int8) break;
      const bool rescale = q.input_scale != q.output_scale;
      const QuantizedMultiplier m = QuantizeMultiplier(
          static_cast<double>(q.input_scale / q.output_scale));
      for (int32_t v = qmin; v <= qmax; ++v) {
        const int32_t value = std::abs(v - q.input_zero_point);
        const int32_t r =
            (rescale ? MultiplyByQuantizedMultiplier(value, m) : value) +
            q.output_zero_point;
        table[v - qmin] = std::min(std::max(r, qmin), qmax);
      }
      return Status::Ok();
    }
    case UnaryOp::kRsqrt: {
      if (!is_int8) break;
      // 1 / (sqrt(s_in) * s_out): float product, then the reciprocal in double.
      const float denominator = std::sqrt(q.input_scale) * q.output_scale;
      const QuantizedMultiplier m = QuantizeMultiplier(1.0 / denominator);
      constexpr int kShift = 20;  // keeps the intermediate an integer
      for (int32_t v = qmin; v <= qmax; ++v) {
        const int32_t value = v - q.input_zero_point;
        if (value <=
            0) {  // negatives are rejected in Invoke; 0 maps to the max
          table[v - qmin] = qmax;
          continue;
        }
        int32_t inv_mult = 0;
        int inv_shift = 0;
        InvSqrtQuantizedMultiplier(value, &inv_mult, &inv_shift);
        const int32_t data =
            MultiplyByQuantizedMultiplier(1, inv_mult, inv_shift + kShift);
        const int32_t r = MultiplyByQuantizedMultiplier(data, m.multiplier,
                                                        m.shift - kShift) +
                          q.output_zero_point;
        table[v - qmin] = std::min(std::max(r, qmin), qmax);
      }
      return Status::Ok();
    }
    default:
      break;
  }
  return Unimplemented("dtype {} is not supported", DTypeName(q.dtype));
}

class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(UnaryOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("{} expects 1 input and 1 output", UnaryName(op_));
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    dtype_ = in.dtype();
    if (out.dtype() != dtype_) {
      return ctx.Error("input dtype {} differs from output dtype {}",
                       DTypeName(dtype_), DTypeName(out.dtype()));
    }
    if (out.num_elements() != in.num_elements()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    if (const auto* p = ctx.params_if<ir::LeakyReluParams>())
      attrs_.alpha = p->alpha;
    if (const auto* p = ctx.params_if<ir::GeluParams>())
      attrs_.approximate = p->approximate;

    switch (dtype_) {
      case DType::kFloat32:
        if (op_ == UnaryOp::kLogicalNot) return ctx.UnsupportedDType(dtype_);
        return Status::Ok();
      case DType::kInt8:
      case DType::kUInt8: {
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
        UnaryQuant q;
        q.dtype = dtype_;
        q.input_scale = in.scale();
        q.input_zero_point = in.zero_point();
        q.output_scale = out.scale();
        q.output_zero_point = out.zero_point();
        const Status s = IsActivationOp(op_)
                             ? BuildActivationTable(op_, attrs_, q, table_)
                             : BuildMathTable(op_, q, table_);
        if (!s.ok()) return s.WithContext(ctx.graph->NodeLabel(ctx.node_index));
        // RSQRT is only defined for inputs at or above the zero point.
        min_valid_ =
            op_ == UnaryOp::kRsqrt ? q.input_zero_point : QuantMin(dtype_);
        return Status::Ok();
      }
      case DType::kInt32:
        if (op_ == UnaryOp::kAbs || op_ == UnaryOp::kNeg ||
            op_ == UnaryOp::kSign) {
          return Status::Ok();
        }
        return ctx.UnsupportedDType(dtype_);
      case DType::kInt64:
        if (op_ == UnaryOp::kNeg) return Status::Ok();
        return ctx.UnsupportedDType(dtype_);
      case DType::kBool:
        if (op_ == UnaryOp::kLogicalNot) return Status::Ok();
        return ctx.UnsupportedDType(dtype_);
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const int64_t n = in.num_elements();
    switch (dtype_) {
      case DType::kFloat32: {
        const float* x = in.data_as<const float>();
        float* y = out.data_as<float>();
        if (IsActivationOp(op_)) {
          EvalActivationFloat(op_, attrs_, x, y, n);
        } else {
          EvalMathFloat(op_, x, y, n);
        }
        return Status::Ok();
      }
      case DType::kInt8:
        return EvalTable<int8_t>(ctx, n);
      case DType::kUInt8:
        return EvalTable<uint8_t>(ctx, n);
      case DType::kInt32: {
        const int32_t* x = in.data_as<const int32_t>();
        int32_t* y = out.data_as<int32_t>();
        for (int64_t i = 0; i < n; ++i) {
          // Negation wraps (|INT_MIN| = INT_MIN), computed without overflow.
          const uint32_t u = static_cast<uint32_t>(x[i]);
          const int32_t neg = static_cast<int32_t>(0u - u);
          switch (op_) {
            case UnaryOp::kAbs:
              y[i] = x[i] < 0 ? neg : x[i];
              break;
            case UnaryOp::kNeg:
              y[i] = neg;
              break;
            default:
              y[i] = Sign(x[i]);
              break;
          }
        }
        return Status::Ok();
      }
      case DType::kInt64: {
        const int64_t* x = in.data_as<const int64_t>();
        int64_t* y = out.data_as<int64_t>();
        for (int64_t i = 0; i < n; ++i) {
          y[i] = static_cast<int64_t>(0ull - static_cast<uint64_t>(x[i]));
        }
        return Status::Ok();
      }
      case DType::kBool: {
        const uint8_t* x = in.data_as<const uint8_t>();
        bool* y = out.data_as<bool>();
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] == 0;
        return Status::Ok();
      }
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  template <typename T>
  Status EvalTable(const KernelContext& ctx, int64_t n) const {
    const T* x = ctx.input(0).data_as<const T>();
    T* y = ctx.output(0).data_as<T>();
    constexpr int32_t kMin = std::numeric_limits<T>::min();
    if (min_valid_ > kMin) {
      for (int64_t i = 0; i < n; ++i) {
        if (x[i] < min_valid_) {
          return ctx.Error("{} is only defined for non-negative inputs",
                           UnaryName(op_));
        }
      }
    }
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(table_[x[i] - kMin]);
    return Status::Ok();
  }

  UnaryOp op_;
  DType dtype_ = DType::kFloat32;
  UnaryAttrs attrs_;
  QuantTable table_{};
  int32_t min_valid_ = 0;
};

}  // namespace

void InvSqrtQuantizedMultiplier(int32_t x, int32_t* multiplier, int* shift) {
  if (x <= 1) {  // 0 is treated like 1 (no division by zero)
    *multiplier = std::numeric_limits<int32_t>::max();
    *shift = 0;
    return;
  }
  int out_shift = 11;
  while (x >= (1 << 29)) {
    x /= 4;
    ++out_shift;
  }
  const int max_left_shift_bits = __builtin_clz(static_cast<uint32_t>(x)) - 1;
  const int left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
  out_shift -= left_shift_bit_pairs;
  x <<= 2 * left_shift_bit_pairs;
  // Newton-Raphson in Q3.28: y <- 1.5 y - 0.5 x y^3, starting at y = 1.
  auto mul = [](int32_t a, int32_t b) {
    return SaturatingRoundingDoublingHighMul(a, b);
  };
  auto mul_pot = [](int32_t v,
                    int exponent) {  // saturating v * 2^exponent, exponent > 0
    const int32_t threshold =
        static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
    if (v > threshold) return std::numeric_limits<int32_t>::max();
    if (v < -threshold) return std::numeric_limits<int32_t>::min();
    return static_cast<int32_t>(static_cast<int64_t>(v) *
                                (int64_t{1} << exponent));
  };
  const int32_t input_q3 = x >> 1;
  const int32_t half_input = RoundingDivideByPOT(input_q3, 1);
  constexpr int32_t kHalfThree = (1 << 28) + (1 << 27);  // 1.5 in Q3.28
  int32_t y = 1 << 28;                                   // 1.0 in Q3.28
  for (int i = 0; i < 5; ++i) {
    const int32_t y3 = mul_pot(mul(mul(y, y), y), 6);  // Q9 -> Q3
    const int32_t diff =
        static_cast<int32_t>(static_cast<uint32_t>(mul(kHalfThree, y)) -
                             static_cast<uint32_t>(mul(half_input, y3)));
    y = mul_pot(diff, 3);  // Q6 -> Q3
  }
  constexpr int32_t kHalfSqrt2 = 1518500250;  // sqrt(2) / 2 in Q0.31
  y = mul(y, kHalfSqrt2);
  if (out_shift < 0) {
    y = static_cast<int32_t>(static_cast<uint32_t>(y) << -out_shift);
    out_shift = 0;
  }
  *multiplier = y;
  *shift = -out_shift;
}

std::unique_ptr<OpKernel> CreateUnaryKernel(UnaryOp op) {
  return std::make_unique<UnaryKernel>(op);
}

}  // namespace mai::backends::ref

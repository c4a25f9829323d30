// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, POW with
// broadcasting: float32, int32, int64 and TFLite-exact int8/uint8.
#include "backends/ref/binary.h"

#include <cmath>
#include <limits>

namespace mai::backends::ref {
namespace {

const char* ArithmeticName(ArithmeticOp op) {
  switch (op) {
    case ArithmeticOp::kAdd:
      return "ADD";
    case ArithmeticOp::kSub:
      return "SUB";
    case ArithmeticOp::kMul:
      return "MUL";
    case ArithmeticOp::kDiv:
      return "DIV";
    case ArithmeticOp::kMaximum:
      return "MAXIMUM";
    case ArithmeticOp::kMinimum:
      return "MINIMUM";
    case ArithmeticOp::kSquaredDifference:
      return "SQUARED_DIFFERENCE";
    case ArithmeticOp::kPow:
      return "POW";
    case ArithmeticOp::kFloorDiv:
      return "FLOOR_DIV";
    case ArithmeticOp::kFloorMod:
      return "FLOOR_MOD";
  }
  return "?";
}

// The dtypes of each op: TFLite's set, plus int64 where it costs nothing and
// int8 DIV (same fixed-point method as uint8, as in newer TFLite).
bool Supports(ArithmeticOp op, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
    case DType::kInt32:
      return true;
    case DType::kInt64:
      return op != ArithmeticOp::kDiv &&
             op != ArithmeticOp::kSquaredDifference && op != ArithmeticOp::kPow;
    case DType::kInt16:
      return op == ArithmeticOp::kMaximum || op == ArithmeticOp::kMinimum;
    case DType::kUInt8:
      return op == ArithmeticOp::kAdd || op == ArithmeticOp::kSub ||
             op == ArithmeticOp::kMul || op == ArithmeticOp::kDiv ||
             op == ArithmeticOp::kMaximum || op == ArithmeticOp::kMinimum;
    case DType::kInt8:
      return op == ArithmeticOp::kAdd || op == ArithmeticOp::kSub ||
             op == ArithmeticOp::kMul || op == ArithmeticOp::kDiv ||
             op == ArithmeticOp::kMaximum || op == ArithmeticOp::kMinimum ||
             op == ArithmeticOp::kSquaredDifference;
    default:
      return false;
  }
}

bool HasFusedActivation(ArithmeticOp op) {
  return op == ArithmeticOp::kAdd || op == ArithmeticOp::kSub ||
         op == ArithmeticOp::kMul || op == ArithmeticOp::kDiv;
}

// Integer arithmetic wraps on overflow (two's complement), as TFLite does on
// every platform mai targets, without undefined behaviour here.
template <typename T>
T WrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
T WrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
T WrapMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <typename T>
T IntegerPow(T base, T exponent) {  // exponent >= 0 (checked by the caller)
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    exponent >>= 1;
  }
  return result;
}

// Activation clamp for integer outputs (TFLite's
// CalculateActivationRange<int>).
template <typename T>
Result<std::pair<T, T>> IntegerActivationRange(ir::Activation activation) {
  constexpr T lo = std::numeric_limits<T>::lowest();
  constexpr T hi = std::numeric_limits<T>::max();
  switch (activation) {
    case ir::Activation::kNone:
      return std::pair<T, T>{lo, hi};
    case ir::Activation::kRelu:
      return std::pair<T, T>{0, hi};
    case ir::Activation::kRelu6:
      return std::pair<T, T>{0, 6};
    case ir::Activation::kReluN1To1:
      return std::pair<T, T>{-1, 1};
    default:
      return Unimplemented("fused activation {} is not supported",
                           static_cast<int>(activation));
  }
}

class ArithmeticKernel final : public OpKernel {
 public:
  explicit ArithmeticKernel(ArithmeticOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present()) {
      return ctx.Error("{} expects 2 inputs and 1 output", ArithmeticName(op_));
    }
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    dtype_ = a.dtype();
    if (b.dtype() != dtype_ || out.dtype() != dtype_) {
      return ctx.Error("input and output dtypes differ ({}, {} -> {})",
                       DTypeName(a.dtype()), DTypeName(b.dtype()),
                       DTypeName(out.dtype()));
    }
    activation_ = ir::Activation::kNone;
    if (HasFusedActivation(op_)) {
      if (const auto* p = ctx.params_if<ir::BinaryParams>())
        activation_ = p->activation;
    }
    MAI_RETURN_IF_ERROR(plan_.Init(out.shape(), {&a.shape(), &b.shape()})
                            .WithContext(ctx.graph->NodeLabel(ctx.node_index)));

    if (!Supports(op_, dtype_)) return ctx.UnsupportedDType(dtype_);
    switch (dtype_) {
      case DType::kFloat32: {
        MAI_ASSIGN_OR_RETURN(float_range_, ActivationRangeFloat(activation_));
        return Status::Ok();
      }
      case DType::kInt32: {
        MAI_ASSIGN_OR_RETURN(auto r,
                             IntegerActivationRange<int32_t>(activation_));
        int_min_ = r.first;
        int_max_ = r.second;
        return Status::Ok();
      }
      case DType::kInt64: {
        MAI_ASSIGN_OR_RETURN(auto r,
                             IntegerActivationRange<int64_t>(activation_));
        int_min_ = r.first;
        int_max_ = r.second;
        return Status::Ok();
      }
      case DType::kInt16:
        return Status::Ok();  // MAXIMUM/MINIMUM only: raw values
      case DType::kInt8:
      case DType::kUInt8: {
        if (op_ == ArithmeticOp::kMaximum || op_ == ArithmeticOp::kMinimum) {
          return Status::Ok();  // compares raw values, like TFLite
        }
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, a, "input 0"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, b, "input 1"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
        auto q = PrepareQuantizedArithmetic(op_, a, b, out, activation_);
        if (!q.ok())
          return q.status().WithContext(ctx.graph->NodeLabel(ctx.node_index));
        quant_ = *q;
        return Status::Ok();
      }
      default:
        break;
    }
    return ctx.UnsupportedDType(dtype_);
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& a = ctx.input(0);
    const TensorView& b = ctx.input(1);
    const TensorView& out = ctx.output(0);
    switch (dtype_) {
      case DType::kFloat32:
        return EvalFloat(a.data_as<const float>(), b.data_as<const float>(),
                         out.data_as<float>());
      case DType::kInt32:
        return EvalInt<int32_t>(ctx, a.data_as<const int32_t>(),
                                b.data_as<const int32_t>(),
                                out.data_as<int32_t>());
      case DType::kInt64:
        return EvalInt<int64_t>(ctx, a.data_as<const int64_t>(),
                                b.data_as<const int64_t>(),
                                out.data_as<int64_t>());
      case DType::kInt16:
        return EvalQuantized<int16_t>(ctx, a.data_as<const int16_t>(),
                                      b.data_as<const int16_t>(),
                                      out.data_as<int16_t>());
      case DType::kInt8:
        return EvalQuantized<int8_t>(ctx, a.data_as<const int8_t>(),
                                     b.data_as<const int8_t>(),
                                     out.data_as<int8_t>());
      case DType::kUInt8:
        return EvalQuantized<uint8_t>(ctx, a.data_as<const uint8_t>(),
                                      b.data_as<const uint8_t>(),
                                      out.data_as<uint8_t>());
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  template <typename Fn>
  void Loop2(Fn&& fn) const {
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
      fn(o, i[0], i[1]);
    });
  }

  Status EvalFloat(const float* a, const float* b, float* out) const {
    const FloatRange r = float_range_;
    switch (op_) {
      case ArithmeticOp::kAdd:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = ApplyRange(a[i] + b[j], r);
        });
        break;
      case ArithmeticOp::kSub:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = ApplyRange(a[i] - b[j], r);
        });
        break;
      case ArithmeticOp::kMul:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = ApplyRange(a[i] * b[j], r);
        });
        break;
      case ArithmeticOp::kDiv:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = ApplyRange(a[i] / b[j], r);
        });
        break;
      case ArithmeticOp::kMaximum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = a[i] > b[j] ? a[i] : b[j];
        });
        break;
      case ArithmeticOp::kMinimum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = a[i] < b[j] ? a[i] : b[j];
        });
        break;
      case ArithmeticOp::kSquaredDifference:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          const float d = a[i] - b[j];
          out[o] = d * d;
        });
        break;
      case ArithmeticOp::kPow:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::pow(a[i], b[j]);
        });
        break;
      case ArithmeticOp::kFloorDiv:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::floor(a[i] / b[j]);
        });
        break;
      case ArithmeticOp::kFloorMod:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          const float m = std::fmod(a[i], b[j]);
          out[o] = (m != 0.0f && ((b[j] < 0.0f) != (m < 0.0f))) ? m + b[j] : m;
        });
        break;
    }
    return Status::Ok();
  }

  template <typename T>
  Status EvalInt(const KernelContext& ctx, const T* a, const T* b,
                 T* out) const {
    const T lo = static_cast<T>(int_min_);
    const T hi = static_cast<T>(int_max_);
    auto clamp = [lo, hi](T v) { return std::min(std::max(v, lo), hi); };
    switch (op_) {
      case ArithmeticOp::kAdd:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = clamp(WrapAdd(a[i], b[j]));
        });
        break;
      case ArithmeticOp::kSub:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = clamp(WrapSub(a[i], b[j]));
        });
        break;
      case ArithmeticOp::kMul:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = clamp(WrapMul(a[i], b[j]));
        });
        break;
      case ArithmeticOp::kDiv: {
        const int64_t n = ctx.input(1).num_elements();
        for (int64_t k = 0; k < n; ++k) {
          if (b[k] == 0) return ctx.Error("integer division by zero");
        }
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          // The one overflowing quotient (min / -1) wraps to min.
          const T q =
              (b[j] == -1) ? WrapSub(T{0}, a[i]) : static_cast<T>(a[i] / b[j]);
          out[o] = clamp(q);
        });
        break;
      }
      case ArithmeticOp::kMaximum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::max(a[i], b[j]);
        });
        break;
      case ArithmeticOp::kMinimum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::min(a[i], b[j]);
        });
        break;
      case ArithmeticOp::kSquaredDifference:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          const T d = WrapSub(a[i], b[j]);
          out[o] = WrapMul(d, d);
        });
        break;
      case ArithmeticOp::kPow: {
        const int64_t n = ctx.input(1).num_elements();
        for (int64_t k = 0; k < n; ++k) {
          if (b[k] < 0)
            return ctx.Error("integer POW does not support negative exponents");
        }
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = IntegerPow(a[i], b[j]);
        });
        break;
      }
      case ArithmeticOp::kFloorDiv:
      case ArithmeticOp::kFloorMod: {
        const int64_t n = ctx.input(1).num_elements();
        for (int64_t k = 0; k < n; ++k) {
          if (b[k] == 0) return ctx.Error("integer division by zero");
        }
        const bool div = op_ == ArithmeticOp::kFloorDiv;
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          const T x = a[i];
          const T y = b[j];
          if (y == -1) {  // avoids the overflowing min / -1
            out[o] = div ? WrapSub(T{0}, x) : T{0};
            return;
          }
          const T q = static_cast<T>(x / y);
          const T r = static_cast<T>(x % y);
          const bool adjust = r != 0 && ((r < 0) != (y < 0));
          out[o] = div ? static_cast<T>(adjust ? q - 1 : q)
                       : static_cast<T>(adjust ? r + y : r);
        });
        break;
      }
    }
    return Status::Ok();
  }

  template <typename T>
  Status EvalQuantized(const KernelContext& ctx, const T* a, const T* b,
                       T* out) const {
    const QuantizedArithmetic& p = quant_;
    switch (op_) {
      case ArithmeticOp::kAdd:
      case ArithmeticOp::kSub: {
        const bool subtract = op_ == ArithmeticOp::kSub;
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = static_cast<T>(QuantizedAddSub(p, a[i], b[j], subtract));
        });
        break;
      }
      case ArithmeticOp::kMul:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = static_cast<T>(QuantizedMul(p, a[i], b[j]));
        });
        break;
      case ArithmeticOp::kSquaredDifference:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = static_cast<T>(QuantizedSquaredDifference(p, a[i], b[j]));
        });
        break;
      case ArithmeticOp::kDiv: {
        const int64_t n = ctx.input(1).num_elements();
        for (int64_t k = 0; k < n; ++k) {
          if (p.input2_offset + b[k] == 0)
            return ctx.Error("quantized division by zero");
        }
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = static_cast<T>(QuantizedDiv(p, a[i], b[j]));
        });
        break;
      }
      case ArithmeticOp::kMaximum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::max(a[i], b[j]);
        });
        break;
      case ArithmeticOp::kMinimum:
        Loop2([&](int64_t o, int64_t i, int64_t j) {
          out[o] = std::min(a[i], b[j]);
        });
        break;
      default:
        return ctx.UnsupportedDType(dtype_);
    }
    return Status::Ok();
  }

  ArithmeticOp op_;
  DType dtype_ = DType::kFloat32;
  ir::Activation activation_ = ir::Activation::kNone;
  BroadcastPlan<2> plan_;
  FloatRange float_range_;
  int64_t int_min_ = 0;
  int64_t int_max_ = 0;
  QuantizedArithmetic quant_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateArithmeticKernel(ArithmeticOp op) {
  return std::make_unique<ArithmeticKernel>(op);
}

}  // namespace mai::backends::ref

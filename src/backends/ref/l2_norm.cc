// L2_NORMALIZATION along the last dimension (fp32, int8, uint8).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {
namespace {

// gemmlowp's SaturatingRoundingMultiplyByPOT for a positive exponent.
int32_t SaturatingShiftLeft(int32_t x, int exponent) {
  const int32_t threshold = (int32_t{1} << (31 - exponent)) - 1;
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// 1 / sqrt(input) as a Q31 multiplier and a shift (TFLite's
// GetInvSqrtQuantizedMultiplierExp with reverse_shift = -1): five
// Newton-Raphson steps in Q3.28 fixed point.
QuantizedMultiplier InvSqrtMultiplier(int32_t input) {
  if (input <= 1) return {std::numeric_limits<int32_t>::max(), 0};
  int shift = 11;
  while (input >= (int32_t{1} << 29)) {
    input /= 4;
    ++shift;
  }
  const int max_left_shift_bits =
      __builtin_clz(static_cast<uint32_t>(input)) - 1;
  const int left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
  shift -= left_shift_bit_pairs;
  input <<= 2 * left_shift_bit_pairs;
  // Values below are raw Q3.28 ("F3") unless noted; products of two F3 are
  // F6, of F6 and F3 are F9 (SaturatingRoundingDoublingHighMul).
  const int32_t half_input = RoundingDivideByPOT(input >> 1, 1);
  const int32_t half_three = (int32_t{1} << 28) + (int32_t{1} << 27);
  int32_t x = int32_t{1} << 28;  // 1.0
  for (int i = 0; i < 5; ++i) {
    const int32_t x2 = SaturatingRoundingDoublingHighMul(x, x);
    const int32_t x3 =
        SaturatingShiftLeft(SaturatingRoundingDoublingHighMul(x2, x), 6);
    const int32_t a = SaturatingRoundingDoublingHighMul(half_three, x);
    const int32_t b = SaturatingRoundingDoublingHighMul(half_input, x3);
    x = SaturatingShiftLeft(static_cast<int32_t>(static_cast<uint32_t>(a) -
                                                 static_cast<uint32_t>(b)),
                            3);
  }
  constexpr int32_t kHalfSqrt2 = 1518500250;  // sqrt(2)/2 in Q0.31
  int32_t multiplier = SaturatingRoundingDoublingHighMul(x, kHalfSqrt2);
  if (shift < 0) {
    multiplier =
        static_cast<int32_t>(static_cast<uint32_t>(multiplier) << -shift);
    shift = 0;
  }
  return {multiplier, -shift};
}

class L2NormKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.rank() < 1) return ctx.Error("input must have rank >= 1");
    if (in.dtype() != out.dtype() || in.shape() != out.shape()) {
      return ctx.Error("output must match the input's dtype and shape");
    }
    dtype_ = in.dtype();
    depth_ = in.dim(in.rank() - 1);
    outer_ = depth_ == 0 ? 0 : in.num_elements() / depth_;
    ir::Activation act = ir::Activation::kNone;
    if (const auto* p = ctx.params_if<ir::L2NormParams>()) act = p->activation;
    switch (dtype_) {
      case DType::kFloat32: {
        auto r = ActivationRangeFloat(act);
        if (!r.ok()) return ctx.Unsupported("{}", r.status().message());
        float_range_ = *r;
        return Status::Ok();
      }
      case DType::kInt8:
      case DType::kUInt8: {
        if (in.quant().empty() || out.quant().empty()) {
          return ctx.Error("quantized tensors need quantization parameters");
        }
        const int32_t want_zp = dtype_ == DType::kUInt8 ? 128 : 0;
        if (out.scale() != 1.0f / 128.0f || out.zero_point() != want_zp) {
          return ctx.Unsupported(
              "quantized output must have scale 1/128 and zero point {}, has "
              "scale {} zero point {}",
              want_zp, out.scale(), out.zero_point());
        }
        auto r = ActivationRangeQuantized(act, dtype_, out.scale(),
                                          out.zero_point());
        if (!r.ok()) return ctx.Unsupported("{}", r.status().message());
        quant_range_ = *r;
        input_zero_point_ = in.zero_point();
        if (depth_ > 0 &&
            int64_t{depth_} * 255 * 255 > std::numeric_limits<int32_t>::max()) {
          return ctx.Unsupported("last dimension {} is too large", depth_);
        }
        return Status::Ok();
      }
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (dtype_) {
      case DType::kFloat32:
        RunFloat(ctx);
        break;
      case DType::kInt8:
        RunQuantized<int8_t>(ctx);
        break;
      case DType::kUInt8:
        RunQuantized<uint8_t>(ctx);
        break;
      default:
        return ctx.UnsupportedDType(dtype_);
    }
    return Status::Ok();
  }

 private:
  void RunFloat(const KernelContext& ctx) const {
    const float* x = ctx.input(0).data_as<const float>();
    float* y = ctx.output(0).data_as<float>();
    for (int64_t i = 0; i < outer_; ++i) {
      const float* row = x + i * depth_;
      float sum = 0.0f;
      for (int c = 0; c < depth_; ++c) sum += row[c] * row[c];
      const float norm = std::max(std::sqrt(sum), 1e-6f);
      for (int c = 0; c < depth_; ++c) {
        y[i * depth_ + c] = ApplyRange(row[c] / norm, float_range_);
      }
    }
  }

  template <typename T>
  void RunQuantized(const KernelContext& ctx) const {
    const T* x = ctx.input(0).data_as<const T>();
    T* y = ctx.output(0).data_as<T>();
    for (int64_t i = 0; i < outer_; ++i) {
      const T* row = x + i * depth_;
      int32_t sum_sq = 0;
      for (int c = 0; c < depth_; ++c) {
        const int32_t d = row[c] - input_zero_point_;
        sum_sq += d * d;
      }
      const QuantizedMultiplier inv = InvSqrtMultiplier(sum_sq);
      for (int c = 0; c < depth_; ++c) {
        const int32_t d = row[c] - input_zero_point_;
        int32_t v;
        if constexpr (std::is_same_v<T, uint8_t>) {
          // TFLite's uint8 kernel: (128 * d) * inv, then + 128.
          v = 128 + RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(
                                            128 * d, inv.multiplier),
                                        -inv.shift);
        } else {
          // TFLite's int8 kernel folds the 2^7 output scale into the shift.
          v = MultiplyByQuantizedMultiplier(d, inv.multiplier, inv.shift + 7);
        }
        y[i * depth_ + c] =
            static_cast<T>(std::clamp(v, quant_range_.min, quant_range_.max));
      }
    }
  }

  DType dtype_ = DType::kFloat32;
  int32_t depth_ = 0;
  int64_t outer_ = 0;
  int32_t input_zero_point_ = 0;
  FloatRange float_range_;
  QuantizedRange quant_range_;
};

}  // namespace

std::unique_ptr<OpKernel> NewL2NormalizationKernel() {
  return std::make_unique<L2NormKernel>();
}

}  // namespace mai::backends::ref

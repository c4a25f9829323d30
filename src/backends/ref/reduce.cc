// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD over constant axes.
//
// Dtypes and their semantics (as TFLite's builtin kernels):
//   fp32: accumulated in double; MEAN of nothing is NaN.
//   int32/int64: SUM/PROD wrap around like TFLite's integer arithmetic; MEAN
//     divides the (int64) sum truncating toward zero.
//   int8/uint8 (TFLite's builtin kernels, float requantization):
//     MEAN with identical input/output quantization: sum(q) / n truncated
//       toward zero.
//     int8 MEAN over H and W of a 4D tensor with keep_dims (global average
//       pooling; TFLite's integer Mean, whatever the quantization):
//       a = MultiplyByQuantizedMultiplier(sum(q - zp_in), scale_in /
//       scale_out), then a / n rounded half away from zero, + zp_out,
//       clamped.
//     MEAN otherwise: round(mean(q) * s - zp_in * s) + zp_out, clamped, with
//       s = scale_in / scale_out in float.
//     SUM with different quantization: round(sum(q) * s - zp_in * s * n) +
//       zp_out, then narrowed to the element type (wrapping, as TFLite).
//     SUM with identical quantization: the raw values are summed in the
//       element type (wrapping), exactly as TFLite does.
//     REDUCE_MAX/MIN: raw values; input and output quantization must match.
//     REDUCE_PROD (int8 only): each partial product rescaled by
//       scale_in / scale_out^(1/n) with TFLite's 64-bit multiplier.
//   An empty axis list copies the input (or requantizes it).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {
namespace {

// TFLite's MultiplyByQuantizedMultiplier for a 64-bit input: the multiplier
// is reduced to 16 bits and the product rounded once.
int32_t MultiplyByQuantizedMultiplier64(int64_t x, QuantizedMultiplier m) {
  const int64_t reduced = m.multiplier < 0x7FFF0000
                              ? (int64_t{m.multiplier} + (1 << 15)) >> 16
                              : 0x7FFF;
  const int total_shift = 15 - m.shift;
  const int64_t round = int64_t{1} << (total_shift - 1);
  return static_cast<int32_t>((x * reduced + round) >> total_shift);
}

template <typename T>
T WrappingAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
}

template <typename T>
T WrappingMul(T a, T b) {
  if constexpr (sizeof(T) < sizeof(int)) {
    return static_cast<T>(static_cast<int>(a) * static_cast<int>(b));
  } else {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(
        static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  }
}

class ReduceKernel : public OpKernel {
 public:
  explicit ReduceKernel(ir::OpCode op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& axis = ctx.input(1);
    const TensorView& out = ctx.output(0);
    dtype_ = in.dtype();
    if (out.dtype() != dtype_) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(dtype_));
    }
    MAI_RETURN_IF_ERROR(ResolveAxes(ctx, in, axis));
    const auto* params = ctx.params_if<ir::ReducerParams>();
    spatial_mean_ = op_ == ir::OpCode::kMean && dtype_ == DType::kInt8 &&
                    params != nullptr && params->keep_dims && in.rank() == 4 &&
                    axes_ == 0b0110;
    if (out.num_elements() != num_outputs_) {
      return ctx.Error("output shape {} does not match the reduced input",
                       ShapeToString(out.shape()));
    }
    MAI_RETURN_IF_ERROR(PrepareDType(ctx, in, out));
    acc_f_.assign(dtype_ == DType::kFloat32 ? num_outputs_ : 0, 0.0);
    acc_i_.assign(dtype_ == DType::kFloat32 ? 0 : num_outputs_, 0);
    seen_.assign(op_ == ir::OpCode::kReduceProd ? num_outputs_ : 0, 0);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (copy_ && mode_ != QuantMode::kRequantize) {
      if (in.bytes > 0) std::memmove(out.data, in.data, in.bytes);
      return Status::Ok();
    }
    switch (dtype_) {
      case DType::kFloat32:
        RunFloat(in, out);
        break;
      case DType::kInt32:
        RunInt<int32_t>(in, out);
        break;
      case DType::kInt64:
        RunInt<int64_t>(in, out);
        break;
      case DType::kInt8:
        RunQuantized<int8_t>(in, out);
        break;
      case DType::kUInt8:
        RunQuantized<uint8_t>(in, out);
        break;
      default:
        return ctx.UnsupportedDType(dtype_);
    }
    return Status::Ok();
  }

 private:
  enum class QuantMode { kRequantize, kRaw, kProd };

  Status ResolveAxes(const KernelContext& ctx, const TensorView& in,
                     const TensorView& axis) {
    const int rank = in.rank();
    dims_.assign(in.shape().begin(), in.shape().end());
    std::vector<bool> reduced(rank, false);
    if (!axis.present() || axis.data == nullptr ||
        !axis.tensor->is_constant()) {
      return ctx.Unsupported("axis must be constant");
    }
    const int64_t n = axis.num_elements();
    if (axis.dtype() != DType::kInt32 && axis.dtype() != DType::kInt64) {
      return ctx.Error("axis must be int32 or int64");
    }
    if (static_cast<size_t>(n) * DTypeSize(axis.dtype()) > axis.bytes) {
      return ctx.Error("axis data is truncated");
    }
    int num_reduced = 0;
    for (int64_t i = 0; i < n && rank > 0; ++i) {
      int64_t a;
      if (axis.dtype() == DType::kInt32) {
        int32_t v;
        std::memcpy(&v, static_cast<const uint8_t*>(axis.data) + 4 * i, 4);
        a = v;
      } else {
        std::memcpy(&a, static_cast<const uint8_t*>(axis.data) + 8 * i, 8);
      }
      if (a < -rank || a >= rank) {
        return ctx.Error("axis {} is out of range for rank {}", a, rank);
      }
      const int d = static_cast<int>(a < 0 ? a + rank : a);
      if (!reduced[d]) ++num_reduced;
      reduced[d] = true;
    }
    copy_ = num_reduced == 0;
    axes_ = 0;
    for (int d = 0; d < rank && d < 32; ++d) {
      if (reduced[d]) axes_ |= 1u << d;
    }
    // Output stride of every input dim (0 for reduced dims), row-major over
    // the kept dims.
    out_stride_.assign(rank, 0);
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if (!reduced[d]) {
        out_stride_[d] = stride;
        stride *= dims_[d];
      }
    }
    num_outputs_ = stride;
    total_ = in.num_elements();
    count_ = 1;
    for (int d = 0; d < rank; ++d) {
      if (reduced[d]) count_ *= dims_[d];
    }
    index_.assign(rank, 0);
    return Status::Ok();
  }

  Status PrepareDType(const KernelContext& ctx, const TensorView& in,
                      const TensorView& out) {
    switch (dtype_) {
      case DType::kFloat32:
      case DType::kInt32:
      case DType::kInt64:
        return Status::Ok();
      case DType::kInt8:
      case DType::kUInt8:
        break;
      default:
        return ctx.UnsupportedDType(dtype_);
    }
    const bool quantized = !in.quant().empty() && !out.quant().empty();
    const bool same = quantized && in.scale() == out.scale() &&
                      in.zero_point() == out.zero_point();
    if (quantized) {
      in_zp_ = in.zero_point();
      out_zp_ = out.zero_point();
    }
    switch (op_) {
      case ir::OpCode::kMean:
        if (!quantized) return ctx.Error("quantized MEAN needs scales");
        mode_ = QuantMode::kRequantize;
        break;
      case ir::OpCode::kSum:
        mode_ = (!quantized || same) ? QuantMode::kRaw : QuantMode::kRequantize;
        break;
      case ir::OpCode::kReduceMax:
      case ir::OpCode::kReduceMin:
        if (quantized && !same) {
          return ctx.Unsupported(
              "input and output quantization must be equal for {}",
              ctx.node->OpName());
        }
        mode_ = QuantMode::kRaw;
        break;
      case ir::OpCode::kReduceProd:
        if (!quantized) {
          mode_ = QuantMode::kRaw;
        } else if (dtype_ != DType::kInt8) {
          return ctx.Unsupported("quantized REDUCE_PROD supports int8 only");
        } else {
          mode_ = QuantMode::kProd;
          if (total_ > 0 && num_outputs_ > 0) {
            multiplier_ =
                QuantizeMultiplier(static_cast<double>(in.scale()) /
                                   std::pow(static_cast<double>(out.scale()),
                                            1.0 / static_cast<double>(count_)));
            if (multiplier_.shift >= 8 || multiplier_.shift < -31) {
              return ctx.Unsupported("REDUCE_PROD scale ratio out of range");
            }
          }
        }
        return Status::Ok();
      default:
        return ctx.Unsupported("not a reduction");
    }
    if (mode_ == QuantMode::kRequantize) {
      in_scale_ = in.scale();
      out_scale_ = out.scale();
      if (!(in_scale_ > 0.0f) || !(out_scale_ > 0.0f)) {
        return ctx.Error("quantization scales must be positive");
      }
      same_quant_ = same;
      if (spatial_mean_ && count_ > 0) {
        multiplier_ = QuantizeMultiplier(static_cast<double>(in_scale_) /
                                         static_cast<double>(out_scale_));
      }
    }
    return Status::Ok();
  }

  // Calls f(input_index, output_index) for every input element in row-major
  // order.
  template <typename F>
  void ForEach(F&& f) {
    const int rank = static_cast<int>(dims_.size());
    std::fill(index_.begin(), index_.end(), 0);
    int64_t o = 0;
    for (int64_t i = 0; i < total_; ++i) {
      f(i, o);
      for (int d = rank - 1; d >= 0; --d) {
        if (++index_[d] < dims_[d]) {
          o += out_stride_[d];
          break;
        }
        o -= out_stride_[d] * (dims_[d] - 1);
        index_[d] = 0;
      }
    }
  }

  void RunFloat(const TensorView& in, const TensorView& out) {
    const float* x = in.data_as<const float>();
    float* y = out.data_as<float>();
    double init = 0.0;
    switch (op_) {
      case ir::OpCode::kReduceMax:
        init = -std::numeric_limits<float>::max();
        break;
      case ir::OpCode::kReduceMin:
        init = std::numeric_limits<float>::max();
        break;
      case ir::OpCode::kReduceProd:
        init = 1.0;
        break;
      default:
        break;
    }
    std::fill(acc_f_.begin(), acc_f_.end(), init);
    switch (op_) {
      case ir::OpCode::kReduceMax:
        ForEach([&](int64_t i, int64_t o) {
          if (x[i] > acc_f_[o]) acc_f_[o] = x[i];
        });
        break;
      case ir::OpCode::kReduceMin:
        ForEach([&](int64_t i, int64_t o) {
          if (x[i] < acc_f_[o]) acc_f_[o] = x[i];
        });
        break;
      case ir::OpCode::kReduceProd:
        ForEach([&](int64_t i, int64_t o) { acc_f_[o] *= x[i]; });
        break;
      default:
        ForEach([&](int64_t i, int64_t o) { acc_f_[o] += x[i]; });
        break;
    }
    const bool mean = op_ == ir::OpCode::kMean;
    for (int64_t o = 0; o < num_outputs_; ++o) {
      if (mean) {
        y[o] = count_ == 0 ? std::numeric_limits<float>::quiet_NaN()
                           : static_cast<float>(acc_f_[o] / count_);
      } else {
        y[o] = static_cast<float>(acc_f_[o]);
      }
    }
  }

  template <typename T>
  void RunInt(const TensorView& in, const TensorView& out) {
    const T* x = in.data_as<const T>();
    T* y = out.data_as<T>();
    int64_t init = 0;
    switch (op_) {
      case ir::OpCode::kReduceMax:
        init = std::numeric_limits<T>::lowest();
        break;
      case ir::OpCode::kReduceMin:
        init = std::numeric_limits<T>::max();
        break;
      case ir::OpCode::kReduceProd:
        init = 1;
        break;
      default:
        break;
    }
    std::fill(acc_i_.begin(), acc_i_.end(), init);
    switch (op_) {
      case ir::OpCode::kReduceMax:
        ForEach([&](int64_t i, int64_t o) {
          acc_i_[o] = std::max<int64_t>(acc_i_[o], x[i]);
        });
        break;
      case ir::OpCode::kReduceMin:
        ForEach([&](int64_t i, int64_t o) {
          acc_i_[o] = std::min<int64_t>(acc_i_[o], x[i]);
        });
        break;
      case ir::OpCode::kReduceProd:
        ForEach([&](int64_t i, int64_t o) {
          acc_i_[o] = WrappingMul<T>(static_cast<T>(acc_i_[o]), x[i]);
        });
        break;
      case ir::OpCode::kMean:
        ForEach([&](int64_t i, int64_t o) {
          acc_i_[o] = WrappingAdd<int64_t>(acc_i_[o], x[i]);
        });
        break;
      default:  // SUM wraps in the element type
        ForEach([&](int64_t i, int64_t o) {
          acc_i_[o] = WrappingAdd<T>(static_cast<T>(acc_i_[o]), x[i]);
        });
        break;
    }
    for (int64_t o = 0; o < num_outputs_; ++o) {
      if (op_ == ir::OpCode::kMean) {
        y[o] = count_ == 0 ? T{0} : static_cast<T>(acc_i_[o] / count_);
      } else {
        y[o] = static_cast<T>(acc_i_[o]);
      }
    }
  }

  template <typename T>
  void RunQuantized(const TensorView& in, const TensorView& out) {
    if (mode_ == QuantMode::kRaw) {
      RunInt<T>(in, out);
      return;
    }
    const T* x = in.data_as<const T>();
    T* y = out.data_as<T>();
    constexpr int32_t kMin = std::numeric_limits<T>::min();
    constexpr int32_t kMax = std::numeric_limits<T>::max();
    if (mode_ == QuantMode::kProd) {
      if (total_ == 0) {
        std::fill(y, y + num_outputs_,
                  static_cast<T>(std::clamp(out_zp_, kMin, kMax)));
        return;
      }
      std::fill(seen_.begin(), seen_.end(), 0);
      ForEach([&](int64_t i, int64_t o) {
        const int32_t v = x[i] - in_zp_;
        if (!seen_[o]) {
          seen_[o] = 1;
          acc_i_[o] = v;
        } else {
          acc_i_[o] = MultiplyByQuantizedMultiplier64(
              static_cast<int64_t>(static_cast<int32_t>(acc_i_[o])) * v,
              multiplier_);
        }
      });
      for (int64_t o = 0; o < num_outputs_; ++o) {
        const int32_t r = MultiplyByQuantizedMultiplier64(
                              static_cast<int32_t>(acc_i_[o]), multiplier_) +
                          out_zp_;
        y[o] = static_cast<T>(std::clamp(r, kMin, kMax));
      }
      return;
    }
    std::fill(acc_i_.begin(), acc_i_.end(), 0);
    if (spatial_mean_ && total_ > 0) {
      ForEach([&](int64_t i, int64_t o) { acc_i_[o] += x[i] - in_zp_; });
      const int32_t n = static_cast<int32_t>(count_);
      for (int64_t o = 0; o < num_outputs_; ++o) {
        int32_t acc = MultiplyByQuantizedMultiplier(
            static_cast<int32_t>(acc_i_[o]), multiplier_);
        acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
        y[o] = static_cast<T>(std::clamp(acc + out_zp_, kMin, kMax));
      }
      return;
    }
    ForEach([&](int64_t i, int64_t o) { acc_i_[o] += x[i]; });
    // Requantized MEAN / SUM, in float as TFLite's builtin kernels.
    const float scale = in_scale_ / out_scale_;
    const float count = static_cast<float>(count_);
    for (int64_t o = 0; o < num_outputs_; ++o) {
      const int32_t sum = static_cast<int32_t>(acc_i_[o]);
      if (total_ == 0) {
        y[o] = T{0};
      } else if (op_ == ir::OpCode::kSum) {
        const float bias = -static_cast<float>(in_zp_) * scale * count;
        const int32_t v = static_cast<int32_t>(std::round(
                              static_cast<float>(sum) * scale + bias)) +
                          out_zp_;
        y[o] = static_cast<T>(v);  // wraps like TFLite
      } else if (same_quant_) {
        y[o] = static_cast<T>(sum / static_cast<int32_t>(count_));
      } else {
        const float bias = -static_cast<float>(in_zp_) * scale;
        const float mean = static_cast<float>(sum) / count;
        float r = std::round(mean * scale + bias) + static_cast<float>(out_zp_);
        r = std::clamp(r, static_cast<float>(kMin), static_cast<float>(kMax));
        y[o] = static_cast<T>(r);
      }
    }
  }

  ir::OpCode op_;
  DType dtype_ = DType::kFloat32;
  QuantMode mode_ = QuantMode::kRaw;
  bool copy_ = false;
  std::vector<int32_t> dims_;
  std::vector<int64_t> out_stride_;
  std::vector<int32_t> index_;
  int64_t num_outputs_ = 0;
  int64_t total_ = 0;
  int64_t count_ = 1;          // input elements per output
  uint32_t axes_ = 0;          // bit d set when dim d is reduced
  bool spatial_mean_ = false;  // int8 MEAN over H, W of NHWC with keep_dims
  int32_t in_zp_ = 0, out_zp_ = 0;
  float in_scale_ = 1.0f, out_scale_ = 1.0f;
  bool same_quant_ = false;
  QuantizedMultiplier multiplier_;
  std::vector<double> acc_f_;
  std::vector<int64_t> acc_i_;
  std::vector<uint8_t> seen_;
};

}  // namespace

std::unique_ptr<OpKernel> NewReduceKernel(ir::OpCode op) {
  return std::make_unique<ReduceKernel>(op);
}

}  // namespace mai::backends::ref

// SOFTMAX and LOG_SOFTMAX along the last dimension (fp32, int8, uint8).
//
// Quantized inputs go through a 256-entry table of exp(-scale * beta * d)
// for the distance d = max - x in quantized steps, with float sums, as
// TFLite's default kernels do.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {
namespace {

// table[255 - d] = exp(-input_scale * beta * d), d in [0, 255].
using ExpTable = std::array<float, 256>;
void FillExpTable(float input_scale, float beta, ExpTable& table) {
  const float scale = -input_scale * beta;
  for (int d = 0; d <= 255; ++d) {
    table[255 - d] = std::exp(scale * static_cast<float>(d));
  }
}

class SoftmaxKernelBase : public OpKernel {
 protected:
  // Checks shapes/dtypes common to both ops; sets depth_/outer_/dtype_.
  Status PrepareCommon(const KernelContext& ctx) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.rank() < 1) return ctx.Error("input must have rank >= 1");
    if (in.shape() != out.shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    dtype_ = in.dtype();
    if (dtype_ != DType::kFloat32 && dtype_ != DType::kInt8 &&
        dtype_ != DType::kUInt8) {
      return ctx.UnsupportedDType(dtype_);
    }
    if (out.dtype() != dtype_) {
      return ctx.Unsupported("output dtype {} with input dtype {}",
                             DTypeName(out.dtype()), DTypeName(dtype_));
    }
    if (dtype_ != DType::kFloat32 &&
        (in.quant().empty() || out.quant().empty())) {
      return ctx.Error("quantized tensors need quantization parameters");
    }
    depth_ = in.dim(in.rank() - 1);
    outer_ = depth_ == 0 ? 0 : in.num_elements() / depth_;
    return Status::Ok();
  }

  // Row maximum of a quantized row.
  template <typename T>
  static int32_t RowMax(const T* row, int depth) {
    int32_t m = std::numeric_limits<T>::min();
    for (int c = 0; c < depth; ++c) m = std::max<int32_t>(m, row[c]);
    return m;
  }

  DType dtype_ = DType::kFloat32;
  int32_t depth_ = 0;
  int64_t outer_ = 0;
  ExpTable table_{};
};

class SoftmaxKernel : public SoftmaxKernelBase {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(PrepareCommon(ctx));
    beta_ = 1.0f;
    if (const auto* p = ctx.params_if<ir::SoftmaxParams>()) beta_ = p->beta;
    if (dtype_ == DType::kFloat32) return Status::Ok();
    const TensorView& out = ctx.output(0);
    const int32_t want_zp = dtype_ == DType::kInt8 ? -128 : 0;
    const float want_scale = 1.0f / 256.0f;
    if (std::abs(out.scale() - want_scale) > 0.001f * want_scale ||
        out.zero_point() != want_zp) {
      return ctx.Unsupported(
          "quantized output must have scale 1/256 and zero point {}, has "
          "scale {} zero point {}",
          want_zp, out.scale(), out.zero_point());
    }
    output_scale_ = out.scale();
    FillExpTable(ctx.input(0).scale(), beta_, table_);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (dtype_) {
      case DType::kFloat32:
        RunFloat(ctx);
        break;
      case DType::kInt8:
        RunQuantized<int8_t>(ctx, -128);
        break;
      case DType::kUInt8:
        RunQuantized<uint8_t>(ctx, 0);
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
      float* out = y + i * depth_;
      float m = row[0];
      for (int c = 1; c < depth_; ++c) m = std::max(m, row[c]);
      float sum = 0.0f;
      for (int c = 0; c < depth_; ++c) {
        out[c] = std::exp((row[c] - m) * beta_);
        sum += out[c];
      }
      const float inv = 1.0f / sum;
      for (int c = 0; c < depth_; ++c) out[c] *= inv;
    }
  }

  template <typename T>
  void RunQuantized(const KernelContext& ctx, int32_t zero_point) const {
    const T* x = ctx.input(0).data_as<const T>();
    T* y = ctx.output(0).data_as<T>();
    for (int64_t i = 0; i < outer_; ++i) {
      const T* row = x + i * depth_;
      const int32_t m = RowMax(row, depth_);
      const int32_t base = 255 - m;  // table_[base + x] = exp(-s*b*(m - x))
      float sum = 0.0f;
      for (int c = 0; c < depth_; ++c) sum += table_[base + row[c]];
      const float inv = 1.0f / (sum * output_scale_);
      for (int c = 0; c < depth_; ++c) {
        const float p = table_[base + row[c]] * inv;
        int32_t q;
        if constexpr (std::is_same_v<T, uint8_t>) {
          q = static_cast<int32_t>(p + 0.5f);
        } else {
          q = static_cast<int32_t>(std::round(p));
        }
        q = std::clamp<int32_t>(q + zero_point, std::numeric_limits<T>::min(),
                                std::numeric_limits<T>::max());
        y[i * depth_ + c] = static_cast<T>(q);
      }
    }
  }

  float beta_ = 1.0f;
  float output_scale_ = 1.0f / 256.0f;
};

class LogSoftmaxKernel : public SoftmaxKernelBase {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_RETURN_IF_ERROR(PrepareCommon(ctx));
    if (dtype_ == DType::kFloat32) return Status::Ok();
    const TensorView& out = ctx.output(0);
    const int32_t want_zp = dtype_ == DType::kInt8 ? 127 : 255;
    if (out.scale() != 16.0f / 256.0f || out.zero_point() != want_zp) {
      return ctx.Unsupported(
          "quantized output must have scale 16/256 and zero point {}, has "
          "scale {} zero point {}",
          want_zp, out.scale(), out.zero_point());
    }
    input_scale_ = ctx.input(0).scale();
    output_scale_ = out.scale();
    output_zero_point_ = want_zp;
    FillExpTable(input_scale_, 1.0f, table_);
    return Status::Ok();
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
      float m = row[0];
      for (int c = 1; c < depth_; ++c) m = std::max(m, row[c]);
      float sum = 0.0f;
      for (int c = 0; c < depth_; ++c) sum += std::exp(row[c] - m);
      const float log_sum = std::log(sum);
      for (int c = 0; c < depth_; ++c) {
        y[i * depth_ + c] = row[c] - m - log_sum;
      }
    }
  }

  template <typename T>
  void RunQuantized(const KernelContext& ctx) const {
    const T* x = ctx.input(0).data_as<const T>();
    T* y = ctx.output(0).data_as<T>();
    const float scale = input_scale_ / output_scale_;
    for (int64_t i = 0; i < outer_; ++i) {
      const T* row = x + i * depth_;
      const int32_t m = RowMax(row, depth_);
      const int32_t base = 255 - m;
      float sum = 0.0f;
      for (int c = 0; c < depth_; ++c) sum += table_[base + row[c]];
      // (input_scale * (x - m) - log(sum)) / output_scale, as TFLite
      // arranges it.
      const float offset =
          (input_scale_ * static_cast<float>(m) + std::log(sum)) /
          output_scale_;
      for (int c = 0; c < depth_; ++c) {
        const float v = scale * static_cast<float>(row[c]) - offset;
        const int32_t q =
            static_cast<int32_t>(std::rint(v)) + output_zero_point_;
        y[i * depth_ + c] = static_cast<T>(std::clamp<int32_t>(
            q, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
      }
    }
  }

  float input_scale_ = 1.0f;
  float output_scale_ = 16.0f / 256.0f;
  int32_t output_zero_point_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewSoftmaxKernel() {
  return std::make_unique<SoftmaxKernel>();
}

std::unique_ptr<OpKernel> NewLogSoftmaxKernel() {
  return std::make_unique<LogSoftmaxKernel>();
}

}  // namespace mai::backends::ref

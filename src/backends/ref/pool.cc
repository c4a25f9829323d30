// MAX_POOL_2D and AVERAGE_POOL_2D (fp32, int8, uint8).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/quant_util.h"

namespace mai::backends::ref {
namespace {

enum class PoolKind { kMax, kAverage };

struct Window {
  int32_t pad_h = 0, pad_w = 0;
};

template <typename T, PoolKind kKind>
void PoolQuantized(const ir::Pool2DParams& p, const Window& win,
                   const TensorView& in, const TensorView& out,
                   QuantizedRange range) {
  const int batches = in.dim(0), in_h = in.dim(1), in_w = in.dim(2);
  const int depth = in.dim(3), out_h = out.dim(1), out_w = out.dim(2);
  const T* x = in.data_as<const T>();
  T* y = out.data_as<T>();
  for (int b = 0; b < batches; ++b) {
    for (int oy = 0; oy < out_h; ++oy) {
      const int y0 = oy * p.stride_h - win.pad_h;
      const int fy0 = std::max(0, -y0), fy1 = std::min(p.filter_h, in_h - y0);
      for (int ox = 0; ox < out_w; ++ox) {
        const int x0 = ox * p.stride_w - win.pad_w;
        const int fx0 = std::max(0, -x0);
        const int fx1 = std::min(p.filter_w, in_w - x0);
        for (int c = 0; c < depth; ++c) {
          int32_t acc =
              kKind == PoolKind::kMax ? std::numeric_limits<T>::lowest() : 0;
          int32_t count = 0;
          for (int fy = fy0; fy < fy1; ++fy) {
            const T* row =
                x + ((int64_t{b} * in_h + y0 + fy) * in_w + x0) * depth + c;
            for (int fx = fx0; fx < fx1; ++fx) {
              const int32_t v = row[int64_t{fx} * depth];
              if constexpr (kKind == PoolKind::kMax) {
                acc = std::max(acc, v);
              } else {
                acc += v;
              }
              ++count;
            }
          }
          if constexpr (kKind == PoolKind::kAverage) {
            // Division rounding half away from zero, as TFLite.
            if (count == 0) {
              acc = 0;
            } else {
              acc = acc > 0 ? (acc + count / 2) / count
                            : (acc - count / 2) / count;
            }
          }
          acc = std::clamp(acc, range.min, range.max);
          y[((int64_t{b} * out_h + oy) * out_w + ox) * depth + c] =
              static_cast<T>(acc);
        }
      }
    }
  }
}

template <PoolKind kKind>
void PoolFloat(const ir::Pool2DParams& p, const Window& win,
               const TensorView& in, const TensorView& out, FloatRange range) {
  const int batches = in.dim(0), in_h = in.dim(1), in_w = in.dim(2);
  const int depth = in.dim(3), out_h = out.dim(1), out_w = out.dim(2);
  const float* x = in.data_as<const float>();
  float* y = out.data_as<float>();
  for (int b = 0; b < batches; ++b) {
    for (int oy = 0; oy < out_h; ++oy) {
      const int y0 = oy * p.stride_h - win.pad_h;
      const int fy0 = std::max(0, -y0), fy1 = std::min(p.filter_h, in_h - y0);
      for (int ox = 0; ox < out_w; ++ox) {
        const int x0 = ox * p.stride_w - win.pad_w;
        const int fx0 = std::max(0, -x0);
        const int fx1 = std::min(p.filter_w, in_w - x0);
        for (int c = 0; c < depth; ++c) {
          float acc = kKind == PoolKind::kMax
                          ? std::numeric_limits<float>::lowest()
                          : 0.0f;
          int count = 0;
          for (int fy = fy0; fy < fy1; ++fy) {
            const float* row =
                x + ((int64_t{b} * in_h + y0 + fy) * in_w + x0) * depth + c;
            for (int fx = fx0; fx < fx1; ++fx) {
              const float v = row[int64_t{fx} * depth];
              if constexpr (kKind == PoolKind::kMax) {
                acc = std::max(acc, v);
              } else {
                acc += v;
              }
              ++count;
            }
          }
          if constexpr (kKind == PoolKind::kAverage) {
            acc = count == 0 ? 0.0f : acc / static_cast<float>(count);
          }
          y[((int64_t{b} * out_h + oy) * out_w + ox) * depth + c] =
              ApplyRange(acc, range);
        }
      }
    }
  }
}

template <PoolKind kKind>
class Pool2DKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const auto* p = ctx.params_if<ir::Pool2DParams>();
    if (p == nullptr) return ctx.Error("missing pool options");
    params_ = *p;
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.rank() != 4 || out.rank() != 4) {
      return ctx.Error("pooling needs rank-4 input and output");
    }
    if (in.dtype() != out.dtype()) {
      return ctx.Error("input dtype {} differs from output dtype {}",
                       DTypeName(in.dtype()), DTypeName(out.dtype()));
    }
    auto h =
        ir::ComputePaddedHeight(*p, in.dim(1), p->filter_h, p->stride_h, 1);
    if (!h.ok()) return ctx.Error("height: {}", h.status().message());
    auto w = ir::ComputePaddedWidth(*p, in.dim(2), p->filter_w, p->stride_w, 1);
    if (!w.ok()) return ctx.Error("width: {}", w.status().message());
    if (out.dim(0) != in.dim(0) || out.dim(1) != h->out ||
        out.dim(2) != w->out || out.dim(3) != in.dim(3)) {
      return ctx.Error("output shape {} does not match the pooled input",
                       ShapeToString(out.shape()));
    }
    window_.pad_h = h->pad_before;
    window_.pad_w = w->pad_before;
    dtype_ = in.dtype();
    switch (dtype_) {
      case DType::kFloat32: {
        auto r = ActivationRangeFloat(p->activation);
        if (!r.ok()) return ctx.Unsupported("{}", r.status().message());
        float_range_ = *r;
        return Status::Ok();
      }
      case DType::kInt8:
      case DType::kUInt8: {
        if (out.quant().empty()) {
          return ctx.Error("quantized output has no quantization parameters");
        }
        auto r = ActivationRangeQuantized(p->activation, dtype_, out.scale(),
                                          out.zero_point());
        if (!r.ok()) return ctx.Unsupported("{}", r.status().message());
        quant_range_ = *r;
        return Status::Ok();
      }
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    switch (dtype_) {
      case DType::kFloat32:
        PoolFloat<kKind>(params_, window_, in, out, float_range_);
        break;
      case DType::kInt8:
        PoolQuantized<int8_t, kKind>(params_, window_, in, out, quant_range_);
        break;
      case DType::kUInt8:
        PoolQuantized<uint8_t, kKind>(params_, window_, in, out, quant_range_);
        break;
      default:
        return ctx.UnsupportedDType(dtype_);
    }
    return Status::Ok();
  }

 private:
  ir::Pool2DParams params_;
  Window window_;
  DType dtype_ = DType::kFloat32;
  FloatRange float_range_;
  QuantizedRange quant_range_;
};

}  // namespace

std::unique_ptr<OpKernel> NewMaxPool2DKernel() {
  return std::make_unique<Pool2DKernel<PoolKind::kMax>>();
}

std::unique_ptr<OpKernel> NewAveragePool2DKernel() {
  return std::make_unique<Pool2DKernel<PoolKind::kAverage>>();
}

}  // namespace mai::backends::ref

// QUANTIZE: float32 -> int8/uint8/int16 (q = round_half_away(x / scale) +
// zero_point, clamped; per-tensor or per-channel), and requantization of
// int8/uint8 -> int8/uint8 and int16 -> int8/int16 with TFLite's fixed-point
// multiplier (input_scale / output_scale).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

template <typename Out>
void QuantizeFloat(const float* in, Out* out, int64_t outer, int64_t channels,
                   int64_t inner, const std::vector<float>& scales,
                   const std::vector<int32_t>& zero_points) {
  const double qmin = QuantMin(DTypeOf<Out>());
  const double qmax = QuantMax(DTypeOf<Out>());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float scale = scales[c];
      const double zp = zero_points[c];
      for (int64_t i = 0; i < inner; ++i) {
        // Float division and rounding half away from zero, as TFLite.
        const float r = std::round(*in++ / scale);
        double q = std::isnan(r) ? qmin : static_cast<double>(r) + zp;
        q = std::clamp(q, qmin, qmax);
        *out++ = static_cast<Out>(q);
      }
    }
  }
}

template <typename In, typename Out>
void Requantize(const In* in, Out* out, int64_t count, QuantizedMultiplier m,
                int32_t in_zp, int32_t out_zp) {
  const int32_t qmin = QuantMin(DTypeOf<Out>());
  const int32_t qmax = QuantMax(DTypeOf<Out>());
  for (int64_t i = 0; i < count; ++i) {
    const int32_t v =
        MultiplyByQuantizedMultiplier(static_cast<int32_t>(in[i]) - in_zp, m) +
        out_zp;
    out[i] = static_cast<Out>(std::clamp(v, qmin, qmax));
  }
}

bool IsQuantizedInt(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16;
}

bool ValidScale(float s) { return std::isfinite(s) && s > 0.0f; }

class QuantizeKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const DType in_t = in.dtype();
    const DType out_t = out.dtype();
    if (!IsQuantizedInt(out_t)) return ctx.UnsupportedDType(out_t);
    const ir::QuantParams& oq = out.quant();
    if (oq.empty()) return ctx.Error("output has no quantization parameters");
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input {} and output {} differ in size",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    for (float s : oq.scale) {
      if (!ValidScale(s)) return ctx.Error("invalid output scale {}", s);
    }

    if (in_t == DType::kFloat32) {
      // Per-channel when the output has several scales.
      const int64_t channels = static_cast<int64_t>(oq.scale.size());
      outer_ = 1;
      inner_ = 1;
      if (channels > 1) {
        const int dim = oq.quantized_dimension;
        if (dim < 0 || dim >= out.rank() || out.dim(dim) != channels) {
          return ctx.Error(
              "{} scales do not match quantized dimension {} of {}", channels,
              dim, ShapeToString(out.shape()));
        }
        for (int d = 0; d < dim; ++d) outer_ *= out.dim(d);
        for (int d = dim + 1; d < out.rank(); ++d) inner_ *= out.dim(d);
      } else {
        inner_ = out.num_elements();
      }
      scales_ = oq.scale;
      zero_points_.assign(channels, 0);
      for (int64_t c = 0; c < channels; ++c) {
        if (oq.zero_point.size() == oq.scale.size()) {
          zero_points_[c] = static_cast<int32_t>(oq.zero_point[c]);
        } else if (!oq.zero_point.empty()) {
          zero_points_[c] = static_cast<int32_t>(oq.zero_point[0]);
        }
      }
      return Status::Ok();
    }

    // Requantization.
    const bool supported =
        ((in_t == DType::kInt8 || in_t == DType::kUInt8) &&
         (out_t == DType::kInt8 || out_t == DType::kUInt8)) ||
        (in_t == DType::kInt16 &&
         (out_t == DType::kInt8 || out_t == DType::kInt16));
    if (!supported) {
      return ctx.Unsupported("requantization from {} to {} is not supported",
                             DTypeName(in_t), DTypeName(out_t));
    }
    const ir::QuantParams& iq = in.quant();
    if (iq.empty()) return ctx.Error("input has no quantization parameters");
    if (iq.per_channel() || oq.per_channel()) {
      return ctx.Unsupported("per-channel requantization is not supported");
    }
    if (!ValidScale(iq.scale[0])) {
      return ctx.Error("invalid input scale {}", iq.scale[0]);
    }
    multiplier_ = QuantizeMultiplier(static_cast<double>(iq.scale[0]) /
                                     static_cast<double>(oq.scale[0]));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const int64_t n = out.num_elements();
    if (n == 0) return Status::Ok();
    if (in.dtype() == DType::kFloat32) {
      const int64_t channels = static_cast<int64_t>(scales_.size());
      const float* x = in.data_as<const float>();
      switch (out.dtype()) {
        case DType::kInt8:
          QuantizeFloat(x, out.data_as<int8_t>(), outer_, channels, inner_,
                        scales_, zero_points_);
          break;
        case DType::kUInt8:
          QuantizeFloat(x, out.data_as<uint8_t>(), outer_, channels, inner_,
                        scales_, zero_points_);
          break;
        case DType::kInt16:
          QuantizeFloat(x, out.data_as<int16_t>(), outer_, channels, inner_,
                        scales_, zero_points_);
          break;
        default:
          return ctx.UnsupportedDType(out.dtype());
      }
      return Status::Ok();
    }
    const int32_t izp = in.zero_point();
    const int32_t ozp = out.zero_point();
    const QuantizedMultiplier m = multiplier_;
    switch (in.dtype()) {
      case DType::kInt8:
        if (out.dtype() == DType::kInt8) {
          Requantize(in.data_as<const int8_t>(), out.data_as<int8_t>(), n, m,
                     izp, ozp);
        } else {
          Requantize(in.data_as<const int8_t>(), out.data_as<uint8_t>(), n, m,
                     izp, ozp);
        }
        break;
      case DType::kUInt8:
        if (out.dtype() == DType::kInt8) {
          Requantize(in.data_as<const uint8_t>(), out.data_as<int8_t>(), n, m,
                     izp, ozp);
        } else {
          Requantize(in.data_as<const uint8_t>(), out.data_as<uint8_t>(), n, m,
                     izp, ozp);
        }
        break;
      case DType::kInt16:
        if (out.dtype() == DType::kInt8) {
          Requantize(in.data_as<const int16_t>(), out.data_as<int8_t>(), n, m,
                     izp, ozp);
        } else {
          Requantize(in.data_as<const int16_t>(), out.data_as<int16_t>(), n, m,
                     izp, ozp);
        }
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    return Status::Ok();
  }

 private:
  // Float input.
  int64_t outer_ = 1, inner_ = 1;
  std::vector<float> scales_;
  std::vector<int32_t> zero_points_;
  // Quantized input.
  QuantizedMultiplier multiplier_;
};

}  // namespace

std::unique_ptr<OpKernel> NewQuantizeKernel() {
  return std::make_unique<QuantizeKernel>();
}

}  // namespace mai::backends::ref

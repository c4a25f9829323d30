// DEQUANTIZE: int8/uint8/int16 -> float32 as scale * (q - zero_point)
// (per-tensor or per-channel), and float16 -> float32.
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

// IEEE 754 binary16 bits to float (exact; handles subnormals, inf, NaN).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: normalize the mantissa.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

template <typename In>
void Dequantize(const In* in, float* out, int64_t outer, int64_t channels,
                int64_t inner, const std::vector<float>& scales,
                const std::vector<int32_t>& zero_points) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      // float * small int is exact in double: one rounding, as TFLite.
      const double scale = scales[c];
      const int32_t zp = zero_points[c];
      for (int64_t i = 0; i < inner; ++i) {
        *out++ = static_cast<float>(scale * (static_cast<int32_t>(*in++) - zp));
      }
    }
  }
}

class DequantizeKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != DType::kFloat32)
      return ctx.UnsupportedDType(out.dtype());
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("input {} and output {} differ in size",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    switch (in.dtype()) {
      case DType::kFloat16:
        return Status::Ok();
      case DType::kInt8:
      case DType::kUInt8:
      case DType::kInt16:
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    const ir::QuantParams& q = in.quant();
    if (q.empty()) return ctx.Error("input has no quantization parameters");
    const int64_t channels = static_cast<int64_t>(q.scale.size());
    outer_ = 1;
    inner_ = 1;
    if (channels > 1) {
      const int dim = q.quantized_dimension;
      if (dim < 0 || dim >= in.rank() || in.dim(dim) != channels) {
        return ctx.Error("{} scales do not match quantized dimension {} of {}",
                         channels, dim, ShapeToString(in.shape()));
      }
      for (int d = 0; d < dim; ++d) outer_ *= in.dim(d);
      for (int d = dim + 1; d < in.rank(); ++d) inner_ *= in.dim(d);
    } else {
      inner_ = in.num_elements();
    }
    scales_ = q.scale;
    zero_points_.assign(channels, 0);
    for (int64_t c = 0; c < channels; ++c) {
      if (q.zero_point.size() == q.scale.size()) {
        zero_points_[c] = static_cast<int32_t>(q.zero_point[c]);
      } else if (!q.zero_point.empty()) {
        zero_points_[c] = static_cast<int32_t>(q.zero_point[0]);
      }
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const int64_t n = out.num_elements();
    if (n == 0) return Status::Ok();
    float* y = out.data_as<float>();
    const int64_t channels = static_cast<int64_t>(scales_.size());
    switch (in.dtype()) {
      case DType::kFloat16: {
        const uint8_t* src = in.data_as<const uint8_t>();
        for (int64_t i = 0; i < n; ++i) {
          uint16_t h;
          std::memcpy(&h, src + 2 * i, 2);
          y[i] = HalfToFloat(h);
        }
        break;
      }
      case DType::kInt8:
        Dequantize(in.data_as<const int8_t>(), y, outer_, channels, inner_,
                   scales_, zero_points_);
        break;
      case DType::kUInt8:
        Dequantize(in.data_as<const uint8_t>(), y, outer_, channels, inner_,
                   scales_, zero_points_);
        break;
      case DType::kInt16:
        Dequantize(in.data_as<const int16_t>(), y, outer_, channels, inner_,
                   scales_, zero_points_);
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    return Status::Ok();
  }

 private:
  int64_t outer_ = 1, inner_ = 1;
  std::vector<float> scales_;
  std::vector<int32_t> zero_points_;
};

}  // namespace

std::unique_ptr<OpKernel> NewDequantizeKernel() {
  return std::make_unique<DequantizeKernel>();
}

}  // namespace mai::backends::ref

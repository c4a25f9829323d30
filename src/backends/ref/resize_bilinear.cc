// RESIZE_BILINEAR on NHWC tensors, as TFLite's reference kernels compute it:
// float32 and uint8 with float source coordinates (uint8 rounds by adding
// 0.5 before truncation), int8 and int16 with 10-bit fixed-point
// coordinates and weights.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

struct Geometry {
  int64_t batches = 0, in_h = 0, in_w = 0, depth = 0, out_h = 0, out_w = 0;
  bool align_corners = false;
  bool half_pixel_centers = false;
};

// Source coordinate of output index `value` and its two neighbours.
void FloatCoordinate(int64_t value, float scale, bool half_pixel_centers,
                     int64_t input_size, float* scaled, int64_t* lower,
                     int64_t* upper) {
  const float v = static_cast<float>(value);
  *scaled = half_pixel_centers ? (v + 0.5f) * scale - 0.5f : v * scale;
  const float floor_value = std::floor(*scaled);
  *lower =
      std::clamp<int64_t>(static_cast<int64_t>(floor_value), 0, input_size - 1);
  *upper = std::min(static_cast<int64_t>(std::ceil(*scaled)), input_size - 1);
  *upper = std::max<int64_t>(*upper, 0);
}

template <typename T>
void ResizeFloatPath(const Geometry& g, const T* input, T* output) {
  float height_scale = static_cast<float>(g.in_h) / static_cast<float>(g.out_h);
  float width_scale = static_cast<float>(g.in_w) / static_cast<float>(g.out_w);
  if (g.align_corners && g.out_h > 1) {
    height_scale =
        static_cast<float>(g.in_h - 1) / static_cast<float>(g.out_h - 1);
  }
  if (g.align_corners && g.out_w > 1) {
    width_scale =
        static_cast<float>(g.in_w - 1) / static_cast<float>(g.out_w - 1);
  }
  constexpr bool kInteger = std::numeric_limits<T>::is_integer;
  const float rounding = kInteger ? 0.5f : 0.0f;
  const int64_t row_stride = g.in_w * g.depth;
  for (int64_t b = 0; b < g.batches; ++b) {
    const T* batch = input + b * g.in_h * row_stride;
    for (int64_t y = 0; y < g.out_h; ++y) {
      float in_y;
      int64_t y0, y1;
      FloatCoordinate(y, height_scale, g.half_pixel_centers, g.in_h, &in_y, &y0,
                      &y1);
      const float dy = in_y - static_cast<float>(y0);
      for (int64_t x = 0; x < g.out_w; ++x) {
        float in_x;
        int64_t x0, x1;
        FloatCoordinate(x, width_scale, g.half_pixel_centers, g.in_w, &in_x,
                        &x0, &x1);
        const float dx = in_x - static_cast<float>(x0);
        const T* p00 = batch + y0 * row_stride + x0 * g.depth;
        const T* p10 = batch + y1 * row_stride + x0 * g.depth;
        const T* p01 = batch + y0 * row_stride + x1 * g.depth;
        const T* p11 = batch + y1 * row_stride + x1 * g.depth;
        for (int64_t c = 0; c < g.depth; ++c) {
          // Same operation order as TFLite's reference kernel.
          float v = static_cast<float>(p00[c]) * (1 - dy) * (1 - dx) +
                    static_cast<float>(p10[c]) * dy * (1 - dx) +
                    static_cast<float>(p01[c]) * (1 - dy) * dx +
                    static_cast<float>(p11[c]) * dy * dx + rounding;
          if constexpr (kInteger) {
            v = std::clamp(v, static_cast<float>(std::numeric_limits<T>::min()),
                           static_cast<float>(std::numeric_limits<T>::max()));
          }
          *output++ = static_cast<T>(v);
        }
      }
    }
  }
}

// Fixed-point variant: coordinates and weights in units of 1/1024.
void IntegerCoordinate(int64_t value, int64_t scale_10, bool half_pixel_centers,
                       int64_t input_size, int64_t* scaled, int64_t* lower,
                       int64_t* upper) {
  *scaled = half_pixel_centers ? value * scale_10 + scale_10 / 2 - (1 << 9)
                               : value * scale_10;
  // C++ division truncates toward zero, as TFLite's does.
  *lower = std::clamp<int64_t>(*scaled / (1 << 10), 0, input_size - 1);
  *upper = std::clamp<int64_t>((*scaled + (1 << 10) - 1) / (1 << 10), 0,
                               input_size - 1);
}

template <typename T>
void ResizeInteger(const Geometry& g, const T* input, T* output) {
  int64_t height_scale_10 =
      ((int64_t{1} << 10) * g.in_h + g.out_h / 2) / g.out_h;
  int64_t width_scale_10 =
      ((int64_t{1} << 10) * g.in_w + g.out_w / 2) / g.out_w;
  if (g.align_corners && g.out_h > 1) {
    height_scale_10 =
        ((int64_t{1} << 10) * (g.in_h - 1) + (g.out_h - 1) / 2) / (g.out_h - 1);
  }
  if (g.align_corners && g.out_w > 1) {
    width_scale_10 =
        ((int64_t{1} << 10) * (g.in_w - 1) + (g.out_w - 1) / 2) / (g.out_w - 1);
  }
  constexpr int64_t kOne = 1 << 10;
  const int64_t row_stride = g.in_w * g.depth;
  for (int64_t b = 0; b < g.batches; ++b) {
    const T* batch = input + b * g.in_h * row_stride;
    for (int64_t y = 0; y < g.out_h; ++y) {
      int64_t in_y, y0, y1;
      IntegerCoordinate(y, height_scale_10, g.half_pixel_centers, g.in_h, &in_y,
                        &y0, &y1);
      const int64_t wy1 = in_y - kOne * y0;  // weight of row y1
      const int64_t wy0 = kOne - wy1;        // weight of row y0
      for (int64_t x = 0; x < g.out_w; ++x) {
        int64_t in_x, x0, x1;
        IntegerCoordinate(x, width_scale_10, g.half_pixel_centers, g.in_w,
                          &in_x, &x0, &x1);
        const int64_t wx1 = in_x - kOne * x0;
        const int64_t wx0 = kOne - wx1;
        const T* p00 = batch + y0 * row_stride + x0 * g.depth;
        const T* p10 = batch + y1 * row_stride + x0 * g.depth;
        const T* p01 = batch + y0 * row_stride + x1 * g.depth;
        const T* p11 = batch + y1 * row_stride + x1 * g.depth;
        for (int64_t c = 0; c < g.depth; ++c) {
          const int64_t sum = p00[c] * wy0 * wx0 + p10[c] * wy1 * wx0 +
                              p01[c] * wy0 * wx1 + p11[c] * wy1 * wx1;
          // Round half away from zero, then truncate (TFLite's default).
          const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
          const int64_t v = std::clamp<int64_t>((sum + round) / (1 << 20),
                                                std::numeric_limits<T>::min(),
                                                std::numeric_limits<T>::max());
          *output++ = static_cast<T>(v);
        }
      }
    }
  }
}

class ResizeBilinearKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    switch (in.dtype()) {
      case DType::kFloat32:
      case DType::kUInt8:
      case DType::kInt8:
      case DType::kInt16:
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    if (in.rank() != 4 || out.rank() != 4 || in.dim(0) != out.dim(0) ||
        in.dim(3) != out.dim(3)) {
      return ctx.Error("input {} and output {} must be NHWC with equal N and C",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    g_.batches = in.dim(0);
    g_.in_h = in.dim(1);
    g_.in_w = in.dim(2);
    g_.depth = in.dim(3);
    g_.out_h = out.dim(1);
    g_.out_w = out.dim(2);
    if (g_.out_h <= 0 || g_.out_w <= 0)
      return ctx.Error("output size must be positive");
    if (g_.in_h <= 0 || g_.in_w <= 0) {
      if (out.num_elements() > 0)
        return ctx.Error("cannot resize an empty input");
    }
    if (const auto* p = ctx.params_if<ir::ResizeParams>()) {
      g_.align_corners = p->align_corners;
      g_.half_pixel_centers = p->half_pixel_centers;
    }
    if (g_.align_corners && g_.half_pixel_centers) {
      return ctx.Error("align_corners and half_pixel_centers are exclusive");
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.num_elements() == 0) return Status::Ok();
    switch (in.dtype()) {
      case DType::kFloat32:
        ResizeFloatPath(g_, in.data_as<const float>(), out.data_as<float>());
        break;
      case DType::kUInt8:
        ResizeFloatPath(g_, in.data_as<const uint8_t>(),
                        out.data_as<uint8_t>());
        break;
      case DType::kInt8:
        ResizeInteger(g_, in.data_as<const int8_t>(), out.data_as<int8_t>());
        break;
      case DType::kInt16:
        ResizeInteger(g_, in.data_as<const int16_t>(), out.data_as<int16_t>());
        break;
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
    return Status::Ok();
  }

 private:
  Geometry g_;
};

}  // namespace

std::unique_ptr<OpKernel> NewResizeBilinearKernel() {
  return std::make_unique<ResizeBilinearKernel>();
}

}  // namespace mai::backends::ref

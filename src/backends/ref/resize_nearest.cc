// RESIZE_NEAREST_NEIGHBOR on NHWC tensors of any fixed-size dtype, with
// TFLite's source index rule (float scale; round with align_corners, floor
// otherwise; half_pixel_centers offsets by 0.5).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {
namespace {

std::vector<int64_t> NearestMap(int32_t in_size, int32_t out_size,
                                bool align_corners, bool half_pixel_centers) {
  const float scale =
      (align_corners && out_size > 1)
          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  std::vector<int64_t> map(out_size);
  for (int32_t o = 0; o < out_size; ++o) {
    const float x = (static_cast<float>(o) + offset) * scale;
    int64_t i =
        static_cast<int64_t>(align_corners ? std::round(x) : std::floor(x));
    i = std::min<int64_t>(i, in_size - 1);
    map[o] = std::max<int64_t>(i, 0);
  }
  return map;
}

class ResizeNearestNeighborKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    elem_ = DTypeSize(in.dtype());
    if (elem_ == 0) return ctx.UnsupportedDType(in.dtype());
    if (in.rank() != 4 || out.rank() != 4 || in.dim(0) != out.dim(0) ||
        in.dim(3) != out.dim(3)) {
      return ctx.Error("input {} and output {} must be NHWC with equal N and C",
                       ShapeToString(in.shape()), ShapeToString(out.shape()));
    }
    if ((in.dim(1) == 0 || in.dim(2) == 0) && out.num_elements() > 0) {
      return ctx.Error("cannot resize an empty input");
    }
    bool align_corners = false, half_pixel_centers = false;
    if (const auto* p = ctx.params_if<ir::ResizeParams>()) {
      align_corners = p->align_corners;
      half_pixel_centers = p->half_pixel_centers;
    }
    if (align_corners && half_pixel_centers) {
      return ctx.Error("align_corners and half_pixel_centers are exclusive");
    }
    y_map_ =
        NearestMap(in.dim(1), out.dim(1), align_corners, half_pixel_centers);
    x_map_ =
        NearestMap(in.dim(2), out.dim(2), align_corners, half_pixel_centers);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.num_elements() == 0) return Status::Ok();
    const uint8_t* src = in.data_as<const uint8_t>();
    uint8_t* dst = out.data_as<uint8_t>();
    const int64_t pixel = static_cast<int64_t>(in.dim(3)) * elem_;
    const int64_t row = in.dim(2) * pixel;
    const int64_t image = in.dim(1) * row;
    for (int64_t b = 0; b < in.dim(0); ++b) {
      for (int64_t y : y_map_) {
        const uint8_t* src_row = src + b * image + y * row;
        for (int64_t x : x_map_) {
          std::memcpy(dst, src_row + x * pixel, pixel);
          dst += pixel;
        }
      }
    }
    return Status::Ok();
  }

 private:
  size_t elem_ = 0;
  std::vector<int64_t> y_map_, x_map_;
};

}  // namespace

std::unique_ptr<OpKernel> NewResizeNearestNeighborKernel() {
  return std::make_unique<ResizeNearestNeighborKernel>();
}

}  // namespace mai::backends::ref

// RESIZE_NEAREST_NEIGHBOR on NHWC tensors with tables of source offsets
// built in Prepare (the reference's index rule: float scale, round with
// align_corners, floor otherwise, +0.5 with half_pixel_centers). An output
// row whose source row equals the previous one's is one memcpy of it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

// Source index of every output index along one axis.
std::vector<int64_t> SourceIndices(int32_t in_size, int32_t out_size,
                                   bool align_corners,
                                   bool half_pixel_centers) {
  const float scale =
      (align_corners && out_size > 1)
          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  std::vector<int64_t> source(out_size);
  for (int32_t o = 0; o < out_size; ++o) {
    const float x = (static_cast<float>(o) + offset) * scale;
    const float rounded = align_corners ? std::round(x) : std::floor(x);
    source[o] = std::clamp<int64_t>(static_cast<int64_t>(rounded), 0,
                                    std::max(in_size - 1, 0));
  }
  return source;
}

// Copies the pixels of one output row: pixel o comes from src + offsets[o]
// (offsets in units of T, `words` T per pixel).
template <typename T>
void CopyPixels(const uint8_t* src_bytes, const std::vector<int64_t>& offsets,
                int64_t words, uint8_t* dst_bytes) {
  const T* __restrict src = reinterpret_cast<const T*>(src_bytes);
  T* __restrict dst = reinterpret_cast<T*>(dst_bytes);
  const int64_t n = static_cast<int64_t>(offsets.size());
  for (int64_t o = 0; o < n; ++o) {
    const T* s = src + offsets[o];
    for (int64_t w = 0; w < words; ++w) dst[w] = s[w];
    dst += words;
  }
}

class FastResizeNearestKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects an input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    const int64_t es = static_cast<int64_t>(DTypeSize(in.dtype()));
    if (es == 0) return ctx.UnsupportedDType(in.dtype());
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
    pixel_bytes_ = in.dim(3) * es;
    in_row_bytes_ = in.dim(2) * pixel_bytes_;
    in_image_bytes_ = in.dim(1) * in_row_bytes_;
    out_row_bytes_ = out.dim(2) * pixel_bytes_;
    out_height_ = out.dim(1);
    rows_ = static_cast<int64_t>(out.dim(0)) * out.dim(1);
    y_source_ =
        SourceIndices(in.dim(1), out.dim(1), align_corners, half_pixel_centers);
    // Word size of the pixel copy: 4 bytes when the pixel allows it.
    word_bytes_ = pixel_bytes_ % 4 == 0 ? 4 : 1;
    x_offsets_ =
        SourceIndices(in.dim(2), out.dim(2), align_corners, half_pixel_centers);
    for (int64_t& x : x_offsets_) x = x * pixel_bytes_ / word_bytes_;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& out = ctx.output(0);
    if (out.num_elements() == 0) return Status::Ok();
    const auto* src = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* dst = static_cast<uint8_t*>(out.data);
    fast::ParallelFor(
        ctx, rows_, 2 * rows_ * out_row_bytes_,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const int64_t b = r / out_height_;
            const int64_t y = r % out_height_;
            uint8_t* row = dst + r * out_row_bytes_;
            if (r > begin && y > 0 && y_source_[y] == y_source_[y - 1]) {
              std::memcpy(row, row - out_row_bytes_, out_row_bytes_);
              continue;
            }
            const uint8_t* src_row =
                src + b * in_image_bytes_ + y_source_[y] * in_row_bytes_;
            if (word_bytes_ == 4) {
              CopyPixels<uint32_t>(src_row, x_offsets_, pixel_bytes_ / 4, row);
            } else {
              CopyPixels<uint8_t>(src_row, x_offsets_, pixel_bytes_, row);
            }
          }
        });
    return Status::Ok();
  }

 private:
  int64_t pixel_bytes_ = 0, in_row_bytes_ = 0, in_image_bytes_ = 0;
  int64_t out_row_bytes_ = 0, out_height_ = 0, rows_ = 0;
  int64_t word_bytes_ = 1;
  std::vector<int64_t> y_source_;
  std::vector<int64_t> x_offsets_;  // source pixel offsets in words
};

}  // namespace

std::unique_ptr<OpKernel> NewFastResizeNearestKernel() {
  return std::make_unique<FastResizeNearestKernel>();
}

}  // namespace mai::backends::xnnpack

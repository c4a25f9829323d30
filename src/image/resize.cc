#include "image/resize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace mai::image {
namespace {

constexpr uint64_t kMaxFloats = uint64_t{1} << 31;

// The input samples [first, first + weights.size()) that output `i` mixes.
struct Taps {
  int first = 0;
  std::vector<double> weights;
};

std::vector<Taps> ComputeTaps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double widen = std::max(scale, 1.0);
  const double inv_widen = 1.0 / widen;
  const double support = widen;  // the triangle's radius is 1 before widening
  std::vector<Taps> taps(out_size);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(center - support)));
    const int hi =
        std::min(in_size, static_cast<int>(std::ceil(center + support)) + 1);
    Taps& t = taps[i];
    double sum = 0.0;
    for (int j = lo; j < hi; ++j) {
      const double x = (j + 0.5 - center) * inv_widen;
      const double w = std::max(0.0, 1.0 - std::abs(x));
      if (w == 0.0 && t.weights.empty()) continue;  // leading zeros
      if (t.weights.empty()) t.first = j;
      t.weights.push_back(w);
      sum += w;
    }
    while (!t.weights.empty() && t.weights.back() == 0.0) t.weights.pop_back();
    // The sample nearest the centre is within 0.5 of it, so sum > 0.
    for (double& w : t.weights) w /= sum;
  }
  return taps;
}

// Resamples along one axis. The image is viewed as `outer` blocks, each of
// `in_size` (or `out_size`) steps of `inner` contiguous floats.
std::vector<float> ResampleAxis(const std::vector<float>& src, size_t outer,
                                int in_size, int out_size, size_t inner) {
  const std::vector<Taps> taps = ComputeTaps(in_size, out_size);
  std::vector<float> dst(outer * out_size * inner);
  std::vector<double> acc(inner);
  for (size_t o = 0; o < outer; ++o) {
    const float* in = src.data() + o * in_size * inner;
    float* out = dst.data() + o * out_size * inner;
    for (int i = 0; i < out_size; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const Taps& t = taps[i];
      for (size_t k = 0; k < t.weights.size(); ++k) {
        const float* row = in + (t.first + k) * inner;
        for (size_t c = 0; c < inner; ++c) acc[c] += row[c] * t.weights[k];
      }
      for (size_t c = 0; c < inner; ++c)
        out[i * inner + c] = static_cast<float>(acc[c]);
    }
  }
  return dst;
}

}  // namespace

std::vector<float> ResizeHwc(std::span<const float> src, int src_h, int src_w,
                             int channels, int dst_h, int dst_w) {
  if (src_h <= 0 || src_w <= 0 || channels <= 0 || dst_h <= 0 || dst_w <= 0)
    return {};
  // Each factor is below 2^31, so no product below overflows 64 bits.
  const uint64_t src_pixels =
      uint64_t{static_cast<uint32_t>(src_h)} * static_cast<uint32_t>(src_w);
  const uint64_t dst_pixels =
      uint64_t{static_cast<uint32_t>(dst_h)} * static_cast<uint32_t>(dst_w);
  if (src_pixels > kMaxFloats || dst_pixels > kMaxFloats) return {};
  const uint64_t src_count = src_pixels * static_cast<uint32_t>(channels);
  const uint64_t dst_count = dst_pixels * static_cast<uint32_t>(channels);
  if (src_count > kMaxFloats || dst_count > kMaxFloats ||
      src.size() != src_count) {
    return {};
  }
  std::vector<float> image(src.begin(), src.end());
  const size_t c = static_cast<size_t>(channels);
  if (dst_w != src_w)  // rows of src_w pixels
    image = ResampleAxis(image, static_cast<size_t>(src_h), src_w, dst_w, c);
  if (dst_h != src_h)  // one block of src_h rows, each dst_w pixels
    image =
        ResampleAxis(image, 1, src_h, dst_h, static_cast<size_t>(dst_w) * c);
  return image;
}

}  // namespace mai::image

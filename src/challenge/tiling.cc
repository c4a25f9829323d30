#include "challenge/tiling.h"

#include <algorithm>
#include <cmath>

namespace mai::challenge {

std::vector<int> TileOrigins(int size, int window, int overlap) {
  if (window < 1 || window > size) return {};
  if (window == size) return {0};
  overlap = std::clamp(overlap, 0, window - 1);
  const int stride = window - overlap;
  // Fewest tiles whose stride does not exceed window - overlap.
  const int count = 1 + (size - window + stride - 1) / stride;
  std::vector<int> origins(count);
  for (int i = 0; i < count; ++i) {
    origins[i] = static_cast<int>(
        std::llround(static_cast<double>(i) * (size - window) / (count - 1)));
  }
  return origins;
}

TileBlender::TileBlender(int height, int width, int channels, int ramp)
    : height_(height),
      width_(width),
      channels_(channels),
      ramp_(std::max(ramp, 0)),
      sum_(static_cast<size_t>(height) * width * channels, 0.0),
      weight_(static_cast<size_t>(height) * width, 0.0) {}

float TileBlender::Weight(int t, int length, bool ramp_start,
                          bool ramp_end) const {
  float w = 1.0f;
  if (ramp_ > 0) {
    const int r = std::min(ramp_, length / 2);
    if (r > 0 && ramp_start) w = std::min(w, (t + 0.5f) / r);
    if (r > 0 && ramp_end) w = std::min(w, (length - t - 0.5f) / r);
  }
  return w;
}

void TileBlender::Add(std::span<const float> tile, int top, int left,
                      int tile_h, int tile_w) {
  const bool up = top > 0, down = top + tile_h < height_;
  const bool lft = left > 0, rgt = left + tile_w < width_;
  for (int y = 0; y < tile_h; ++y) {
    const float wy = Weight(y, tile_h, up, down);
    for (int x = 0; x < tile_w; ++x) {
      const float w = wy * Weight(x, tile_w, lft, rgt);
      const size_t p = static_cast<size_t>(top + y) * width_ + (left + x);
      weight_[p] += w;
      const float* src =
          tile.data() + (static_cast<size_t>(y) * tile_w + x) * channels_;
      for (int c = 0; c < channels_; ++c) {
        sum_[p * channels_ + c] += static_cast<double>(w) * src[c];
      }
    }
  }
}

std::vector<float> TileBlender::Result() const {
  std::vector<float> out(sum_.size(), 0.0f);
  for (size_t p = 0; p < weight_.size(); ++p) {
    if (weight_[p] <= 0) continue;
    for (int c = 0; c < channels_; ++c) {
      out[p * channels_ + c] =
          static_cast<float>(sum_[p * channels_ + c] / weight_[p]);
    }
  }
  return out;
}

}  // namespace mai::challenge

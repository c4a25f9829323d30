#include "image/channels.h"

namespace mai::image {

std::vector<float> ToChannels(const Image& image, int channels, float lo,
                              float hi) {
  if (channels != 1 && channels != 3) return {};
  const std::vector<float> all = ToFloat(image, lo, hi);
  if (all.empty()) return {};
  const int colour = image.channels >= 3 ? 3 : 1;
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  std::vector<float> out(pixels * channels);
  for (size_t p = 0; p < pixels; ++p) {
    const float* s = all.data() + p * image.channels;
    if (channels == 1) {
      out[p] =
          colour == 1 ? s[0] : 0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2];
    } else {
      for (int c = 0; c < 3; ++c) out[p * 3 + c] = colour == 1 ? s[0] : s[c];
    }
  }
  return out;
}

}  // namespace mai::image

#include "metrics/planes.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/color.h"

namespace mai::metrics {
namespace {

// The crop of `view` as one plane per channel, or the Y plane when
// `y_scale` > 0 (samples times y_scale are R, G, B in [0, 255]).
Planes Split(const ImageView& view, int border, double y_scale) {
  Planes planes;
  planes.height = view.height - 2 * border;
  planes.width = view.width - 2 * border;
  const size_t pixels = static_cast<size_t>(planes.height) * planes.width;
  const int out_channels = y_scale > 0.0 ? 1 : view.channels;
  planes.channels.assign(out_channels, std::vector<double>(pixels));
  size_t i = 0;
  for (int y = border; y < view.height - border; ++y) {
    for (int x = border; x < view.width - border; ++x, ++i) {
      const float* p =
          view.values.data() +
          (static_cast<size_t>(y) * view.width + x) * view.channels;
      if (y_scale > 0.0) {
        planes.channels[0][i] =
            RgbToY255(p[0] * y_scale, p[1] * y_scale, p[2] * y_scale);
      } else {
        for (int c = 0; c < view.channels; ++c) planes.channels[c][i] = p[c];
      }
    }
  }
  return planes;
}

}  // namespace

Result<PlanePair> PreparePair(const ImageView& a, const ImageView& b,
                              const PrepareOptions& options) {
  const std::string metric = options.metric;
  MAI_RETURN_IF_ERROR(CheckSameShape(a, b).WithContext(metric));
  if (!std::isfinite(options.data_range) || options.data_range <= 0.0) {
    return InvalidArgument("{}: data_range must be > 0, got {}", metric,
                           options.data_range);
  }
  if (options.crop_border < 0) {
    return InvalidArgument("{}: crop_border must be >= 0, got {}", metric,
                           options.crop_border);
  }
  const int64_t h = a.height - int64_t{2} * options.crop_border;
  const int64_t w = a.width - int64_t{2} * options.crop_border;
  if (h < options.min_size || w < options.min_size) {
    return InvalidArgument(
        "{}: needs at least {}x{} pixels{}{} after removing a border of {}; "
        "the {}x{} images leave {}x{}",
        metric, options.min_size, options.min_size,
        options.min_size_reason.empty() ? "" : " ", options.min_size_reason,
        options.crop_border, a.height, a.width, std::max<int64_t>(h, 0),
        std::max<int64_t>(w, 0));
  }
  if (options.y_channel && a.channels != 3) {
    return InvalidArgument("{}: y_channel needs 3 channels (RGB), got {}",
                           metric, a.channels);
  }
  const double y_scale = options.y_channel ? 255.0 / options.data_range : 0.0;
  PlanePair pair;
  pair.a = Split(a, options.crop_border, y_scale);
  pair.b = Split(b, options.crop_border, y_scale);
  pair.data_range = options.y_channel ? 255.0 : options.data_range;
  return pair;
}

}  // namespace mai::metrics

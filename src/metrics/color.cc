#include "metrics/color.h"

#include <cmath>
#include <cstddef>

namespace mai::metrics {

Result<std::vector<double>> RgbToY(const ImageView& rgb, double data_range) {
  MAI_RETURN_IF_ERROR(CheckImageView(rgb, "RGB to Y"));
  if (rgb.channels != 3) {
    return InvalidArgument("RGB to Y: needs 3 channels (RGB), got {}",
                           rgb.channels);
  }
  if (!std::isfinite(data_range) || data_range <= 0.0) {
    return InvalidArgument("RGB to Y: data_range must be > 0, got {}",
                           data_range);
  }
  const double scale = 255.0 / data_range;
  const size_t pixels =
      static_cast<size_t>(rgb.height) * static_cast<size_t>(rgb.width);
  std::vector<double> y(pixels);
  for (size_t i = 0; i < pixels; ++i) {
    const float* p = rgb.values.data() + 3 * i;
    y[i] = RgbToY255(p[0] * scale, p[1] * scale, p[2] * scale);
  }
  return y;
}

}  // namespace mai::metrics

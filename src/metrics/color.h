// RGB -> Y (luma of YCbCr), the channel super-resolution papers evaluate PSNR
// and SSIM on: MATLAB's rgb2ycbcr (ITU-R BT.601, studio swing), as in BasicSR
// and the NTIRE/MAI SR challenges. With R, G, B in [0, 255]:
//
//   Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255      (Y in [16, 235])
//
// computed in double and never rounded to integers.
#ifndef MAI_METRICS_COLOR_H_
#define MAI_METRICS_COLOR_H_

#include <vector>

#include "core/status.h"
#include "metrics/image_view.h"

namespace mai::metrics {

// Y of one pixel whose R, G, B are already scaled to [0, 255].
inline double RgbToY255(double r, double g, double b) {
  return 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
}

// Y of every pixel of `rgb`, whose samples span [0, data_range] (1 for [0, 1]
// floats, 255 for 8-bit values): each sample is first scaled by
// 255 / data_range. Returns height * width values, row-major, on the
// [16, 235] scale. Errors (InvalidArgument): an invalid view (see
// CheckImageView), channels != 3, data_range not finite and > 0.
Result<std::vector<double>> RgbToY(const ImageView& rgb,
                                   double data_range = 1.0);

}  // namespace mai::metrics

#endif  // MAI_METRICS_COLOR_H_

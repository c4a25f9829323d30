// The image metrics by name, as track files and `mai metrics` name them, so
// `mai eval` and `mai metrics` compute a figure the same way.
#ifndef MAI_METRICS_BY_NAME_H_
#define MAI_METRICS_BY_NAME_H_

#include <string>

#include "core/status.h"
#include "metrics/image_view.h"

namespace mai::metrics {

struct ImageMetricOptions {
  double data_range = 1.0;
  int crop_border = 0;     // psnr, ssim, ms_ssim
  bool y_channel = false;  // psnr, ssim, ms_ssim
};

// `metric` of `b` against `a`: psnr, ssim, ms_ssim (with the options), mse,
// mae, rmse (on the raw values). InvalidArgument for another name; the
// metric's own errors otherwise.
Result<double> ImageMetric(const std::string& metric, const ImageView& a,
                           const ImageView& b,
                           const ImageMetricOptions& options = {});

}  // namespace mai::metrics

#endif  // MAI_METRICS_BY_NAME_H_

// Internal to src/metrics: the preprocessing PSNR, SSIM and MS-SSIM share.
// Validates a pair of images, removes a border, optionally converts RGB to Y
// (see color.h) and splits the result into per-channel double planes.
#ifndef MAI_METRICS_PLANES_H_
#define MAI_METRICS_PLANES_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "metrics/image_view.h"

namespace mai::metrics {

// One image as channel planes, each height * width doubles, row-major.
struct Planes {
  int height = 0, width = 0;
  std::vector<std::vector<double>> channels;
};

struct PlanePair {
  Planes a, b;
  double data_range = 0.0;  // of the planes: 255 after the Y conversion
};

struct PrepareOptions {
  const char* metric = "";  // starts every error message, e.g. "PSNR"
  double data_range = 1.0;
  int crop_border = 0;
  bool y_channel = false;
  int min_size = 1;  // smallest height and width allowed after the crop
  // Why min_size, for the error message, e.g. "for the 11x11 window".
  std::string min_size_reason;
};

// Errors (InvalidArgument, "<metric>: ..."): invalid or differently shaped
// views (CheckSameShape); data_range not finite and > 0; crop_border < 0;
// fewer than min_size rows or columns left after the crop; y_channel with
// channels != 3.
Result<PlanePair> PreparePair(const ImageView& a, const ImageView& b,
                              const PrepareOptions& options);

}  // namespace mai::metrics

#endif  // MAI_METRICS_PLANES_H_

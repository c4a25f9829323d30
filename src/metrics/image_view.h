// ImageView: the read-only float image that the image fidelity metrics (PSNR,
// SSIM, MS-SSIM, RGB -> Y) take. It borrows the samples; the caller keeps
// them alive.
//
//   MAI_ASSIGN_OR_RETURN(image::Image img, image::ReadImage("hr.png"));
//   std::vector<float> hr = image::ToFloat(img, 0.0f, 1.0f);
//   metrics::ImageView view{img.height, img.width, img.channels, hr};
#ifndef MAI_METRICS_IMAGE_VIEW_H_
#define MAI_METRICS_IMAGE_VIEW_H_

#include <span>
#include <string_view>

#include "core/status.h"

namespace mai::metrics {

// Samples in HWC order: sample (y, x, c) is values[(y * width + x) *
// channels + c]. Any positive channel count (1 gray, 3 RGB, ...).
struct ImageView {
  int height = 0, width = 0, channels = 0;
  std::span<const float> values;
};

// OK when height, width and channels are positive, values.size() equals
// height * width * channels, and every value is finite. Otherwise an
// InvalidArgument whose message starts with `name` (e.g. "prediction").
Status CheckImageView(const ImageView& view, std::string_view name);

// Both views pass CheckImageView (as "a" and "b") and have the same height,
// width and channels; InvalidArgument "shape mismatch: a is HxWxC, b is ..."
// otherwise.
Status CheckSameShape(const ImageView& a, const ImageView& b);

}  // namespace mai::metrics

#endif  // MAI_METRICS_IMAGE_VIEW_H_

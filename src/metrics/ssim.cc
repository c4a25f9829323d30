#include "metrics/ssim.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include "metrics/planes.h"
#include "metrics/ssim_plane.h"

namespace mai::metrics {
namespace {

// 2x2 average pooling; an odd last row or column is repeated.
std::vector<double> Downsample(const std::vector<double>& in, int height,
                               int width) {
  const int out_h = (height + 1) / 2;
  const int out_w = (width + 1) / 2;
  std::vector<double> out(static_cast<size_t>(out_h) * out_w);
  for (int i = 0; i < out_h; ++i) {
    const size_t r0 = static_cast<size_t>(2 * i) * width;
    const size_t r1 =
        static_cast<size_t>(std::min(2 * i + 1, height - 1)) * width;
    for (int j = 0; j < out_w; ++j) {
      const int c0 = 2 * j;
      const int c1 = std::min(2 * j + 1, width - 1);
      out[static_cast<size_t>(i) * out_w + j] =
          (in[r0 + c0] + in[r0 + c1] + in[r1 + c0] + in[r1 + c1]) * 0.25;
    }
  }
  return out;
}

double PlaneMsSsim(std::vector<double> x, std::vector<double> y, int height,
                   int width, double data_range,
                   const std::vector<double>& weights) {
  double result = 1.0;
  for (size_t s = 0; s < weights.size(); ++s) {
    const SsimMeans means = PlaneSsim(x, y, height, width, data_range);
    if (s + 1 == weights.size()) {
      return result * std::pow(std::max(means.ssim, 0.0), weights[s]);
    }
    result *= std::pow(std::max(means.cs, 0.0), weights[s]);
    x = Downsample(x, height, width);
    y = Downsample(y, height, width);
    height = (height + 1) / 2;
    width = (width + 1) / 2;
  }
  return result;  // not reached: weights is never empty
}

}  // namespace

Result<SsimComponents> SsimWithComponents(const ImageView& a,
                                          const ImageView& b,
                                          const SsimOptions& options) {
  MAI_ASSIGN_OR_RETURN(
      PlanePair pair, PreparePair(a, b,
                                  {.metric = "SSIM",
                                   .data_range = options.data_range,
                                   .crop_border = options.crop_border,
                                   .y_channel = options.y_channel,
                                   .min_size = kSsimWindow,
                                   .min_size_reason = "for the 11x11 window"}));
  SsimComponents sum;
  const size_t channels = pair.a.channels.size();
  for (size_t c = 0; c < channels; ++c) {
    const SsimMeans means =
        PlaneSsim(pair.a.channels[c], pair.b.channels[c], pair.a.height,
                  pair.a.width, pair.data_range);
    sum.ssim += means.ssim;
    sum.cs += means.cs;
  }
  return SsimComponents{sum.ssim / channels, sum.cs / channels};
}

Result<double> Ssim(const ImageView& a, const ImageView& b,
                    const SsimOptions& options) {
  MAI_ASSIGN_OR_RETURN(SsimComponents components,
                       SsimWithComponents(a, b, options));
  return components.ssim;
}

int MsSsimMinSize(int scales) {
  int size = kSsimWindow;
  for (int s = 1; s < std::min(scales, 12); ++s) size = 2 * size - 1;
  return size;
}

Result<double> MsSsim(const ImageView& a, const ImageView& b,
                      const MsSsimOptions& options) {
  const std::vector<double>& weights = options.weights;
  if (weights.empty() || weights.size() > 12) {
    return InvalidArgument("MS-SSIM: needs 1 to 12 scale weights, got {}",
                           weights.size());
  }
  for (double w : weights) {
    if (!std::isfinite(w) || w < 0.0) {
      return InvalidArgument("MS-SSIM: scale weights must be >= 0, got {}", w);
    }
  }
  const int scales = static_cast<int>(weights.size());
  MAI_ASSIGN_OR_RETURN(
      PlanePair pair,
      PreparePair(a, b,
                  {.metric = "MS-SSIM",
                   .data_range = options.data_range,
                   .crop_border = options.crop_border,
                   .y_channel = options.y_channel,
                   .min_size = MsSsimMinSize(scales),
                   .min_size_reason = fmt::format(
                       "for {} scales (11x11 at the coarsest)", scales)}));
  double sum = 0.0;
  const size_t channels = pair.a.channels.size();
  for (size_t c = 0; c < channels; ++c) {
    sum += PlaneMsSsim(std::move(pair.a.channels[c]),
                       std::move(pair.b.channels[c]), pair.a.height,
                       pair.a.width, pair.data_range, weights);
  }
  return sum / channels;
}

}  // namespace mai::metrics

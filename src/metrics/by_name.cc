#include "metrics/by_name.h"

#include "metrics/basic.h"
#include "metrics/psnr.h"
#include "metrics/ssim.h"

namespace mai::metrics {
namespace {

template <typename Options>
Options With(const ImageMetricOptions& o) {
  Options out;
  out.data_range = o.data_range;
  out.crop_border = o.crop_border;
  out.y_channel = o.y_channel;
  return out;
}

}  // namespace

Result<double> ImageMetric(const std::string& metric, const ImageView& a,
                           const ImageView& b,
                           const ImageMetricOptions& options) {
  if (metric == "psnr") return Psnr(a, b, With<PsnrOptions>(options));
  if (metric == "ssim") return Ssim(a, b, With<SsimOptions>(options));
  if (metric == "ms_ssim") return MsSsim(a, b, With<MsSsimOptions>(options));
  if (metric == "mse") return Mse(b.values, a.values);
  if (metric == "mae") return Mae(b.values, a.values);
  if (metric == "rmse") return Rmse(b.values, a.values);
  return InvalidArgument("metric {} does not apply to images", metric);
}

}  // namespace mai::metrics

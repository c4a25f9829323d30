#include "metrics/psnr.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "metrics/planes.h"

namespace mai::metrics {

Result<double> Psnr(const ImageView& a, const ImageView& b,
                    const PsnrOptions& options) {
  MAI_ASSIGN_OR_RETURN(PlanePair pair,
                       PreparePair(a, b,
                                   {.metric = "PSNR",
                                    .data_range = options.data_range,
                                    .crop_border = options.crop_border,
                                    .y_channel = options.y_channel}));
  // Row sums keep the rounding error of the total small.
  double total = 0.0;
  const size_t width = static_cast<size_t>(pair.a.width);
  for (size_t c = 0; c < pair.a.channels.size(); ++c) {
    const std::vector<double>& pa = pair.a.channels[c];
    const std::vector<double>& pb = pair.b.channels[c];
    for (size_t row = 0; row < pa.size(); row += width) {
      double sum = 0.0;
      for (size_t i = row; i < row + width; ++i) {
        const double d = pa[i] - pb[i];
        sum += d * d;
      }
      total += sum;
    }
  }
  const double count = static_cast<double>(pair.a.channels.size()) *
                       static_cast<double>(pair.a.channels[0].size());
  const double mse = total / count;
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(pair.data_range * pair.data_range / mse);
}

}  // namespace mai::metrics

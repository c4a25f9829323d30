#include "metrics/depth.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace mai::metrics {

Result<DepthErrors> DepthMetrics(std::span<const float> pred,
                                 std::span<const float> target,
                                 std::span<const uint8_t> mask) {
  if (pred.empty() || pred.size() != target.size()) {
    return InvalidArgument(
        "depth metrics: prediction and target must be non-empty and the same "
        "size, got {} and {} values",
        pred.size(), target.size());
  }
  if (!mask.empty() && mask.size() != pred.size()) {
    return InvalidArgument(
        "depth metrics: mask has {} values, prediction and target have {}",
        mask.size(), pred.size());
  }
  std::vector<double> log_diff;  // d_i of the valid pixels
  double sq = 0.0, abs = 0.0, rel = 0.0, log10_sq = 0.0;
  for (size_t i = 0; i < pred.size(); ++i) {
    const double t = target[i];
    if (!(std::isfinite(t) && t > 0.0)) continue;
    if (!mask.empty() && mask[i] == 0) continue;
    const double p = pred[i];
    if (!std::isfinite(p)) {
      return InvalidArgument(
          "depth metrics: non-finite prediction {} at index {} (target {})", p,
          i, t);
    }
    if (p <= 0.0) continue;
    const double diff = p - t;
    sq += diff * diff;
    abs += std::abs(diff);
    rel += std::abs(diff) / t;
    const double l10 = std::log10(p) - std::log10(t);
    log10_sq += l10 * l10;
    log_diff.push_back(std::log(p) - std::log(t));
  }
  if (log_diff.empty()) {
    return InvalidArgument(
        "depth metrics: no valid pixel (target > 0, prediction > 0{}) among "
        "{}",
        mask.empty() ? "" : ", mask != 0", pred.size());
  }
  const double n = static_cast<double>(log_diff.size());
  double mean = 0.0;
  for (double d : log_diff) mean += d;
  mean /= n;
  double var = 0.0;
  for (double d : log_diff) var += (d - mean) * (d - mean);
  DepthErrors e;
  e.si_rmse = std::sqrt(var / n);
  e.rmse = std::sqrt(sq / n);
  e.mae = abs / n;
  e.abs_rel = rel / n;
  e.log10_rmse = std::sqrt(log10_sq / n);
  e.valid_pixels = static_cast<int64_t>(log_diff.size());
  return e;
}

Result<double> SiRmse(std::span<const float> pred,
                      std::span<const float> target,
                      std::span<const uint8_t> mask) {
  MAI_ASSIGN_OR_RETURN(DepthErrors e, DepthMetrics(pred, target, mask));
  return e.si_rmse;
}

}  // namespace mai::metrics

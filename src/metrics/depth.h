// Depth-estimation errors of the MAI monocular depth track: scale-invariant
// log RMSE (Eigen, Puhrsch, Fergus 2014), the challenge's main metric, with
// the usual RMSE, MAE, absolute relative error and log10 RMSE.
//
// Inputs are flat depth maps of any shape (e.g. H x W, row-major) with one
// value per pixel in the same order. A pixel is valid when
//   - target is finite and > 0 (0, negative, NaN or inf mark missing ground
//     truth, as in KITTI/NYU-style depth maps),
//   - prediction is > 0 (the log is undefined otherwise), and
//   - mask is empty or mask[i] != 0.
// Every metric averages over the same valid pixels:
//   d_i        = ln(pred_i) - ln(target_i)
//   si_rmse    = sqrt(mean(d^2) - mean(d)^2)   (computed as the root of the
//                mean squared deviation of d from its mean, which is the same
//                value without cancellation; 0 when pred = k * target)
//   rmse       = sqrt(mean((pred - target)^2))
//   mae        = mean(|pred - target|)
//   abs_rel    = mean(|pred - target| / target)
//   log10_rmse = sqrt(mean((log10(pred) - log10(target))^2))
// All sums are in double.
#ifndef MAI_METRICS_DEPTH_H_
#define MAI_METRICS_DEPTH_H_

#include <cstdint>
#include <span>

#include "core/status.h"

namespace mai::metrics {

struct DepthErrors {
  double si_rmse = 0.0;
  double rmse = 0.0;
  double mae = 0.0;
  double abs_rel = 0.0;
  double log10_rmse = 0.0;
  int64_t valid_pixels = 0;  // pixels the means ran over
};

// Errors (InvalidArgument, starting with "depth metrics:"): empty inputs;
// pred, target (and a non-empty mask) of different lengths; a NaN or infinite
// prediction at a pixel whose target is valid (a broken model output is
// reported, not skipped); no valid pixel.
Result<DepthErrors> DepthMetrics(std::span<const float> pred,
                                 std::span<const float> target,
                                 std::span<const uint8_t> mask = {});

// DepthMetrics(...).si_rmse, with the same errors.
Result<double> SiRmse(std::span<const float> pred,
                      std::span<const float> target,
                      std::span<const uint8_t> mask = {});

}  // namespace mai::metrics

#endif  // MAI_METRICS_DEPTH_H_

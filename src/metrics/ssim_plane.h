// Internal to src/metrics: the Gaussian SSIM of one pair of single-channel
// planes, computed as scikit-image 0.19's structural_similarity(x, y,
// data_range=R, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
// does on float64 arrays (Wang et al. 2004):
//
//   - window: 11-tap Gaussian, sigma 1.5 truncated at 3.5 sigma (radius 5),
//     normalised to sum 1, applied separably (rows, then columns) as
//     scipy.ndimage.gaussian_filter does;
//   - mu_x, mu_y, and the population (co)variances
//     var_x = G*(x^2) - mu_x^2, var_y likewise, cov = G*(xy) - mu_x mu_y;
//   - C1 = (0.01 R)^2, C2 = (0.03 R)^2;
//     SSIM map = (2 mu_x mu_y + C1)(2 cov + C2) /
//                ((mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2));
//   - the map is averaged after removing 5 pixels on every side.
//
// scikit-image filters the whole image with mode='reflect' and then discards
// that border, so only windows lying entirely inside the image are averaged:
// this code computes exactly those ("valid" filtering) and never pads.
#ifndef MAI_METRICS_SSIM_PLANE_H_
#define MAI_METRICS_SSIM_PLANE_H_

#include <vector>

namespace mai::metrics {

inline constexpr int kSsimWindow = 11;  // taps of the Gaussian window
inline constexpr int kSsimRadius = 5;   // (kSsimWindow - 1) / 2

struct SsimMeans {
  double ssim = 0.0;  // mean of the SSIM map
  // Mean of the contrast-structure map (2 cov + C2) / (var_x + var_y + C2),
  // the SSIM map without its luminance factor; used by MS-SSIM.
  double cs = 0.0;
};

// Requires height, width >= kSsimWindow and x.size() == y.size() ==
// height * width (row-major); data_range > 0. Checked by the callers.
SsimMeans PlaneSsim(const std::vector<double>& x, const std::vector<double>& y,
                    int height, int width, double data_range);

}  // namespace mai::metrics

#endif  // MAI_METRICS_SSIM_PLANE_H_

// Structural similarity: SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) and
// multi-scale SSIM (Wang, Simoncelli, Bovik 2003), the perceptual metrics of
// the MAI super-resolution, ISP and video tracks.
//
// Ssim matches scikit-image 0.19 exactly (to rounding, ~1e-15):
//   structural_similarity(a, b, data_range=R, gaussian_weights=True,
//                         sigma=1.5, use_sample_covariance=False,
//                         channel_axis=-1)   (or no channel_axis for gray)
// on the same values as float64 arrays: 11-tap Gaussian window (sigma 1.5,
// truncated at 3.5 sigma), K1 = 0.01, K2 = 0.03, population covariances, the
// SSIM map averaged without its 5-pixel border, computed per channel and then
// averaged over channels. Details in ssim_plane.h. (scikit-image computes
// float32 inputs in float32; mai always computes in double.)
//
// Identical images give exactly 1.
#ifndef MAI_METRICS_SSIM_H_
#define MAI_METRICS_SSIM_H_

#include <array>
#include <vector>

#include "core/status.h"
#include "metrics/image_view.h"

namespace mai::metrics {

struct SsimOptions {
  // Distance between the smallest and largest possible sample (1.0 for
  // [0, 1] floats, 255 for 8-bit values); sets C1 and C2. Finite and > 0.
  double data_range = 1.0;
  // Pixels removed from every side first (SR papers use the scale factor).
  // Must be >= 0 and leave at least 11x11 pixels.
  int crop_border = 0;
  // Compute on the Y channel of YCbCr (color.h; needs 3 channels, RGB):
  // samples scaled by 255 / data_range, Y in double without rounding, and
  // SSIM with data range 255 on Y.
  bool y_channel = false;
};

// Mean SSIM over the image, in [-1, 1]. Errors (InvalidArgument, starting
// with "SSIM:"): invalid views, non-finite samples or different shapes
// (CheckSameShape); bad options; images smaller than 11x11 (after the crop).
Result<double> Ssim(const ImageView& a, const ImageView& b,
                    const SsimOptions& options = {});

// SSIM with its contrast-structure part: `cs` is the mean (over the cropped
// map, then over channels) of (2 cov + C2) / (var_x + var_y + C2), i.e. the
// SSIM map without the luminance factor. Same errors as Ssim.
struct SsimComponents {
  double ssim = 0.0;
  double cs = 0.0;
};
Result<SsimComponents> SsimWithComponents(const ImageView& a,
                                          const ImageView& b,
                                          const SsimOptions& options = {});

// The five scale weights of Wang et al. 2003 (finest scale first).
inline constexpr std::array<double, 5> kMsSsimWeights = {0.0448, 0.2856, 0.3001,
                                                         0.2363, 0.1333};

struct MsSsimOptions {
  double data_range = 1.0;  // as in SsimOptions
  int crop_border = 0;      // as in SsimOptions, applied once at full size
  bool y_channel = false;   // as in SsimOptions
  // One weight per scale, finest first; M = weights.size() scales. Each must
  // be finite and >= 0. {1.0} gives plain SSIM.
  std::vector<double> weights{kMsSsimWeights.begin(), kMsSsimWeights.end()};
};

// MS-SSIM = prod_{j<M} max(cs_j, 0)^w_j * max(ssim_M, 0)^w_M, where cs_j is
// SsimComponents::cs at scale j and ssim_M the full SSIM (luminance too) at
// the coarsest scale, each scale using the Gaussian SSIM above. Negative
// terms are clamped to 0 (as TensorFlow's ssim_multiscale does) so that a
// fractional power stays real. Computed per channel, then averaged over
// channels (as TensorFlow and pytorch_msssim do).
//
// Between scales both images are 2x2 average-pooled: out(i, j) = mean of
// in(2i..2i+1, 2j..2j+1); an odd last row or column is repeated, so a side
// of n becomes ceil(n / 2). This is Wang's reference msssim.m (imfilter with
// ones(2)/4, 'symmetric', then every other sample).
//
// No independent implementation was available to test against; the tests
// check identity (1), symmetry, the 1-scale case (== Ssim) and a hand-built
// 2-scale case from Ssim/SsimWithComponents.
//
// Errors (InvalidArgument, starting with "MS-SSIM:"): as Ssim, plus bad
// weights, and images too small for the coarsest scale to be 11x11 (with 5
// scales: at least MsSsimMinSize(5) == 161 pixels per side after the crop).
Result<double> MsSsim(const ImageView& a, const ImageView& b,
                      const MsSsimOptions& options = {});

// The smallest side length whose `scales`-th scale (each halving rounding
// up) is still at least 11 pixels: 11 * 2^(scales-1) - (2^(scales-1) - 1);
// 161 for 5 scales, 11 for 1. `scales` is clamped to [1, 12].
int MsSsimMinSize(int scales);

}  // namespace mai::metrics

#endif  // MAI_METRICS_SSIM_H_

// Peak signal-to-noise ratio, the fidelity metric of the MAI image
// super-resolution, ISP and denoising tracks:
//
//   PSNR = 10 * log10(data_range^2 / MSE)   (dB)
//
// MSE is the mean of the squared differences over every sample of every
// channel (not a mean of per-channel PSNRs), computed in double. This equals
// scikit-image's peak_signal_noise_ratio(a, b, data_range=data_range) on the
// same values as float64 arrays.
//
// Identical images (MSE == 0) give +infinity, as scikit-image does; callers
// that average PSNR over a data set should decide how to treat it.
#ifndef MAI_METRICS_PSNR_H_
#define MAI_METRICS_PSNR_H_

#include "core/status.h"
#include "metrics/image_view.h"

namespace mai::metrics {

struct PsnrOptions {
  // Distance between the smallest and largest possible sample: 1.0 for
  // [0, 1] floats, 255 for 8-bit values. Must be finite and > 0.
  double data_range = 1.0;
  // Pixels removed from every side before computing; SR papers use the
  // scale factor. Must be >= 0 and leave at least 1x1 pixels.
  int crop_border = 0;
  // Compute on the Y channel of YCbCr (see color.h; needs 3 channels, RGB):
  // samples are scaled by 255 / data_range to [0, 255], converted to Y in
  // double without rounding, and PSNR uses data range 255 on Y.
  bool y_channel = false;
};

// PSNR of `b` against `a` (symmetric). Errors (InvalidArgument, starting with
// "PSNR:"): invalid views, non-finite samples or different shapes
// (CheckSameShape); bad options as documented above.
Result<double> Psnr(const ImageView& a, const ImageView& b,
                    const PsnrOptions& options = {});

}  // namespace mai::metrics

#endif  // MAI_METRICS_PSNR_H_

#include "metrics/ssim_plane.h"

#include <array>
#include <cmath>
#include <cstddef>

namespace mai::metrics {
namespace {

using Kernel = std::array<double, kSsimWindow>;

// scipy.ndimage's Gaussian: exp(-x^2 / (2 sigma^2)) for x in [-5, 5],
// divided by its sum (added in NumPy's order for 11 values: eight partial
// sums paired up, then the last three, so the weights match to the bit).
Kernel MakeKernel() {
  constexpr double kSigma = 1.5;
  const double scale = -0.5 / (kSigma * kSigma);
  Kernel k;
  for (int i = 0; i < kSsimWindow; ++i) {
    const double x = i - kSsimRadius;
    k[i] = std::exp(scale * (x * x));
  }
  double sum =
      ((k[0] + k[1]) + (k[2] + k[3])) + ((k[4] + k[5]) + (k[6] + k[7]));
  for (int i = 8; i < kSsimWindow; ++i) sum += k[i];
  for (double& v : k) v /= sum;
  return k;
}

const Kernel& GaussianKernel() {
  static const Kernel kernel = MakeKernel();
  return kernel;
}

// Correlates `in` (height x width) with the kernel along rows and then along
// columns, keeping only outputs whose window is inside the image:
// (height - 10) x (width - 10) values. Symmetric taps are added pairwise,
// outermost first, as scipy's correlate1d does.
std::vector<double> FilterValid(const std::vector<double>& in, int height,
                                int width) {
  const Kernel& k = GaussianKernel();
  const int out_h = height - 2 * kSsimRadius;
  const int out_w = width - 2 * kSsimRadius;
  const size_t w = static_cast<size_t>(width);
  const ptrdiff_t stride = width;
  // Vertical pass: out_h x width.
  std::vector<double> tmp(static_cast<size_t>(out_h) * w);
  for (int r = 0; r < out_h; ++r) {
    const double* center = in.data() + (r + kSsimRadius) * w;
    double* out = tmp.data() + r * w;
    for (size_t c = 0; c < w; ++c) {
      const double* p = center + c;
      double acc = *p * k[kSsimRadius];
      for (int j = kSsimRadius; j > 0; --j) {
        const ptrdiff_t step = j * stride;
        acc += (p[-step] + p[step]) * k[kSsimRadius - j];
      }
      out[c] = acc;
    }
  }
  // Horizontal pass: out_h x out_w.
  std::vector<double> result(static_cast<size_t>(out_h) * out_w);
  for (int r = 0; r < out_h; ++r) {
    const double* row = tmp.data() + r * w + kSsimRadius;
    double* out = result.data() + static_cast<size_t>(r) * out_w;
    for (int c = 0; c < out_w; ++c) {
      double acc = row[c] * k[kSsimRadius];
      for (int j = kSsimRadius; j > 0; --j) {
        acc += (row[c - j] + row[c + j]) * k[kSsimRadius - j];
      }
      out[c] = acc;
    }
  }
  return result;
}

std::vector<double> Product(const std::vector<double>& a,
                            const std::vector<double>& b) {
  std::vector<double> p(a.size());
  for (size_t i = 0; i < a.size(); ++i) p[i] = a[i] * b[i];
  return p;
}

}  // namespace

SsimMeans PlaneSsim(const std::vector<double>& x, const std::vector<double>& y,
                    int height, int width, double data_range) {
  const std::vector<double> ux = FilterValid(x, height, width);
  const std::vector<double> uy = FilterValid(y, height, width);
  const std::vector<double> uxx = FilterValid(Product(x, x), height, width);
  const std::vector<double> uyy = FilterValid(Product(y, y), height, width);
  const std::vector<double> uxy = FilterValid(Product(x, y), height, width);
  const double c1 = (0.01 * data_range) * (0.01 * data_range);
  const double c2 = (0.03 * data_range) * (0.03 * data_range);
  const size_t out_w = static_cast<size_t>(width - 2 * kSsimRadius);
  double ssim_total = 0.0, cs_total = 0.0;
  for (size_t row = 0; row < ux.size(); row += out_w) {
    double ssim_sum = 0.0, cs_sum = 0.0;  // per row, for accuracy
    for (size_t i = row; i < row + out_w; ++i) {
      const double vx = uxx[i] - ux[i] * ux[i];
      const double vy = uyy[i] - uy[i] * uy[i];
      const double vxy = uxy[i] - ux[i] * uy[i];
      const double a1 = 2.0 * ux[i] * uy[i] + c1;
      const double a2 = 2.0 * vxy + c2;
      const double b1 = ux[i] * ux[i] + uy[i] * uy[i] + c1;
      const double b2 = vx + vy + c2;
      ssim_sum += (a1 * a2) / (b1 * b2);
      cs_sum += a2 / b2;
    }
    ssim_total += ssim_sum;
    cs_total += cs_sum;
  }
  const double count = static_cast<double>(ux.size());
  return {ssim_total / count, cs_total / count};
}

}  // namespace mai::metrics

#include "metrics/basic.h"

#include <cmath>
#include <cstddef>

namespace mai::metrics {
namespace {

Status CheckPair(std::span<const float> a, std::span<const float> b,
                 const char* metric) {
  if (a.empty() || b.empty()) {
    return InvalidArgument("{}: empty input (a has {} values, b has {})",
                           metric, a.size(), b.size());
  }
  if (a.size() != b.size()) {
    return InvalidArgument("{}: size mismatch: a has {} values, b has {}",
                           metric, a.size(), b.size());
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) {
      return InvalidArgument("{}: non-finite value at index {} (a {}, b {})",
                             metric, i, a[i], b[i]);
    }
  }
  return Status::Ok();
}

// Mean of |a - b|^power (power 1 or 2) in double; inputs already checked.
double MeanError(std::span<const float> a, std::span<const float> b,
                 int power) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += power == 2 ? d * d : std::abs(d);
  }
  return sum / static_cast<double>(a.size());
}

}  // namespace

Result<double> Mse(std::span<const float> a, std::span<const float> b) {
  MAI_RETURN_IF_ERROR(CheckPair(a, b, "MSE"));
  return MeanError(a, b, 2);
}

Result<double> Mae(std::span<const float> a, std::span<const float> b) {
  MAI_RETURN_IF_ERROR(CheckPair(a, b, "MAE"));
  return MeanError(a, b, 1);
}

Result<double> Rmse(std::span<const float> a, std::span<const float> b) {
  MAI_RETURN_IF_ERROR(CheckPair(a, b, "RMSE"));
  return std::sqrt(MeanError(a, b, 2));
}

Result<double> Top1Accuracy(std::span<const float> scores,
                            std::span<const int32_t> labels, int num_classes) {
  if (num_classes < 1) {
    return InvalidArgument("top-1 accuracy: num_classes must be >= 1, got {}",
                           num_classes);
  }
  if (labels.empty()) return InvalidArgument("top-1 accuracy: no labels");
  const size_t k = static_cast<size_t>(num_classes);
  if (scores.size() / k != labels.size() || scores.size() % k != 0) {
    return InvalidArgument(
        "top-1 accuracy: {} labels x {} classes needs {} scores, got {}",
        labels.size(), num_classes, labels.size() * k, scores.size());
  }
  size_t correct = 0;
  for (size_t n = 0; n < labels.size(); ++n) {
    if (labels[n] < 0 || labels[n] >= num_classes) {
      return InvalidArgument(
          "top-1 accuracy: label {} of row {} is outside [0, {})", labels[n], n,
          num_classes);
    }
    const float* row = scores.data() + n * k;
    size_t best = 0;
    for (size_t c = 0; c < k; ++c) {
      if (std::isnan(row[c])) {
        return InvalidArgument("top-1 accuracy: NaN score at row {}, class {}",
                               n, c);
      }
      if (row[c] > row[best]) best = c;  // strict: the lowest index wins ties
    }
    if (best == static_cast<size_t>(labels[n])) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

}  // namespace mai::metrics

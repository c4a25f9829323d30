#include "bench/compare_stats.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "bench/latency_stats.h"

namespace mai::bench {
namespace {

Status CheckSamples(std::span<const double> s, const char* name) {
  if (s.empty()) return InvalidArgument("sample set {} is empty", name);
  for (double x : s) {
    if (!std::isfinite(x))
      return InvalidArgument("sample set {} has a non-finite value", name);
  }
  return Status::Ok();
}

// Uniform index in [0, n): the high 64 bits of a 64 x 64-bit product
// (bias below n / 2^64, negligible for sample counts).
size_t DrawIndex(std::mt19937_64& rng, size_t n) {
  const unsigned __int128 product =
      static_cast<unsigned __int128>(rng()) * static_cast<uint64_t>(n);
  return static_cast<size_t>(product >> 64);
}

// Quantile q of `v` (any order; reordered in place), by the interpolation of
// QuantileOfSorted, in O(n) with nth_element.
double QuantileInPlace(std::vector<double>& v, double q) {
  const double h = static_cast<double>(v.size() - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  const double x_lo = v[lo];
  if (lo + 1 >= v.size()) return x_lo;
  const double x_hi = *std::min_element(v.begin() + lo + 1, v.end());
  return x_lo + (h - static_cast<double>(lo)) * (x_hi - x_lo);
}

double Quantile(std::span<const double> s, double q) {
  std::vector<double> v(s.begin(), s.end());
  return QuantileInPlace(v, q);
}

Status CheckOptions(double q, const CompareOptions& o) {
  if (!(q >= 0 && q <= 1))
    return InvalidArgument("quantile {} not in [0, 1]", q);
  if (o.resamples < 1)
    return InvalidArgument("resamples must be >= 1, got {}", o.resamples);
  if (!(o.confidence > 0 && o.confidence < 1))
    return InvalidArgument("confidence {} not in (0, 1)", o.confidence);
  if (!(o.alpha > 0 && o.alpha < 1))
    return InvalidArgument("alpha {} not in (0, 1)", o.alpha);
  return Status::Ok();
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFaster:
      return "faster";
    case Verdict::kSlower:
      return "slower";
    case Verdict::kNoDifference:
      break;
  }
  return "no detectable difference";
}

Result<MannWhitneyResult> MannWhitneyU(std::span<const double> a,
                                       std::span<const double> b) {
  MAI_RETURN_IF_ERROR(CheckSamples(a, "A"));
  MAI_RETURN_IF_ERROR(CheckSamples(b, "B"));
  const size_t na = a.size(), nb = b.size(), n = na + nb;
  // Pooled values tagged with their origin, sorted; ties get mean ranks.
  std::vector<std::pair<double, bool>> pooled;
  pooled.reserve(n);
  for (double x : a) pooled.emplace_back(x, true);
  for (double x : b) pooled.emplace_back(x, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& l, const auto& r) { return l.first < r.first; });
  double rank_sum_a = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mean_rank = (static_cast<double>(i + 1 + j)) / 2;  // 1-based
    for (size_t k = i; k < j; ++k) {
      if (pooled[k].second) rank_sum_a += mean_rank;
    }
    tie_term += t * t * t - t;
    i = j;
  }
  const double dna = static_cast<double>(na), dnb = static_cast<double>(nb),
               dn = static_cast<double>(n);
  MannWhitneyResult r;
  r.u = rank_sum_a - dna * (dna + 1) / 2;
  const double mu = dna * dnb / 2;
  const double var = dna * dnb / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
  if (!(var > 0)) return r;  // every value tied: no evidence either way
  const double dev = std::max(0.0, std::fabs(r.u - mu) - 0.5);
  r.z = dev / std::sqrt(var);
  r.p_value = std::min(1.0, std::erfc(r.z / std::sqrt(2.0)));
  return r;
}

Result<Interval> BootstrapQuantileDifference(std::span<const double> a,
                                             std::span<const double> b,
                                             double q,
                                             const CompareOptions& options) {
  MAI_RETURN_IF_ERROR(CheckSamples(a, "A"));
  MAI_RETURN_IF_ERROR(CheckSamples(b, "B"));
  MAI_RETURN_IF_ERROR(CheckOptions(q, options));
  std::mt19937_64 rng(options.seed);
  std::vector<double> ra(a.size()), rb(b.size());
  std::vector<double> diffs(static_cast<size_t>(options.resamples));
  for (double& d : diffs) {
    for (double& x : ra) x = a[DrawIndex(rng, a.size())];
    for (double& x : rb) x = b[DrawIndex(rng, b.size())];
    d = QuantileInPlace(rb, q) - QuantileInPlace(ra, q);
  }
  std::sort(diffs.begin(), diffs.end());
  const double tail = (1 - options.confidence) / 2;
  return Interval{QuantileOfSorted(diffs, tail),
                  QuantileOfSorted(diffs, 1 - tail)};
}

Result<Comparison> CompareQuantile(std::span<const double> a,
                                   std::span<const double> b, double q,
                                   const CompareOptions& options) {
  MAI_ASSIGN_OR_RETURN(Interval ci,
                       BootstrapQuantileDifference(a, b, q, options));
  MAI_ASSIGN_OR_RETURN(MannWhitneyResult test, MannWhitneyU(a, b));
  Comparison c;
  c.a = Quantile(a, q);
  c.b = Quantile(b, q);
  c.difference = c.b - c.a;
  c.ci_low = ci.low;
  c.ci_high = ci.high;
  c.change_pct = c.a != 0 ? 100 * c.difference / c.a : 0;
  c.test = test;
  if (test.p_value < options.alpha) {
    if (ci.high < 0) c.verdict = Verdict::kFaster;
    if (ci.low > 0) c.verdict = Verdict::kSlower;
  }
  return c;
}

}  // namespace mai::bench

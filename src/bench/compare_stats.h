// Is B faster or slower than A? Statistics for comparing two sets of latency
// samples (for instance the `runs.samples_ms` of two `mai bench --json`
// results), used by `mai compare`.
//
//   bench::CompareOptions options;  // 2000 resamples, seed 1, 95%, alpha 0.05
//   Result<bench::Comparison> c =
//       bench::CompareQuantile(samples_a, samples_b, 0.5, options);
//   if (c.ok())
//     fmt::print("{:+.3f} ms [{:.3f}, {:.3f}] {}\n", c->difference, c->ci_low,
//                c->ci_high, bench::VerdictName(c->verdict));
//
// Method (see docs/compare.md):
// - Difference: quantile(B) - quantile(A) (the median for q = 0.5), with
//   quantiles defined as in latency_stats.h (numpy 'linear'). Negative means
//   B takes less time.
// - Confidence interval: percentile bootstrap. Each of `resamples` rounds
//   draws n_A values from A and n_B values from B with replacement,
//   and records the difference of their quantiles; the interval is the
//   (1 - confidence) / 2 and 1 - (1 - confidence) / 2 quantiles of those
//   differences. The generator is std::mt19937_64 seeded with `seed`, and
//   indices are mapped without library distributions, so a given seed gives
//   the same interval on every platform.
// - Test: two-sided Mann-Whitney U, normal approximation with tie correction
//   and continuity correction (as scipy.stats.mannwhitneyu with
//   method='asymptotic', use_continuity=True).
// - Verdict: "faster" (B below A) or "slower" when the interval excludes 0
//   AND p < alpha; otherwise "no detectable difference". Both conditions,
//   so a verdict needs the size of the shift (bootstrap) and its
//   consistency over the whole distribution (ranks) to agree.
#ifndef MAI_BENCH_COMPARE_STATS_H_
#define MAI_BENCH_COMPARE_STATS_H_

#include <cstdint>
#include <span>

#include "core/status.h"

namespace mai::bench {

enum class Verdict { kNoDifference, kFaster, kSlower };

// "faster", "slower", "no detectable difference".
const char* VerdictName(Verdict verdict);

struct MannWhitneyResult {
  // U of the first sample: (sum of its ranks in the pooled sample, ties
  // given their mean rank) - n_a (n_a + 1) / 2. U_b = n_a n_b - u.
  double u = 0;
  double z = 0;        // standardized |U - n_a n_b / 2|, continuity-corrected
  double p_value = 1;  // two-sided; 1 when every value is tied
};

// Mann-Whitney U test of a against b. Both must be non-empty and finite
// (InvalidArgument otherwise).
Result<MannWhitneyResult> MannWhitneyU(std::span<const double> a,
                                       std::span<const double> b);

struct CompareOptions {
  int resamples = 2000;      // bootstrap rounds, >= 1
  uint64_t seed = 1;         // bootstrap generator seed
  double confidence = 0.95;  // of the interval, in (0, 1)
  double alpha = 0.05;       // significance level of the test, in (0, 1)
};

struct Interval {
  double low = 0;
  double high = 0;
};

// Percentile-bootstrap interval of quantile_q(b) - quantile_q(a).
Result<Interval> BootstrapQuantileDifference(std::span<const double> a,
                                             std::span<const double> b,
                                             double q,
                                             const CompareOptions& options);

struct Comparison {
  double a = 0;           // quantile of A
  double b = 0;           // quantile of B
  double difference = 0;  // b - a
  double ci_low = 0;      // bootstrap interval of the difference
  double ci_high = 0;
  double change_pct = 0;  // 100 * difference / a; 0 when a is 0
  MannWhitneyResult test;
  Verdict verdict = Verdict::kNoDifference;
};

// Compares quantile q (0.5: the median) of b against a with the method
// above. InvalidArgument on empty or non-finite samples or bad options.
Result<Comparison> CompareQuantile(std::span<const double> a,
                                   std::span<const double> b, double q,
                                   const CompareOptions& options);

}  // namespace mai::bench

#endif  // MAI_BENCH_COMPARE_STATS_H_

// Summary statistics of latency samples, and a verdict on whether they are
// stable enough to trust.
//
//   std::vector<double> samples_ms = ...;  // one entry per timed run
//   bench::LatencyStats stats = bench::Summarize(samples_ms);
//   for (const std::string& w :
//        bench::StabilityWarnings(stats, bench::ReadMachineLoad()))
//     fmt::print(stderr, "warning: {}\n", w);
//
// Percentiles use linear interpolation between closest ranks (numpy's
// default method 'linear', Hyndman & Fan type 7): for sorted samples
// x[0..n-1] and a fraction q in [0, 1], h = (n - 1) * q and
//   P(q) = x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
// So P(0) is the minimum, P(1) the maximum, and P(0.5) the usual median
// (mean of the two middle values when n is even).
#ifndef MAI_BENCH_LATENCY_STATS_H_
#define MAI_BENCH_LATENCY_STATS_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mai::bench {

// All times in the unit of the samples (milliseconds by convention).
struct LatencyStats {
  int64_t count = 0;
  double mean = 0;
  double std = 0;  // sample standard deviation (divides by n - 1); 0 if n < 2
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
  double cv = 0;  // coefficient of variation std / mean; 0 if mean is 0
};

// Statistics of `samples_ms` (any order). Empty input gives count 0 and all
// other fields 0 (never NaN). Samples are expected finite; a non-finite
// sample propagates into the fields it touches.
LatencyStats Summarize(std::span<const double> samples_ms);

// The q-quantile (q in [0, 1], clamped) of samples already sorted ascending,
// by the interpolation defined at the top of this file; 0 for empty input.
double QuantileOfSorted(std::span<const double> sorted, double q);

// How busy the machine was: the 1-minute load average and the number of
// CPUs it is compared against. load1 < 0 and cpus == 0 mean "unknown".
struct MachineLoad {
  double load1 = -1;
  int cpus = 0;
};

// Reads the load average from `<proc_root>/loadavg` (first field) and the
// CPU count from the "processor" lines of `<proc_root>/cpuinfo`. Both are
// machine-wide (not limited by a container's CPU quota), so they compare
// like with like. Fields that cannot be read stay unknown (-1 / 0); never
// fails otherwise. The load average counts running threads, the benchmark's
// own included: read it before the timed runs start.
MachineLoad ReadMachineLoad(const std::string& proc_root = "/proc");

// Thresholds of StabilityWarnings.
//
// Spread: a coefficient of variation above 10% means run-to-run noise is
// of the order of the differences one usually wants to measure.
inline constexpr double kMaxStableCv = 0.10;
// Tail: a p99 above 1.5 x the median points at interference (preemption,
// frequency changes, page faults) in some runs.
inline constexpr double kMaxTailRatio = 1.5;
// Too few runs: below 10 samples p90/p99 are the largest samples and the
// median's confidence interval spans most of the data.
inline constexpr int64_t kMinStableSamples = 10;
// Busy machine: a 1-minute load average above (cpus - 0.5) means the
// benchmark competed with other work for at least one CPU on average.
inline constexpr double kBusyLoadMargin = 0.5;

// One line per reason the samples should not be trusted as they are, each
// with the numbers behind it, e.g. "spread: CV 14% over 50 runs (above
// 10%)". Empty when nothing is suspicious. Spread and tail are checked
// only with at least 2 samples; the load only when it is known
// (load1 >= 0 and cpus > 0).
std::vector<std::string> StabilityWarnings(const LatencyStats& stats,
                                           const MachineLoad& load);

}  // namespace mai::bench

#endif  // MAI_BENCH_LATENCY_STATS_H_

#include "bench/latency_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

namespace mai::bench {

double QuantileOfSorted(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  const double frac = h - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

LatencyStats Summarize(std::span<const double> samples_ms) {
  LatencyStats s;
  s.count = static_cast<int64_t>(samples_ms.size());
  if (samples_ms.empty()) return s;
  std::vector<double> sorted(samples_ms.begin(), samples_ms.end());
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double x : sorted) sum += x;
  const double n = static_cast<double>(sorted.size());
  s.mean = sum / n;
  if (sorted.size() >= 2) {
    double ss = 0;
    for (double x : sorted) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / (n - 1));
  }
  s.min = sorted.front();
  s.max = sorted.back();
  s.p50 = QuantileOfSorted(sorted, 0.50);
  s.p90 = QuantileOfSorted(sorted, 0.90);
  s.p99 = QuantileOfSorted(sorted, 0.99);
  s.cv = s.mean != 0 ? s.std / s.mean : 0;
  return s;
}

MachineLoad ReadMachineLoad(const std::string& proc_root) {
  MachineLoad load;
  {
    std::ifstream f(proc_root + "/loadavg");
    double v = 0;
    if (f >> v && std::isfinite(v) && v >= 0) load.load1 = v;
  }
  {
    std::ifstream f(proc_root + "/cpuinfo");
    std::string line;
    int cpus = 0;
    while (std::getline(f, line)) {
      // "processor\t: 3"; other keys never start with "processor".
      if (line.rfind("processor", 0) == 0 &&
          line.find(':') != std::string::npos)
        ++cpus;
    }
    load.cpus = cpus;
  }
  return load;
}

std::vector<std::string> StabilityWarnings(const LatencyStats& stats,
                                           const MachineLoad& load) {
  std::vector<std::string> warnings;
  if (stats.count < kMinStableSamples) {
    warnings.push_back(fmt::format(
        "few samples: {} run{}, at least {} needed for stable percentiles",
        stats.count, stats.count == 1 ? "" : "s", kMinStableSamples));
  }
  if (stats.count >= 2 && stats.cv > kMaxStableCv) {
    warnings.push_back(
        fmt::format("spread: CV {:.0f}% over {} runs (above {:.0f}%)",
                    stats.cv * 100, stats.count, kMaxStableCv * 100));
  }
  if (stats.count >= 2 && stats.p99 > kMaxTailRatio * stats.p50) {
    const double ratio = stats.p50 > 0 ? stats.p99 / stats.p50 : 0;
    warnings.push_back(fmt::format(
        "tail: p99 {:.3f} ms is {:.2f}x the median {:.3f} ms (above {:.1f}x)",
        stats.p99, ratio, stats.p50, kMaxTailRatio));
  }
  if (load.load1 >= 0 && load.cpus > 0 &&
      load.load1 > load.cpus - kBusyLoadMargin) {
    warnings.push_back(fmt::format(
        "machine busy: load average {:.2f} on {} CPU{} (above {:.1f})",
        load.load1, load.cpus, load.cpus == 1 ? "" : "s",
        load.cpus - kBusyLoadMargin));
  }
  return warnings;
}

}  // namespace mai::bench

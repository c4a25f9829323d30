#include "bench/run_plan.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <thread>

namespace mai::bench {

Clock Clock::Steady() {
  Clock c;
  c.now_secs = [] {
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  c.sleep_secs = [](double s) {
    if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
  };
  return c;
}

Result<std::vector<double>> RunPhase(const RunPlan& plan,
                                     const std::function<Status()>& invoke,
                                     const Clock& clock) {
  if (plan.min_runs < 0 || plan.min_secs < 0 || plan.run_delay_secs < 0) {
    return InvalidArgument("run counts and times must be >= 0");
  }
  if (plan.max_secs > 0 && plan.max_secs < plan.min_secs) {
    return InvalidArgument("max_secs {} is below min_secs {}", plan.max_secs,
                           plan.min_secs);
  }
  std::vector<double> samples;
  const double start = clock.now_secs();
  while (true) {
    const double elapsed = clock.now_secs() - start;
    const bool enough = static_cast<int>(samples.size()) >= plan.min_runs &&
                        elapsed >= plan.min_secs;
    const bool over_time = (plan.max_secs > 0 && elapsed >= plan.max_secs) ||
                           (plan.max_runs > 0 &&
                            static_cast<int>(samples.size()) >= plan.max_runs);
    if (!samples.empty() && (enough || over_time)) break;
    if (samples.empty() && plan.min_runs == 0 && plan.min_secs == 0) break;
    const double t0 = clock.now_secs();
    MAI_RETURN_IF_ERROR(invoke());
    samples.push_back((clock.now_secs() - t0) * 1e3);
    if (plan.run_delay_secs > 0) clock.sleep_secs(plan.run_delay_secs);
  }
  return samples;
}

Result<std::vector<int>> ParseCpuList(const std::string& list) {
  std::vector<int> cpus;
  auto parse_int = [](std::string_view s, int& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && v >= 0 &&
           v < CPU_SETSIZE;
  };
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string_view item(list.data() + pos, comma - pos);
    const size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_int(item, lo)) {
        return InvalidArgument("bad CPU list '{}' (e.g. 0,2-3)", list);
      }
      hi = lo;
    } else if (!parse_int(item.substr(0, dash), lo) ||
               !parse_int(item.substr(dash + 1), hi) || hi < lo) {
      return InvalidArgument("bad CPU list '{}' (e.g. 0,2-3)", list);
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    pos = comma + 1;
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

Status SetCpuAffinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE)
      return InvalidArgument("CPU {} out of range", c);
    CPU_SET(c, &set);
  }
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return IoError("cannot run on CPUs {}: {}", fmt::join(cpus, ","),
                   std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace mai::bench

// How many times `mai bench` runs a model, following TFLite's
// benchmark_model: a phase runs until both its minimum count and its
// minimum time are reached, and stops at its maximum time even if the count
// is not (at least one run always happens).
//
//   RunPlan plan{.min_runs = 50, .min_secs = 1, .max_secs = 150};
//   Result<std::vector<double>> ms = RunPhase(plan, [&] { return s.Invoke();
//   });
//
// Between runs the plan can wait `run_delay_secs` (a cooldown, as
// benchmark_model's --run_delay); the waits are not part of the samples.
// Times come from a Clock so tests can drive them.
#ifndef MAI_BENCH_RUN_PLAN_H_
#define MAI_BENCH_RUN_PLAN_H_

#include <chrono>
#include <functional>
#include <vector>

#include "core/status.h"

namespace mai::bench {

struct RunPlan {
  int min_runs = 1;
  double min_secs = 0;  // keep running until this much time has passed
  double max_secs =
      150;  // stop once this much time has passed (<= 0: no limit)
  double run_delay_secs = 0;  // pause after each run (not timed)
  // Stop after this many runs even if min_secs is not reached (0: no
  // limit): keeps a sub-microsecond model from filling memory with samples.
  int max_runs = 0;
};

// A source of time and a way to wait; the default is steady_clock and
// std::this_thread::sleep_for.
struct Clock {
  std::function<double()> now_secs;
  std::function<void(double)> sleep_secs;
  static Clock Steady();
};

// Runs `invoke` as the plan says and returns each run's duration in
// milliseconds. The first error of `invoke` is returned as is.
// InvalidArgument for negative counts or times, or max_secs below min_secs.
Result<std::vector<double>> RunPhase(const RunPlan& plan,
                                     const std::function<Status()>& invoke,
                                     const Clock& clock = Clock::Steady());

// Parses a CPU list such as "0", "0,2", "1-3,6" into CPU numbers
// (InvalidArgument on anything else, duplicates removed, sorted).
Result<std::vector<int>> ParseCpuList(const std::string& list);

// Restricts this process (the calling thread and the threads it creates
// afterwards) to `cpus`. IoError when the OS refuses.
Status SetCpuAffinity(const std::vector<int>& cpus);

}  // namespace mai::bench

#endif  // MAI_BENCH_RUN_PLAN_H_

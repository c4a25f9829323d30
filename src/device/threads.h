// Threads for the peak measurements: which CPUs this process may use, and a
// timed "all threads at once" runner.
#ifndef MAI_DEVICE_THREADS_H_
#define MAI_DEVICE_THREADS_H_

#include <functional>
#include <vector>

#include "core/status.h"

namespace mai::device {

// Ids of the logical processors in this process's affinity mask (Linux);
// elsewhere 0..hardware_concurrency-1. Never empty.
std::vector<int> UsableCpus();

// Starts `threads` threads (thread i pinned to cpus[i % cpus.size()] when
// `pin` and the OS allows it) and has them all run body(i) together,
// `1 + reps` times; the first round is an untimed warm-up. Returns the wall
// time in seconds of each timed round: from the moment every thread is
// ready to the moment the last one finishes. IoError if a thread cannot be
// started.
Result<std::vector<double>> TimeOnThreads(int threads, int reps, bool pin,
                                          const std::vector<int>& cpus,
                                          const std::function<void(int)>& body);

}  // namespace mai::device

#endif  // MAI_DEVICE_THREADS_H_

#include "device/threads.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <system_error>
#include <thread>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace mai::device {

std::vector<int> UsableCpus() {
  std::vector<int> cpus;
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
#endif
  if (cpus.empty()) {
    const int n = std::max(1u, std::thread::hardware_concurrency());
    for (int i = 0; i < n; ++i) cpus.push_back(i);
  }
  return cpus;
}

namespace {

void PinCurrentThread(int cpu) {
#ifdef __linux__
  if (cpu < 0 || cpu >= CPU_SETSIZE) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // Best effort: a refused pin leaves the thread to the scheduler.
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#endif
}

}  // namespace

Result<std::vector<double>> TimeOnThreads(
    int threads, int reps, bool pin, const std::vector<int>& cpus,
    const std::function<void(int)>& body) {
  if (threads < 1 || reps < 1 || cpus.empty()) {
    return InvalidArgument("TimeOnThreads: threads {} and reps {} must be >= 1",
                           threads, reps);
  }
  using Clock = std::chrono::steady_clock;
  const int rounds = 1 + reps;
  // Phase 2r starts round r, phase 2r+1 ends it. The completion step runs on
  // the last thread to arrive, before any thread is released.
  std::vector<Clock::time_point> stamps;
  stamps.reserve(2 * rounds);
  auto on_phase = [&stamps]() noexcept { stamps.push_back(Clock::now()); };
  std::barrier sync(threads, on_phase);

  auto worker = [&](int index) {
    if (pin) PinCurrentThread(cpus[index % cpus.size()]);
    for (int r = 0; r < rounds; ++r) {
      sync.arrive_and_wait();
      body(index);
      sync.arrive_and_wait();
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  Status start_error;
  for (int i = 0; i < threads; ++i) {
    try {
      pool.emplace_back(worker, i);
    } catch (const std::system_error& e) {
      start_error = IoError("cannot start measurement thread {} of {}: {}",
                            i + 1, threads, e.what());
      break;
    }
  }
  if (!start_error.ok()) {
    // The started threads wait at the first barrier for ones that never
    // came: let them through by arriving for the missing ones, round by
    // round, so they finish and can be joined.
    const int missing = threads - static_cast<int>(pool.size());
    for (int r = 0; r < 2 * rounds; ++r) {
      for (int m = 0; m < missing; ++m) {
        if (m + 1 < missing) {
          (void)sync.arrive();
        } else {
          sync.arrive_and_wait();
        }
      }
    }
    for (std::thread& t : pool) t.join();
    return start_error;
  }
  for (std::thread& t : pool) t.join();

  std::vector<double> seconds;
  for (int r = 1; r < rounds; ++r) {
    seconds.push_back(
        std::chrono::duration<double>(stamps[2 * r + 1] - stamps[2 * r])
            .count());
  }
  return seconds;
}

}  // namespace mai::device

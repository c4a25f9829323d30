// Memory figures of this process, as `mai bench` reports them.
//
// - PeakRssBytes: the kernel's high-water mark of resident memory (VmHWM in
//   /proc/self/status) — everything the process ever had resident at once,
//   including the binary, libraries and thread stacks.
// - CurrentRssBytes: resident memory now (VmRSS).
// - RssSampler: a thread that reads VmRSS every `interval` and keeps the
//   largest value seen between Start and Stop, as TFLite's benchmark_model
//   does for --report_peak_memory_footprint; unlike VmHWM it can be started
//   after init, so it isolates the peak of one phase.
// All return 0 where /proc is not available.
#ifndef MAI_BENCH_PROCESS_MEMORY_H_
#define MAI_BENCH_PROCESS_MEMORY_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace mai::bench {

int64_t PeakRssBytes();
int64_t CurrentRssBytes();

class RssSampler {
 public:
  explicit RssSampler(double interval_secs = 0.05);
  ~RssSampler();  // stops the thread if running
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  void Start();  // samples once now, then every interval
  void Stop();   // samples once more and joins the thread
  int64_t peak_bytes() const { return peak_.load(); }
  int samples() const { return samples_.load(); }

 private:
  void Sample();

  double interval_secs_;
  std::atomic<int64_t> peak_{0};
  std::atomic<int> samples_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mai::bench

#endif  // MAI_BENCH_PROCESS_MEMORY_H_

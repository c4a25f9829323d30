// A one-line progress display on stderr for long `mai bench` phases, shown
// only when stderr is a terminal (quiet in pipes, files and CI logs).
//
//   ProgressLine progress("timed runs", /*expected_secs=*/60);
//   ... progress.Tick();   // after each run, from the measuring thread
//   progress.Finish();     // clears the line
//
// A background thread redraws the line 5 times a second from an atomic run
// counter, so Tick costs one relaxed atomic increment.
#ifndef MAI_CLI_PROGRESS_H_
#define MAI_CLI_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace mai::cli {

class ProgressLine {
 public:
  // Shows nothing when stderr is not a terminal or `expected_secs` < 2.
  ProgressLine(std::string phase, double expected_secs);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Tick() { runs_.fetch_add(1, std::memory_order_relaxed); }
  void Finish();

 private:
  void Draw(double elapsed);

  std::string phase_;
  double expected_secs_;
  std::atomic<long long> runs_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace mai::cli

#endif  // MAI_CLI_PROGRESS_H_

#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mai::cli {

ProgressLine::ProgressLine(std::string phase, double expected_secs)
    : phase_(std::move(phase)),
      expected_secs_(expected_secs),
      start_(std::chrono::steady_clock::now()) {
  if (expected_secs_ < 2 || !isatty(fileno(stderr))) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(200),
                           [this] { return done_; })) {
      Draw(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
               .count());
    }
  });
}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Draw(double elapsed) {
  constexpr int kWidth = 30;
  const double fraction = std::clamp(elapsed / expected_secs_, 0.0, 1.0);
  const int filled = static_cast<int>(fraction * kWidth);
  fmt::print(stderr, "\r{} [{}{}] {:3.0f}%  {:.0f}/{:.0f} s  {} runs", phase_,
             std::string(filled, '='), std::string(kWidth - filled, ' '),
             100 * fraction, elapsed, expected_secs_,
             runs_.load(std::memory_order_relaxed));
  std::fflush(stderr);
}

void ProgressLine::Finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace mai::cli

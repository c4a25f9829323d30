#include "bench/process_memory.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace mai::bench {
namespace {

// The value in KiB of a "Name:   123 kB" line of /proc/self/status.
int64_t StatusKib(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long long kib = 0;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, key, n) == 0) {
      if (std::sscanf(line + n, "%lld", &kib) != 1) kib = 0;
      break;
    }
  }
  std::fclose(f);
  return kib;
}

}  // namespace

int64_t PeakRssBytes() { return StatusKib("VmHWM:") * 1024; }

int64_t CurrentRssBytes() {
  // statm is cheaper to read than status: "size resident shared ..." pages.
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

RssSampler::RssSampler(double interval_secs)
    : interval_secs_(interval_secs > 0 ? interval_secs : 0.05) {}

RssSampler::~RssSampler() { Stop(); }

void RssSampler::Sample() {
  const int64_t rss = CurrentRssBytes();
  int64_t prev = peak_.load();
  while (rss > prev && !peak_.compare_exchange_weak(prev, rss)) {
  }
  samples_.fetch_add(1);
}

void RssSampler::Start() {
  Stop();
  peak_ = 0;
  samples_ = 0;
  stop_ = false;
  Sample();
  thread_ = std::thread([this] {
    const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(interval_secs_));
    auto next = std::chrono::steady_clock::now() + interval;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if (wake_.wait_until(lock, next, [this] { return stop_; })) break;
      Sample();
      next += interval;
    }
  });
}

void RssSampler::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  Sample();
}

}  // namespace mai::bench

// Process memory figures: the sampler sees a short-lived allocation that a
// reading before and after would miss; VmHWM never decreases.
#include "bench/process_memory.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

namespace mai::bench {
namespace {

TEST(ProcessMemoryTest, CurrentAndPeakAreSane) {
  const int64_t rss = CurrentRssBytes();
  const int64_t peak = PeakRssBytes();
  EXPECT_GT(rss, 1 << 20);  // a gtest binary has more than 1 MiB resident
  EXPECT_GE(peak, rss);
}

TEST(ProcessMemoryTest, SamplerCatchesATransientAllocation) {
  RssSampler sampler(0.01);
  sampler.Start();
  const int64_t before = CurrentRssBytes();
  {
    constexpr size_t kBytes = size_t{64} << 20;
    std::unique_ptr<char[]> block(new char[kBytes]);
    std::memset(block.get(), 1, kBytes);  // make it resident
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  sampler.Stop();
  EXPECT_GE(sampler.samples(), 5);
  EXPECT_GE(sampler.peak_bytes(), before + (int64_t{60} << 20));
  // Freed: the current figure is back below the peak the sampler saw.
  EXPECT_LT(CurrentRssBytes(), sampler.peak_bytes());
  // VmHWM and statm come from counters the kernel caches per thread (up to
  // 64 pages each), so they may disagree by a few hundred KiB.
  EXPECT_GE(PeakRssBytes(), sampler.peak_bytes() - (int64_t{4} << 20));
}

TEST(ProcessMemoryTest, StopWithoutStartAndRestart) {
  RssSampler sampler;
  sampler.Stop();
  sampler.Start();
  sampler.Stop();
  EXPECT_GE(sampler.samples(), 2);
  EXPECT_GT(sampler.peak_bytes(), 0);
}

}  // namespace
}  // namespace mai::bench

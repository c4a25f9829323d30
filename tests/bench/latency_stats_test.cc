// Summary statistics against hand-computed values, and each stability
// warning on both sides of its threshold.
#include "bench/latency_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace mai::bench {
namespace {

namespace fs = std::filesystem;

bool HasWarning(const std::vector<std::string>& warnings,
                const std::string& prefix) {
  for (const std::string& w : warnings) {
    if (w.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(LatencyStatsTest, OneToTenByHand) {
  // 1..10 shuffled: Summarize must sort.
  std::vector<double> s = {7, 3, 10, 1, 5, 9, 2, 8, 6, 4};
  LatencyStats st = Summarize(s);
  EXPECT_EQ(st.count, 10);
  EXPECT_DOUBLE_EQ(st.mean, 5.5);
  // Squared deviations from 5.5: 2 * (0.25 + 2.25 + 6.25 + 12.25 + 20.25)
  // = 82.5; sample variance 82.5 / 9.
  EXPECT_NEAR(st.std, std::sqrt(82.5 / 9), 1e-12);
  EXPECT_NEAR(st.std, 3.0276503540974917, 1e-12);
  EXPECT_DOUBLE_EQ(st.min, 1);
  EXPECT_DOUBLE_EQ(st.max, 10);
  // p50: h = 9 * 0.5 = 4.5 -> x[4] + 0.5 (x[5] - x[4]) = 5 + 0.5 = 5.5.
  EXPECT_DOUBLE_EQ(st.p50, 5.5);
  // p90: h = 8.1 -> 9 + 0.1 * (10 - 9) = 9.1.
  EXPECT_NEAR(st.p90, 9.1, 1e-12);
  // p99: h = 8.91 -> 9 + 0.91 = 9.91.
  EXPECT_NEAR(st.p99, 9.91, 1e-12);
  EXPECT_NEAR(st.cv, std::sqrt(82.5 / 9) / 5.5, 1e-12);
}

TEST(LatencyStatsTest, TextbookStd) {
  // Mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32: sample std sqrt(32/7).
  std::vector<double> s = {2, 4, 4, 4, 5, 5, 7, 9};
  LatencyStats st = Summarize(s);
  EXPECT_DOUBLE_EQ(st.mean, 5);
  EXPECT_NEAR(st.std, std::sqrt(32.0 / 7), 1e-12);
  EXPECT_NEAR(st.cv, std::sqrt(32.0 / 7) / 5, 1e-12);
  // Even count: median is the mean of x[3] = 4 and x[4] = 5.
  EXPECT_DOUBLE_EQ(st.p50, 4.5);
  // p90: h = 7 * 0.9 = 6.3 -> 7 + 0.3 * (9 - 7) = 7.6.
  EXPECT_NEAR(st.p90, 7.6, 1e-12);
}

TEST(LatencyStatsTest, EmptyIsZeroNotNan) {
  LatencyStats st = Summarize({});
  EXPECT_EQ(st.count, 0);
  for (double v :
       {st.mean, st.std, st.min, st.p50, st.p90, st.p99, st.max, st.cv}) {
    EXPECT_FALSE(std::isnan(v));
    EXPECT_EQ(v, 0);
  }
}

TEST(LatencyStatsTest, SingleSample) {
  std::vector<double> s = {3.25};
  LatencyStats st = Summarize(s);
  EXPECT_EQ(st.count, 1);
  EXPECT_EQ(st.mean, 3.25);
  EXPECT_EQ(st.std, 0);
  EXPECT_EQ(st.cv, 0);
  EXPECT_EQ(st.min, 3.25);
  EXPECT_EQ(st.p50, 3.25);
  EXPECT_EQ(st.p99, 3.25);
  EXPECT_EQ(st.max, 3.25);
}

TEST(LatencyStatsTest, QuantileMatchesDirectFormulaOnRandomData) {
  std::mt19937 rng(7767517);
  std::uniform_real_distribution<double> dist(1, 100);
  std::vector<double> s(37);
  for (double& x : s) x = dist(rng);
  std::vector<double> sorted = s;
  std::sort(sorted.begin(), sorted.end());
  for (double q : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0}) {
    // 36 gaps between 37 values: position 36 q.
    const double pos = 36 * q;
    const int lo = static_cast<int>(pos);
    const double expected =
        lo == 36 ? sorted[36]
                 : sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]);
    EXPECT_NEAR(QuantileOfSorted(sorted, q), expected, 1e-12) << q;
  }
  EXPECT_EQ(QuantileOfSorted(sorted, 0), sorted.front());
  EXPECT_EQ(QuantileOfSorted(sorted, 1), sorted.back());
}

TEST(StabilityWarningsTest, StableRunIsQuiet) {
  std::vector<double> s;
  for (int i = 0; i < 50; ++i) s.push_back(10.0 + 0.01 * (i % 5));
  MachineLoad load{1.0, 4};
  EXPECT_TRUE(StabilityWarnings(Summarize(s), load).empty());
}

TEST(StabilityWarningsTest, Spread) {
  // 25 x 10 ms and 25 x 13 ms: mean 11.5, every deviation 1.5, sample std
  // 1.5 * sqrt(50 / 49) = 1.5152, CV 13.2%; median 11.5, p99 13: no tail.
  std::vector<double> s;
  for (int i = 0; i < 50; ++i) s.push_back(i % 2 ? 13.0 : 10.0);
  LatencyStats st = Summarize(s);
  EXPECT_NEAR(st.cv, 1.5 * std::sqrt(50.0 / 49) / 11.5, 1e-12);
  auto w = StabilityWarnings(st, MachineLoad{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "spread: CV 13% over 50 runs (above 10%)");

  LatencyStats ok = st;
  ok.cv = 0.10;  // at the threshold: not above it
  EXPECT_TRUE(StabilityWarnings(ok, MachineLoad{}).empty());
}

TEST(StabilityWarningsTest, Tail) {
  LatencyStats st;
  st.count = 50;
  st.mean = 10;
  st.p50 = 10;
  st.p99 = 16;
  st.cv = 0.05;
  auto w = StabilityWarnings(st, MachineLoad{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "tail: p99 16.000 ms is 1.60x the median 10.000 ms (above 1.5x)");
  st.p99 = 15;  // exactly 1.5 x: not above
  EXPECT_TRUE(StabilityWarnings(st, MachineLoad{}).empty());
}

TEST(StabilityWarningsTest, TailFromSamples) {
  // 98 x 10 ms and 2 x 20 ms: p99 at h = 98.01 lies between the two 20s.
  std::vector<double> s(98, 10.0);
  s.push_back(20);
  s.push_back(20);
  auto w = StabilityWarnings(Summarize(s), MachineLoad{});
  EXPECT_TRUE(HasWarning(w, "tail: p99 20.000 ms is 2.00x")) << w.size();
}

TEST(StabilityWarningsTest, FewSamples) {
  std::vector<double> s(9, 5.0);
  auto w = StabilityWarnings(Summarize(s), MachineLoad{});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0],
            "few samples: 9 runs, at least 10 needed for stable percentiles");
  s.push_back(5.0);
  EXPECT_TRUE(StabilityWarnings(Summarize(s), MachineLoad{}).empty());
  // No samples at all: only this warning, no spread/tail on zeros.
  auto empty = StabilityWarnings(Summarize({}), MachineLoad{});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(HasWarning(empty, "few samples: 0 runs"));
}

TEST(StabilityWarningsTest, BusyMachine) {
  std::vector<double> s(20, 5.0);
  LatencyStats st = Summarize(s);
  auto w = StabilityWarnings(st, MachineLoad{3.6, 4});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "machine busy: load average 3.60 on 4 CPUs (above 3.5)");
  EXPECT_TRUE(StabilityWarnings(st, MachineLoad{3.4, 4}).empty());
  EXPECT_TRUE(StabilityWarnings(st, MachineLoad{0.6, 1}).size() == 1);
  // Unknown load or CPU count: no verdict.
  EXPECT_TRUE(StabilityWarnings(st, MachineLoad{-1, 4}).empty());
  EXPECT_TRUE(StabilityWarnings(st, MachineLoad{9.0, 0}).empty());
}

class ReadMachineLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mai_latency_stats_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(ReadMachineLoadTest, ReadsFakeProc) {
  Write("loadavg", "2.50 1.00 0.50 3/200 12345\n");
  Write("cpuinfo",
        "processor\t: 0\nmodel name\t: X\n\nprocessor\t: 1\nmodel name\t: "
        "X\n\nprocessor\t: 2\nmodel name\t: X\n");
  MachineLoad load = ReadMachineLoad(dir_.string());
  EXPECT_DOUBLE_EQ(load.load1, 2.5);
  EXPECT_EQ(load.cpus, 3);
  // 2.5 = 3 - 0.5: not above the threshold.
  EXPECT_TRUE(
      StabilityWarnings(Summarize(std::vector<double>(10, 1.0)), load).empty());
  Write("loadavg", "2.51 1.00 0.50 3/200 12345\n");
  EXPECT_EQ(StabilityWarnings(Summarize(std::vector<double>(10, 1.0)),
                              ReadMachineLoad(dir_.string()))
                .size(),
            1u);
}

TEST_F(ReadMachineLoadTest, MissingOrGarbageIsUnknown) {
  MachineLoad load = ReadMachineLoad((dir_ / "nothing").string());
  EXPECT_EQ(load.load1, -1);
  EXPECT_EQ(load.cpus, 0);
  Write("loadavg", "not a number\n");
  load = ReadMachineLoad(dir_.string());
  EXPECT_EQ(load.load1, -1);
  EXPECT_EQ(load.cpus, 0);
}

TEST(ReadMachineLoadRealTest, RealProcIfPresent) {
  if (!fs::exists("/proc/loadavg")) GTEST_SKIP() << "no /proc/loadavg";
  MachineLoad load = ReadMachineLoad();
  EXPECT_GE(load.load1, 0);
  EXPECT_GE(load.cpus, 1);
}

}  // namespace
}  // namespace mai::bench

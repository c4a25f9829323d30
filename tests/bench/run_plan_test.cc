// The run method of `mai bench`: a phase runs until both its minimum count
// and minimum time are reached and stops at its maximum time; delays between
// runs are not timed. Driven by a fake clock, so every count is exact.
#include "bench/run_plan.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace mai::bench {
namespace {

// A clock that only moves when a run or a sleep says so.
struct FakeTime {
  double now = 100.0;
  double run_secs = 0.3;
  int runs = 0;
  Clock clock() {
    return {[this] { return now; }, [this](double s) { now += s; }};
  }
  std::function<Status()> invoke() {
    return [this] {
      now += run_secs;
      ++runs;
      return Status::Ok();
    };
  }
};

TEST(RunPlanTest, CountReachedBeforeTime) {
  FakeTime t;
  auto ms = RunPhase({.min_runs = 5, .min_secs = 0, .max_secs = 10}, t.invoke(),
                     t.clock());
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 5u);
  EXPECT_NEAR((*ms)[0], 300.0, 1e-6);
}

TEST(RunPlanTest, TimeReachedAfterCount) {
  // 0.3 s per run, at least 1 s: 0.3, 0.6, 0.9, 1.2 -> 4 runs.
  FakeTime t;
  auto ms = RunPhase({.min_runs = 2, .min_secs = 1.0, .max_secs = 10},
                     t.invoke(), t.clock());
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->size(), 4u);
}

TEST(RunPlanTest, MaxTimeStopsEarly) {
  // 100 runs wanted, but 0.3 s each and at most 1 s: stops after 4.
  FakeTime t;
  auto ms = RunPhase({.min_runs = 100, .min_secs = 0, .max_secs = 1.0},
                     t.invoke(), t.clock());
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->size(), 4u);
}

TEST(RunPlanTest, MaxRunsCapsATimeBoundPhase) {
  // 1 ms runs for at least 10 s would be 10000 runs; capped at 500.
  FakeTime t;
  t.run_secs = 0.001;
  auto ms = RunPhase(
      {.min_runs = 1, .min_secs = 10, .max_secs = 100, .max_runs = 500},
      t.invoke(), t.clock());
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->size(), 500u);
}

TEST(RunPlanTest, AlwaysOneRunEvenPastMaxTime) {
  FakeTime t;
  t.run_secs = 5;
  auto ms = RunPhase({.min_runs = 3, .min_secs = 0, .max_secs = 1.0},
                     t.invoke(), t.clock());
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->size(), 1u);
}

TEST(RunPlanTest, DelaysAreNotTimedButCountTowardTime) {
  // 0.1 s runs + 0.4 s delays: samples are 100 ms; 1 s is reached after
  // 2 runs (0.5 + 0.5).
  FakeTime t;
  t.run_secs = 0.1;
  auto ms = RunPhase(
      {.min_runs = 1, .min_secs = 1.0, .max_secs = 10, .run_delay_secs = 0.4},
      t.invoke(), t.clock());
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_NEAR((*ms)[1], 100.0, 1e-6);
}

TEST(RunPlanTest, ZeroRunsAndErrors) {
  FakeTime t;
  auto none = RunPhase({.min_runs = 0, .min_secs = 0}, t.invoke(), t.clock());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  int calls = 0;
  auto failing = RunPhase({.min_runs = 5}, [&] {
    ++calls;
    return calls == 3 ? Internal("boom") : Status::Ok();
  });
  EXPECT_EQ(failing.status().code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(RunPhase({.min_runs = -1}, t.invoke(), t.clock()).ok());
  EXPECT_FALSE(RunPhase({.min_runs = 1, .min_secs = 5, .max_secs = 2},
                        t.invoke(), t.clock())
                   .ok());
}

TEST(CpuListTest, ParsesListsAndRanges) {
  EXPECT_EQ(*ParseCpuList("0"), (std::vector<int>{0}));
  EXPECT_EQ(*ParseCpuList("3,1-2,2"), (std::vector<int>{1, 2, 3}));
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "99999"}) {
    EXPECT_FALSE(ParseCpuList(bad).ok()) << bad;
  }
}

TEST(CpuListTest, AffinityToCpuZero) {
  // CPU 0 exists on every machine this runs on.
  EXPECT_TRUE(SetCpuAffinity({0}).ok());
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_EQ(CPU_COUNT(&set), 1);
  // Give every CPU back for the other tests of this process.
  std::vector<int> all;
  for (int c = 0; c < 1024 && c < CPU_SETSIZE; ++c) all.push_back(c);
  (void)SetCpuAffinity(all);
}

}  // namespace
}  // namespace mai::bench

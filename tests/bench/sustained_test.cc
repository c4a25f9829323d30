// Sustained-rate runs: absolute-deadline pacing, the drop rule, windows,
// drift and verdicts. Driven by a fake clock, so every frame time is exact
// and the expected values below are derived by hand from the rules in
// src/bench/sustained.h; one short test uses the real clock.
#include "bench/sustained.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace mai::bench {
namespace {

// A clock that only moves when a frame runs or the run sleeps. The n-th
// call of invoke (0-based) takes latency_secs(n).
struct FakeTime {
  double now = 100.0;
  std::function<double(int)> latency_secs = [](int) { return 0.002; };
  int calls = 0;
  Clock clock() {
    return {[this] { return now; },
            [this](double s) {
              if (s > 0) now += s;
            }};
  }
  std::function<Status()> invoke() {
    return [this] {
      now += latency_secs(calls++);
      return Status::Ok();
    };
  }
};

TEST(SustainedTest, FastModelKeepsExactPace) {
  FakeTime t;  // 2 ms per frame
  auto r = RunSustained({.fps = 30, .duration_secs = 2, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->frames.size(), 60u);
  EXPECT_EQ(t.calls, 60);
  for (int k = 0; k < 60; ++k) {
    const SustainedFrame& f = r->frames[k];
    EXPECT_EQ(f.index, k);
    EXPECT_DOUBLE_EQ(f.release_secs, k / 30.0);
    EXPECT_NEAR(f.start_secs, k / 30.0, 1e-9) << k;
    EXPECT_NEAR(f.latency_ms, 2.0, 1e-6);
    EXPECT_FALSE(f.missed);
    EXPECT_FALSE(f.dropped);
  }
  EXPECT_EQ(r->frames_released, 60);
  EXPECT_EQ(r->frames_run, 60);
  EXPECT_EQ(r->missed, 0);
  EXPECT_EQ(r->dropped, 0);
  EXPECT_DOUBLE_EQ(r->achieved_fps, 30.0);
  ASSERT_EQ(r->windows.size(), 2u);
  for (const SustainedWindow& w : r->windows) {
    EXPECT_EQ(w.frames, 30);
    EXPECT_DOUBLE_EQ(w.achieved_fps, 30.0);
    EXPECT_EQ(w.latency_ms.count, 30);
    EXPECT_NEAR(w.latency_ms.p50, 2.0, 1e-6);
    EXPECT_NEAR(w.latency_ms.p99, 2.0, 1e-6);
  }
  EXPECT_DOUBLE_EQ(r->windows[1].begin_secs, 1.0);
  EXPECT_DOUBLE_EQ(r->windows[1].end_secs, 2.0);
  EXPECT_NEAR(r->drift, 0.0, 1e-9);
  EXPECT_FALSE(r->throttling);
  EXPECT_FALSE(r->cannot_keep_up);
  EXPECT_EQ(r->verdict, "stable");
  // The last frame finishes 2 ms after its release at 59/30 s.
  EXPECT_NEAR(t.now - 100.0, 59 / 30.0 + 0.002, 1e-9);
}

TEST(SustainedTest, PartialLastWindow) {
  // 2.5 s at 30 fps: 75 frames in windows of 30, 30 and 15 (the last one
  // 0.5 s long, so still 30 fps).
  FakeTime t;
  auto r = RunSustained({.fps = 30, .duration_secs = 2.5, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->frames_run, 75);
  ASSERT_EQ(r->windows.size(), 3u);
  EXPECT_EQ(r->windows[2].frames, 15);
  EXPECT_DOUBLE_EQ(r->windows[2].end_secs, 2.5);
  EXPECT_DOUBLE_EQ(r->windows[2].achieved_fps, 30.0);
}

TEST(SustainedTest, SlowModelMissesAndDrops) {
  // 50 ms frames, 33.3 ms period. Frame 0 runs 0-50 ms; at 50 ms frame 1
  // (released 33.3) is the newest and runs 50-100; at 100 ms frame 2's
  // deadline (100 ms) has passed, so it is dropped and frame 3 (released
  // 100) runs 100-150, and so on: frames 3j and 3j+1 run at 100j and
  // 100j + 50 ms, frame 3j+2 is dropped. 40 of 60 run, all late: 20 fps.
  FakeTime t;
  t.latency_secs = [](int) { return 0.050; };
  auto r = RunSustained({.fps = 30, .duration_secs = 2, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->frames.size(), 60u);
  for (int k = 0; k < 60; ++k) {
    const SustainedFrame& f = r->frames[k];
    EXPECT_DOUBLE_EQ(f.release_secs, k / 30.0);
    if (k % 3 == 2) {
      EXPECT_TRUE(f.dropped) << k;
      continue;
    }
    EXPECT_FALSE(f.dropped) << k;
    EXPECT_TRUE(f.missed) << k;
    const double start = (k / 3) * 0.1 + (k % 3 == 1 ? 0.05 : 0.0);
    EXPECT_NEAR(f.start_secs, start, 1e-9) << k;
    EXPECT_NEAR(f.latency_ms, 50.0, 1e-6);
  }
  EXPECT_EQ(t.calls, 40);
  EXPECT_EQ(r->frames_run, 40);
  EXPECT_EQ(r->missed, 40);
  EXPECT_EQ(r->dropped, 20);
  EXPECT_DOUBLE_EQ(r->achieved_fps, 20.0);
  ASSERT_EQ(r->windows.size(), 2u);
  EXPECT_EQ(r->windows[0].frames, 20);
  EXPECT_EQ(r->windows[0].dropped, 10);
  EXPECT_DOUBLE_EQ(r->windows[0].achieved_fps, 20.0);
  EXPECT_DOUBLE_EQ(r->miss_fraction, 1.0);
  EXPECT_TRUE(r->cannot_keep_up);
  EXPECT_FALSE(r->throttling);
  EXPECT_EQ(r->verdict,
            "cannot keep up: 100% of frames missed their deadline (40 late, "
            "20 dropped)");
}

TEST(SustainedTest, SlightlySlowModelDropsWithoutBursts) {
  // 40 ms frames, 33.3 ms period: frames 0..4 run back to back from 0 to
  // 200 ms (each starts less than a period after its release); at 200 ms
  // frame 5's deadline has passed, so it is dropped and frame 6 (released
  // exactly at 200 ms) runs. Pattern per 200 ms: 5 run, 1 dropped: 25 fps.
  FakeTime t;
  t.latency_secs = [](int) { return 0.040; };
  auto r = RunSustained({.fps = 30, .duration_secs = 2, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  for (int k = 0; k < 60; ++k) {
    const SustainedFrame& f = r->frames[k];
    EXPECT_EQ(f.dropped, k % 6 == 5) << k;
    if (f.dropped) continue;
    EXPECT_NEAR(f.start_secs, (k / 6) * 0.2 + (k % 6) * 0.04, 1e-9) << k;
    // Every run frame starts within one period of its release.
    EXPECT_LT(f.start_secs - f.release_secs, 1 / 30.0) << k;
  }
  EXPECT_EQ(r->frames_run, 50);
  EXPECT_EQ(r->dropped, 10);
  EXPECT_DOUBLE_EQ(r->achieved_fps, 25.0);
  EXPECT_TRUE(r->cannot_keep_up);
}

TEST(SustainedTest, OccasionalLateFrameIsNotCannotKeepUp) {
  // 60 frames of 2 ms, but frame 10 takes 40 ms: it misses its deadline and
  // frame 11 starts late (at 10/30 + 40 ms, released 11/30) but in time
  // for its own deadline. 1 of 60 missed = 1.7% < 5%.
  FakeTime t;
  t.latency_secs = [](int n) { return n == 10 ? 0.040 : 0.002; };
  auto r = RunSustained({.fps = 30, .duration_secs = 2, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->missed, 1);
  EXPECT_TRUE(r->frames[10].missed);
  EXPECT_FALSE(r->frames[11].missed);
  EXPECT_NEAR(r->frames[11].start_secs, 10 / 30.0 + 0.040, 1e-9);
  EXPECT_NEAR(r->frames[12].start_secs, 12 / 30.0, 1e-9);  // back on grid
  EXPECT_EQ(r->dropped, 0);
  EXPECT_FALSE(r->cannot_keep_up);
  EXPECT_EQ(r->verdict, "stable");
}

TEST(SustainedTest, HeatingModelIsThrottling) {
  // Latency grows linearly, 5 ms + 0.05 ms per frame, 6 windows of 30
  // frames. Window w holds frames 30w..30w+29; its median is at frame
  // 30w + 14.5: 5.725 ms first, 13.225 ms last. All finish within the
  // 33.3 ms period.
  FakeTime t;
  t.latency_secs = [](int n) { return (5.0 + 0.05 * n) * 1e-3; };
  auto r = RunSustained({.fps = 30, .duration_secs = 6, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->windows.size(), 6u);
  for (int w = 0; w < 6; ++w) {
    EXPECT_NEAR(r->windows[w].latency_ms.p50, 5.0 + 0.05 * (30 * w + 14.5),
                1e-6)
        << w;
  }
  EXPECT_EQ(r->missed, 0);
  const double drift = (13.225 - 5.725) / 5.725;  // 1.31004...
  EXPECT_NEAR(r->drift, drift, 1e-6);
  EXPECT_TRUE(r->throttling);
  EXPECT_FALSE(r->cannot_keep_up);
  EXPECT_EQ(r->verdict,
            "throttling: p50 rose 131% from the first to the last window");
}

TEST(SustainedTest, OneSlowLastWindowIsNotThrottling) {
  // 10 ms everywhere, 11.5 ms in the last of 6 windows: drift 15%, but the
  // last third (windows 4-5, mean 10.75 ms) is only 7.5% above the first
  // third (10 ms), so the slowdown is not consistent.
  FakeTime t;
  t.latency_secs = [](int n) { return n >= 150 ? 0.0115 : 0.010; };
  auto r = RunSustained({.fps = 30, .duration_secs = 6, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->drift, 0.15, 1e-6);
  EXPECT_FALSE(r->throttling);
  EXPECT_EQ(r->verdict, "stable");

  // The same step over the last two windows: last third 15% above the
  // first: throttling.
  FakeTime t2;
  t2.latency_secs = [](int n) { return n >= 120 ? 0.0115 : 0.010; };
  auto r2 = RunSustained({.fps = 30, .duration_secs = 6, .window_secs = 1},
                         t2.invoke(), t2.clock());
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->throttling);
  EXPECT_EQ(r2->verdict,
            "throttling: p50 rose 15% from the first to the last window");
}

TEST(SustainedTest, ThrottlingAndCannotKeepUpTogether) {
  // 20 ms for the first second, then 50 ms (> 33.3 ms period).
  FakeTime t;
  t.latency_secs = [](int n) { return n < 30 ? 0.020 : 0.050; };
  auto r = RunSustained({.fps = 30, .duration_secs = 6, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->throttling);
  EXPECT_TRUE(r->cannot_keep_up);
  EXPECT_NEAR(r->drift, 1.5, 1e-6);
  EXPECT_EQ(r->verdict.rfind("throttling: p50 rose 150% from the first to the "
                             "last window; cannot keep up: ",
                             0),
            0u)
      << r->verdict;
}

TEST(SustainedTest, TooFewWindowsToCallThrottling) {
  // The same slowdown over 3 windows: too short to tell, no verdict.
  FakeTime t;
  t.latency_secs = [](int n) { return n < 30 ? 0.010 : 0.025; };
  auto r = RunSustained({.fps = 30, .duration_secs = 3, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->drift, 1.5, 1e-6);
  EXPECT_FALSE(r->throttling);
  EXPECT_EQ(r->verdict, "stable");
}

TEST(SustainedTest, InvalidOptions) {
  FakeTime t;
  const SustainedOptions bad[] = {
      {.fps = 0, .duration_secs = 1, .window_secs = 1},
      {.fps = -30, .duration_secs = 1, .window_secs = 1},
      {.fps = NAN, .duration_secs = 1, .window_secs = 1},
      {.fps = 30, .duration_secs = 0, .window_secs = 1},
      {.fps = 30, .duration_secs = -1, .window_secs = 1},
      {.fps = 30, .duration_secs = INFINITY, .window_secs = 1},
      {.fps = 30, .duration_secs = 1, .window_secs = 0},
      {.fps = 30, .duration_secs = 1, .window_secs = -1},
      {.fps = 1e9, .duration_secs = 10, .window_secs = 1},  // 1e10 frames
  };
  for (const SustainedOptions& o : bad) {
    auto r = RunSustained(o, t.invoke(), t.clock());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument)
        << o.fps << " " << o.duration_secs << " " << o.window_secs;
  }
  EXPECT_EQ(t.calls, 0);
}

TEST(SustainedTest, InvokeErrorStopsTheRun) {
  FakeTime t;
  int calls = 0;
  auto r = RunSustained(
      {.fps = 30, .duration_secs = 2, .window_secs = 1},
      [&] {
        ++calls;
        t.now += 0.002;
        return calls == 3 ? Internal("boom") : Status::Ok();
      },
      t.clock());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().message(), "sustained: frame 2 of 60: boom");
  EXPECT_EQ(calls, 3);
}

TEST(SustainedTest, JsonAndText) {
  FakeTime t;
  t.latency_secs = [](int) { return 0.050; };
  auto r = RunSustained({.fps = 30, .duration_secs = 2, .window_secs = 1},
                        t.invoke(), t.clock());
  ASSERT_TRUE(r.ok());
  const nlohmann::json j = ToJson(*r);
  EXPECT_EQ(j["target_fps"], 30.0);
  EXPECT_EQ(j["frames_released"], 60);
  EXPECT_EQ(j["frames_run"], 40);
  EXPECT_EQ(j["dropped"], 20);
  EXPECT_EQ(j["missed"], 40);
  EXPECT_DOUBLE_EQ(j["achieved_fps"].get<double>(), 20.0);
  EXPECT_EQ(j["cannot_keep_up"], true);
  EXPECT_EQ(j["verdict"], r->verdict);
  ASSERT_EQ(j["windows"].size(), 2u);
  EXPECT_EQ(j["windows"][1]["frames"], 20);
  EXPECT_NEAR(j["windows"][1]["latency_ms"]["p50"].get<double>(), 50.0, 1e-6);
  ASSERT_EQ(j["frames"].size(), 60u);
  EXPECT_TRUE(j["frames"][2]["dropped"].get<bool>());
  EXPECT_TRUE(j["frames"][2]["start_s"].is_null());
  EXPECT_NEAR(j["frames"][1]["start_s"].get<double>(), 0.05, 1e-9);
  EXPECT_TRUE(j["frames"][1]["missed"].get<bool>());

  const std::string text = FormatSustained(*r);
  // Header, column names, 2 windows, overall, verdict.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
  EXPECT_NE(text.find("30 fps target for 2 s"), std::string::npos) << text;
  EXPECT_NE(text.find("40 of 60 frames run, 20.00 fps achieved"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("verdict: cannot keep up: 100%"), std::string::npos);
}

TEST(SustainedTest, RealClockDoesNotDrift) {
  // 0.3 s at 50 fps of a no-op: 15 frames released every 20 ms. With
  // absolute deadlines each frame starts within a sleep's overshoot of its
  // release, and the overshoots do not add up.
  auto r = RunSustained({.fps = 50, .duration_secs = 0.3, .window_secs = 0.1},
                        [] { return Status::Ok(); });
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->frames.size(), 15u);
  EXPECT_EQ(r->dropped, 0);
  std::vector<double> lateness;
  for (const SustainedFrame& f : r->frames) {
    EXPECT_GE(f.start_secs, f.release_secs - 1e-6);
    lateness.push_back(f.start_secs - f.release_secs);
  }
  std::sort(lateness.begin(), lateness.end());
  EXPECT_LT(lateness[lateness.size() / 2], 0.002);
  EXPECT_NEAR(r->frames.back().start_secs, 14 / 50.0, 0.005);
  ASSERT_EQ(r->windows.size(), 3u);
  EXPECT_EQ(r->windows[0].frames, 5);
}

}  // namespace
}  // namespace mai::bench

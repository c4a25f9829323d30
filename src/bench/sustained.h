// Sustained performance: runs a model at a fixed frame rate for a while, as
// a camera or video pipeline would, and reports whether it keeps up and
// whether it slows down over time (thermal throttling).
//
//   SustainedOptions opt{.fps = 30, .duration_secs = 60, .window_secs = 1};
//   Result<SustainedResult> r =
//       RunSustained(opt, [&] { return session.Invoke(); });
//   if (r.ok()) fmt::print("{}", FormatSustained(*r));
//
// Pacing. Frames are released on absolute deadlines: frame k is released at
// start + k / fps and must finish by its deadline, release + 1 / fps. A frame
// is never started before its release (the run sleeps until then); pacing
// never sleeps "a period after the previous run", so sleep overshoots and
// slow frames do not accumulate into drift.
//
// Drop rule ("newest frame wins"). When the model becomes free at time t,
// every frame not yet started whose deadline has already passed
// (release + 1 / fps <= t) is dropped, and the newest released frame starts
// at once. So a frame starts at most one period after its release, a late
// model never runs a burst of stale frames back to back, and the release
// grid stays fixed: which frames run depends only on the clock, not on how
// many frames were late before.
//
// Frames: frames_released = ceil(duration * fps), those with a release
// strictly before start + duration. The last frame may finish after
// start + duration; the run does not cut it short.
//
// Windows: frame k belongs to window floor(release_k / window_secs) (by its
// release time, dropped frames included); the last window may be shorter
// than window_secs. A window's achieved FPS is the frames it ran divided by
// its length.
//
// Times come from a Clock (run_plan.h), so tests drive them with a fake one.
#ifndef MAI_BENCH_SUSTAINED_H_
#define MAI_BENCH_SUSTAINED_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "bench/latency_stats.h"
#include "bench/run_plan.h"
#include "core/status.h"

namespace mai::bench {

struct SustainedOptions {
  double fps = 30;            // target frame rate (> 0)
  double duration_secs = 60;  // releases happen in [0, duration) (> 0)
  double window_secs = 1;     // length of a reporting window (> 0)
};

// Verdict thresholds.
//
// Throttling: the median latency of the last window is more than 10% above
// the first window's, AND the mean of the window medians over the last third
// of the windows is also more than 10% above the mean over the first third
// (so a single slow window at the end does not count; with 2 windows each
// "third" is one window).
inline constexpr double kThrottleDrift = 0.10;
// A throttling verdict needs at least this many windows that ran frames:
// over a few seconds, cache and frequency noise on a shared machine moves
// the median by tens of percent (seen: +35% over three 1-s windows).
inline constexpr size_t kMinThrottleWindows = 6;
// Cannot keep up: more than 5% of the released frames missed their deadline
// (finished late, or were dropped without running).
inline constexpr double kMaxMissFraction = 0.05;
// At most this many frames per run (fps * duration), so a typo such as
// --fps 1e9 is an error rather than gigabytes of frame records.
inline constexpr int64_t kMaxSustainedFrames = 1'000'000;
// Tolerance in seconds when comparing times that are equal on paper (a
// release and a clock value that reached it through sums), so that floating
// point rounding never moves a frame across a release or a deadline.
inline constexpr double kSustainedTimeEpsilon = 1e-9;

// One released frame. Times are in seconds since the start of the run.
struct SustainedFrame {
  int64_t index = 0;
  double release_secs = 0;  // index / fps
  double start_secs = 0;    // when invoke began; 0 if dropped
  double latency_ms = 0;    // invoke's duration; 0 if dropped
  bool missed = false;      // ran and finished after release + 1 / fps
  bool dropped = false;     // never ran (see the drop rule above)
};

struct SustainedWindow {
  int index = 0;
  double begin_secs = 0;  // releases in [begin_secs, end_secs)
  double end_secs = 0;
  int64_t frames = 0;       // frames run
  double achieved_fps = 0;  // frames / (end_secs - begin_secs)
  LatencyStats latency_ms;  // over the frames run
  int64_t missed = 0;
  int64_t dropped = 0;
};

struct SustainedResult {
  SustainedOptions options;
  std::vector<SustainedFrame> frames;  // every released frame, in order
  std::vector<SustainedWindow> windows;
  int64_t frames_released = 0;
  int64_t frames_run = 0;
  double achieved_fps = 0;  // frames_run / duration_secs
  LatencyStats latency_ms;  // over all frames run
  int64_t missed = 0;
  int64_t dropped = 0;
  // (missed + dropped) / frames_released.
  double miss_fraction = 0;
  // (p50 of the last window - p50 of the first) / p50 of the first, over
  // the windows that ran at least one frame; 0 when fewer than one such
  // window or the first p50 is 0.
  double drift = 0;
  bool throttling = false;
  bool cannot_keep_up = false;
  // "stable"; or "throttling: p50 rose X% from the first to the last
  // window"; or "cannot keep up: N% of frames missed their deadline (M late,
  // D dropped)"; both findings joined by "; " when both hold.
  std::string verdict;
};

// Runs `invoke` paced as described at the top of this file. The first error
// of `invoke` stops the run and is returned with the frame index as
// context. InvalidArgument when fps, duration_secs or window_secs is not a
// positive finite number, or fps * duration_secs exceeds
// kMaxSustainedFrames.
Result<SustainedResult> RunSustained(const SustainedOptions& options,
                                     const std::function<Status()>& invoke,
                                     const Clock& clock = Clock::Steady());

// Builds windows, totals, drift and verdict from frame records (those of
// RunSustained, or any others following the same layout). `options` must
// be valid as RunSustained requires; frames with a release outside
// [0, duration) go to the nearest window.
SustainedResult AnalyzeSustained(const SustainedOptions& options,
                                 std::vector<SustainedFrame> frames);

// JSON object: target_fps, duration_s, window_s, frames_released,
// frames_run, achieved_fps, missed, dropped, miss_fraction, drift,
// throttling, cannot_keep_up, verdict, latency_ms {count, mean, std, min,
// p50, p90, p99, max, cv}, windows [...], frames [...] (docs/sustained.md).
nlohmann::json ToJson(const SustainedResult& result);

// Human-readable report: a header, one line per window, and a summary with
// the verdict. Ends with a newline.
std::string FormatSustained(const SustainedResult& result);

}  // namespace mai::bench

#endif  // MAI_BENCH_SUSTAINED_H_

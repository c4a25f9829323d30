#include "bench/sustained.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace mai::bench {
namespace {

// Tolerance in frames when turning duration * fps into a frame count, so
// that 0.3 s * 50 fps (15.000000000000002 in doubles) gives 15 frames.
constexpr double kFrameCountEpsilon = 1e-6;

bool PositiveFinite(double v) { return std::isfinite(v) && v > 0; }

int64_t FrameCount(const SustainedOptions& o) {
  return std::max<int64_t>(
      1, static_cast<int64_t>(
             std::ceil(o.duration_secs * o.fps - kFrameCountEpsilon)));
}

int WindowCount(const SustainedOptions& o) {
  return std::max(
      1, static_cast<int>(
             std::ceil(o.duration_secs / o.window_secs - kFrameCountEpsilon)));
}

double MeanP50(const std::vector<const SustainedWindow*>& w, size_t begin,
               size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += w[i]->latency_ms.p50;
  return end > begin ? sum / static_cast<double>(end - begin) : 0.0;
}

nlohmann::json StatsJson(const LatencyStats& s) {
  return {{"count", s.count}, {"mean", s.mean}, {"std", s.std},
          {"min", s.min},     {"p50", s.p50},   {"p90", s.p90},
          {"p99", s.p99},     {"max", s.max},   {"cv", s.cv}};
}

}  // namespace

Result<SustainedResult> RunSustained(const SustainedOptions& options,
                                     const std::function<Status()>& invoke,
                                     const Clock& clock) {
  if (!PositiveFinite(options.fps) || !PositiveFinite(options.duration_secs) ||
      !PositiveFinite(options.window_secs)) {
    return InvalidArgument(
        "sustained: fps ({}), duration ({} s) and window ({} s) must be "
        "positive",
        options.fps, options.duration_secs, options.window_secs);
  }
  if (options.fps * options.duration_secs >
      static_cast<double>(kMaxSustainedFrames)) {
    return InvalidArgument("sustained: {} fps for {} s is more than {} frames",
                           options.fps, options.duration_secs,
                           kMaxSustainedFrames);
  }
  const int64_t n = FrameCount(options);
  const double period = 1.0 / options.fps;
  auto release = [&](int64_t k) {
    return static_cast<double>(k) / options.fps;
  };

  std::vector<SustainedFrame> frames(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    frames[k].index = k;
    frames[k].release_secs = release(k);
  }
  const double t0 = clock.now_secs();
  int64_t next = 0;  // the first frame neither run nor dropped
  while (next < n) {
    double now = clock.now_secs() - t0;
    // The newest frame released by now; every older frame not yet started
    // has passed its deadline (release + period <= now) and is dropped.
    const int64_t newest = static_cast<int64_t>(
        std::floor((now + kSustainedTimeEpsilon) * options.fps));
    if (newest > next) {
      const int64_t stop = std::min(newest, n);
      for (; next < stop; ++next) frames[next].dropped = true;
      if (next >= n) break;
    }
    SustainedFrame& f = frames[next];
    if (now < f.release_secs - kSustainedTimeEpsilon) {
      clock.sleep_secs(f.release_secs - now);
      now = clock.now_secs() - t0;
    }
    f.start_secs = now;
    Status s = invoke();
    if (!s.ok()) {
      return s.WithContext(fmt::format("sustained: frame {} of {}", next, n));
    }
    const double end = clock.now_secs() - t0;
    f.latency_ms = (end - now) * 1e3;
    f.missed = end > f.release_secs + period + kSustainedTimeEpsilon;
    ++next;
  }
  return AnalyzeSustained(options, std::move(frames));
}

SustainedResult AnalyzeSustained(const SustainedOptions& options,
                                 std::vector<SustainedFrame> frames) {
  SustainedResult r;
  r.options = options;
  r.frames = std::move(frames);
  const int nw = WindowCount(options);
  r.windows.resize(static_cast<size_t>(nw));
  std::vector<std::vector<double>> window_ms(static_cast<size_t>(nw));
  std::vector<double> all_ms;
  for (const SustainedFrame& f : r.frames) {
    const double pos = std::floor((f.release_secs + kSustainedTimeEpsilon) /
                                  options.window_secs);
    const int w = static_cast<int>(std::clamp(pos, 0.0, nw - 1.0));
    SustainedWindow& win = r.windows[w];
    ++r.frames_released;
    if (f.dropped) {
      ++win.dropped;
      ++r.dropped;
      continue;
    }
    ++win.frames;
    ++r.frames_run;
    if (f.missed) {
      ++win.missed;
      ++r.missed;
    }
    window_ms[w].push_back(f.latency_ms);
    all_ms.push_back(f.latency_ms);
  }
  for (int w = 0; w < nw; ++w) {
    SustainedWindow& win = r.windows[w];
    win.index = w;
    win.begin_secs = w * options.window_secs;
    win.end_secs =
        std::min((w + 1) * options.window_secs, options.duration_secs);
    const double len = win.end_secs - win.begin_secs;
    win.achieved_fps = len > 0 ? static_cast<double>(win.frames) / len : 0.0;
    win.latency_ms = Summarize(window_ms[w]);
  }
  r.latency_ms = Summarize(all_ms);
  r.achieved_fps = static_cast<double>(r.frames_run) / options.duration_secs;
  r.miss_fraction = r.frames_released > 0
                        ? static_cast<double>(r.missed + r.dropped) /
                              static_cast<double>(r.frames_released)
                        : 0.0;

  // Drift and throttling over the windows that ran something.
  std::vector<const SustainedWindow*> ran;
  for (const SustainedWindow& w : r.windows) {
    if (w.frames > 0) ran.push_back(&w);
  }
  std::vector<std::string> findings;
  if (ran.size() >= 2 && ran.front()->latency_ms.p50 > 0) {
    const double first = ran.front()->latency_ms.p50;
    r.drift = (ran.back()->latency_ms.p50 - first) / first;
    const size_t third = std::max<size_t>(1, ran.size() / 3);
    const double head = MeanP50(ran, 0, third);
    const double tail = MeanP50(ran, ran.size() - third, ran.size());
    r.throttling = ran.size() >= kMinThrottleWindows &&
                   r.drift > kThrottleDrift && head > 0 &&
                   (tail - head) / head > kThrottleDrift;
  }
  if (r.throttling) {
    findings.push_back(fmt::format(
        "throttling: p50 rose {:.0f}% from the first to the last window",
        r.drift * 100));
  }
  r.cannot_keep_up = r.miss_fraction > kMaxMissFraction;
  if (r.cannot_keep_up) {
    findings.push_back(fmt::format(
        "cannot keep up: {:.0f}% of frames missed their deadline ({} late, {} "
        "dropped)",
        r.miss_fraction * 100, r.missed, r.dropped));
  }
  if (findings.empty()) {
    r.verdict = "stable";
  } else {
    r.verdict = findings[0];
    for (size_t i = 1; i < findings.size(); ++i)
      r.verdict += "; " + findings[i];
  }
  return r;
}

nlohmann::json ToJson(const SustainedResult& r) {
  nlohmann::json windows = nlohmann::json::array();
  for (const SustainedWindow& w : r.windows) {
    windows.push_back({{"index", w.index},
                       {"begin_s", w.begin_secs},
                       {"end_s", w.end_secs},
                       {"frames", w.frames},
                       {"achieved_fps", w.achieved_fps},
                       {"missed", w.missed},
                       {"dropped", w.dropped},
                       {"latency_ms", StatsJson(w.latency_ms)}});
  }
  nlohmann::json frames = nlohmann::json::array();
  for (const SustainedFrame& f : r.frames) {
    nlohmann::json j = {{"index", f.index},
                        {"release_s", f.release_secs},
                        {"dropped", f.dropped}};
    j["missed"] = f.missed;
    if (f.dropped) {
      j["start_s"] = nullptr;
      j["latency_ms"] = nullptr;
    } else {
      j["start_s"] = f.start_secs;
      j["latency_ms"] = f.latency_ms;
    }
    frames.push_back(std::move(j));
  }
  return {{"target_fps", r.options.fps},
          {"duration_s", r.options.duration_secs},
          {"window_s", r.options.window_secs},
          {"frames_released", r.frames_released},
          {"frames_run", r.frames_run},
          {"achieved_fps", r.achieved_fps},
          {"missed", r.missed},
          {"dropped", r.dropped},
          {"miss_fraction", r.miss_fraction},
          {"drift", r.drift},
          {"throttling", r.throttling},
          {"cannot_keep_up", r.cannot_keep_up},
          {"verdict", r.verdict},
          {"latency_ms", StatsJson(r.latency_ms)},
          {"windows", std::move(windows)},
          {"frames", std::move(frames)}};
}

std::string FormatSustained(const SustainedResult& r) {
  std::string out = fmt::format(
      "sustained: {:g} fps target for {:g} s, windows of {:g} s\n",
      r.options.fps, r.options.duration_secs, r.options.window_secs);
  out += fmt::format(
      "{:>6}  {:>15}  {:>6}  {:>7}  {:>9}  {:>9}  {:>9}  {:>6}  {:>7}\n",
      "window", "time (s)", "frames", "fps", "p50 ms", "p90 ms", "p99 ms",
      "missed", "dropped");
  for (const SustainedWindow& w : r.windows) {
    out += fmt::format(
        "{:>6}  {:>15}  {:>6}  {:>7.2f}  {:>9.3f}  {:>9.3f}  {:>9.3f}  {:>6}  "
        "{:>7}\n",
        w.index, fmt::format("{:.2f}-{:.2f}", w.begin_secs, w.end_secs),
        w.frames, w.achieved_fps, w.latency_ms.p50, w.latency_ms.p90,
        w.latency_ms.p99, w.missed, w.dropped);
  }
  out += fmt::format(
      "overall: {} of {} frames run, {:.2f} fps achieved, p50 {:.3f} ms, p99 "
      "{:.3f} ms, {} missed, {} dropped, drift {:+.1f}%\n",
      r.frames_run, r.frames_released, r.achieved_fps, r.latency_ms.p50,
      r.latency_ms.p99, r.missed, r.dropped, r.drift * 100);
  out += "verdict: " + r.verdict + "\n";
  return out;
}

}  // namespace mai::bench

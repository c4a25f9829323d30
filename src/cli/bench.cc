// `mai bench MODEL`: init, first run, warm-up, timed runs, and on request a
// per-op profile (separate runs after the timed ones, so that the timer
// calls never touch the latency figures).
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "bench/latency_stats.h"
#include "bench/op_profiler.h"
#include "bench/power/power_source.h"
#include "bench/power_curve.h"
#include "bench/process_memory.h"
#include "bench/run_plan.h"
#include "bench/sustained.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/session_setup.h"
#include "core/sha256.h"
#include "device/device_info.h"

namespace mai::cli {
namespace {

struct BenchOptions {
  std::string model;
  std::vector<std::string> inputs;
  uint32_t seed = 1;
  std::string backend = "auto";
  bool no_fallback = false;
  int num_threads = 1;
  int num_runs = 50;
  int warmup_runs = 1;
  // benchmark_model's method: each phase runs until both its count and its
  // time are reached, and stops at its maximum time.
  double min_secs = 1.0;
  double max_secs = 150.0;
  double warmup_min_secs = 0.5;
  double run_delay = -1;     // seconds between timed runs; < 0: none
  double cooldown_secs = 0;  // pause before the timed phase
  int max_runs = 100000;     // per phase, whatever min_secs says
  // auto, none, rapl, hwmon, battery, command:CMD (docs/power.md)
  std::string power_source = "auto";
  bool isolate = false;
  // Power-performance curve: sustained runs at each of these frame rates.
  bool power_curve = false;
  std::string fps_list = "5,10,15,30,60";
  double curve_duration_secs = 10;
  std::string curve_csv, curve_svg;
  double power_budget = 0;  // W; 0: none
  // Sustained mode: frames paced at `fps` for `duration` seconds instead of
  // back-to-back timed runs.
  bool sustained = false;
  double fps = 30;
  double duration_secs = 60;
  double window_secs = 1;
  bool csv = false;
  bool markdown = false;
  std::string cpu_list;
  std::string use_xnnpack;  // "true"/"false" (benchmark_model spelling)
  bool report_peak_memory = false;
  std::string input_layer, input_layer_shape, input_layer_value_files;
  bool json = false;
  bool no_graph_passes = false;
  bool op_profiling = false;
  int profiling_runs = 0;  // 0: as many as num_runs
  int profile_top = 15;
  bool profile_all_nodes = false;
  double peak_gflops = 0;  // 0: measure
  std::string profile_csv;
  std::string profile_trace;
};

// The fp32 FMA peak the profile compares against, for `threads` threads.
double MeasurePeakGflops(int threads) {
  device::PeakOptions po;
  po.fma_only = true;
  po.num_threads = threads;
  auto peaks = device::MeasurePeaks(po);
  if (!peaks.ok()) return 0;
  return threads == 1 ? peaks->fma_gflops_1t : peaks->fma_gflops_all;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return IoError("cannot write {}", path);
  f << text;
  f.close();
  if (!f) return IoError("cannot write {}", path);
  return Status::Ok();
}

// The "power" object of the JSON report.
nlohmann::json PowerJson(const bench::PowerSource* source,
                         const std::optional<bench::PowerReading>& reading,
                         const std::string& unavailable,
                         const bench::LatencyStats& stats) {
  if (!reading || source == nullptr) {
    return {{"available", false}, {"reason", unavailable}};
  }
  return {{"available", true},
          {"source", source->name()},
          {"description", source->description()},
          {"method", reading->method},
          {"watts", reading->watts},
          {"joules", reading->joules},
          {"seconds", reading->seconds},
          {"samples", reading->samples},
          {"joules_per_inference",
           stats.count > 0 ? reading->joules / stats.count : 0.0}};
}

// The JSON report's schema id; docs/bench_report.schema.json describes it.
// Bump the number when a field changes meaning or disappears.
constexpr const char* kBenchReportSchema = "mai.bench.report/1";

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// `mai bench --isolate ...`: the same command without --isolate in a child
// process, so the measurement starts from a fresh process whatever ran
// before; its output and exit status become ours.
int RunIsolated() {
  std::vector<std::string> args;
  for (const std::string& a : CommandLine()) {
    if (a != "--isolate") args.push_back(a);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) {
    fmt::print(stderr, "mai bench: cannot start the isolated process\n");
    return 1;
  }
  if (pid == 0) {
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  fmt::print(stderr, "mai bench: the isolated measurement died ({})\n",
             WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "unknown");
  return 1;
}

// Opens and starts the power source `spec`. A source that does not exist
// or cannot be read gives a null pointer and the reason in `unavailable`;
// a malformed spec is an error.
Result<std::unique_ptr<bench::PowerSource>> StartPower(
    const std::string& spec, std::string& unavailable) {
  auto src = bench::OpenPowerSource(spec);
  if (!src.ok()) {
    if (src.status().code() != StatusCode::kNotFound) return src.status();
    unavailable = src.status().message();
    return std::unique_ptr<bench::PowerSource>();
  }
  if (Status st = (*src)->Start(); !st.ok()) {
    unavailable = st.message();
    return std::unique_ptr<bench::PowerSource>();
  }
  return std::move(*src);
}

// Sustained runs at each --fps_list rate with the power over each; writes
// the curve's CSV and SVG and reads off the best rate within
// --power_budget.
int RunPowerCurve(const BenchOptions& opt,
                  const std::function<Status()>& invoke) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai bench: {}\n", s.message());
    return 1;
  };
  std::vector<double> rates;
  std::string list = opt.fps_list;
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(pos, comma - pos);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || !(v > 0) ||
        v > 10000) {
      return fail(InvalidArgument("--fps_list '{}': '{}' is not a rate",
                                  opt.fps_list, item));
    }
    rates.push_back(v);
    pos = comma + 1;
  }
  std::vector<bench::CurvePoint> points;
  std::string power_note;
  for (double fps : rates) {
    auto power = StartPower(opt.power_source, power_note);
    if (!power.ok()) return fail(power.status());
    auto run = bench::RunSustained({.fps = fps,
                                    .duration_secs = opt.curve_duration_secs,
                                    .window_secs = opt.window_secs},
                                   invoke);
    if (!run.ok()) return fail(run.status());
    bench::CurvePoint p;
    p.target_fps = fps;
    p.achieved_fps = run->achieved_fps;
    p.p50_ms = run->latency_ms.p50;
    p.p90_ms = run->latency_ms.p90;
    p.miss_fraction = run->miss_fraction;
    p.verdict = run->verdict;
    if (*power) {
      if (auto r = (*power)->Stop(); r.ok()) {
        p.watts = r->watts;
      } else {
        power_note = r.status().message();
      }
    }
    points.push_back(p);
  }
  const std::string title =
      std::filesystem::path(opt.model).filename().string();
  if (!opt.curve_csv.empty()) {
    if (Status st = WriteTextFile(opt.curve_csv, bench::CurveCsv(points));
        !st.ok())
      return fail(st);
  }
  if (!opt.curve_svg.empty()) {
    if (Status st =
            WriteTextFile(opt.curve_svg, bench::CurveSvg(points, title));
        !st.ok())
      return fail(st);
  }
  std::optional<bench::CurvePoint> best;
  if (opt.power_budget > 0)
    best = bench::BestUnderBudget(points, opt.power_budget);
  if (opt.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : points) {
      j.push_back({{"target_fps", p.target_fps},
                   {"achieved_fps", p.achieved_fps},
                   {"p50_ms", p.p50_ms},
                   {"p90_ms", p.p90_ms},
                   {"miss_fraction", p.miss_fraction},
                   {"watts", p.watts ? nlohmann::json(*p.watts) : nullptr},
                   {"verdict", p.verdict}});
    }
    nlohmann::json out = {
        {"model", title}, {"power_curve", j}, {"power_note", power_note}};
    if (opt.power_budget > 0) {
      out["power_budget_w"] = opt.power_budget;
      out["best_fps_within_budget"] =
          best ? nlohmann::json(best->achieved_fps) : nullptr;
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("power curve  {} ({} s per rate)\n", title,
             opt.curve_duration_secs);
  fmt::print(
      "target fps  achieved fps    p50 ms    p90 ms  missed   power W  "
      "verdict\n");
  for (const auto& p : points) {
    fmt::print(
        "{:>10g}  {:>12.2f}  {:>8.3f}  {:>8.3f}  {:>5.1f}%  {:>8}  {}\n",
        p.target_fps, p.achieved_fps, p.p50_ms, p.p90_ms, 100 * p.miss_fraction,
        p.watts ? fmt::format("{:.3f}", *p.watts) : "unavailable", p.verdict);
  }
  if (!power_note.empty()) {
    std::string why = power_note;
    if (why.rfind("power: ", 0) == 0) why = why.substr(7);
    fmt::print("power        {}\n", why);
  }
  if (opt.power_budget > 0) {
    if (best) {
      fmt::print(
          "budget       {:.2f} fps sustained within {:g} W (target {:g})\n",
          best->achieved_fps, opt.power_budget, best->target_fps);
    } else {
      fmt::print("budget       no rate fits {:g} W{}\n", opt.power_budget,
                 power_note.empty() ? "" : " (power unavailable)");
    }
  }
  return 0;
}

int RunBench(const BenchOptions& opt) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai bench: {}\n", s.message());
    return 1;
  };
  if (opt.isolate) return RunIsolated();
  if (int(opt.json) + int(opt.csv) + int(opt.markdown) > 1) {
    return fail(InvalidArgument("choose one of --json, --csv, --markdown"));
  }
  if (opt.num_runs < 1) return fail(InvalidArgument("--num_runs must be >= 1"));
  if (opt.warmup_runs < 0)
    return fail(InvalidArgument("--warmup_runs must be >= 0"));
  if (opt.profiling_runs < 0)
    return fail(InvalidArgument("--profiling_runs must be >= 0"));
  if (opt.peak_gflops < 0)
    return fail(InvalidArgument("--peak_gflops must be >= 0"));
  if (opt.min_secs < 0 || opt.warmup_min_secs < 0 || opt.cooldown_secs < 0)
    return fail(InvalidArgument("times must be >= 0"));
  if (opt.max_secs > 0 && opt.max_secs < opt.min_secs)
    return fail(InvalidArgument("--max_secs {} is below --min_secs {}",
                                opt.max_secs, opt.min_secs));
  std::string backend = opt.backend;
  if (!opt.use_xnnpack.empty()) {
    if (opt.use_xnnpack == "true" || opt.use_xnnpack == "1") {
      if (backend == "ref") backend = "auto";
    } else if (opt.use_xnnpack == "false" || opt.use_xnnpack == "0") {
      backend = "ref";
    } else {
      return fail(InvalidArgument("--use_xnnpack takes true or false, not '{}'",
                                  opt.use_xnnpack));
    }
  }
  if (!opt.cpu_list.empty()) {
    auto cpus = bench::ParseCpuList(opt.cpu_list);
    if (!cpus.ok()) return fail(cpus.status());
    // Before the session exists, so its thread pool inherits the mask.
    if (Status st = bench::SetCpuAffinity(*cpus); !st.ok()) return fail(st);
  }
  auto tflite_inputs = ParseTfliteInputFlags(
      opt.input_layer, opt.input_layer_shape, opt.input_layer_value_files);
  if (!tflite_inputs.ok()) return fail(tflite_inputs.status());
  // Measured before the model is loaded, so that nothing else runs then.
  double peak_gflops = opt.peak_gflops;
  if (opt.op_profiling && peak_gflops == 0 && opt.num_threads >= 1) {
    peak_gflops = MeasurePeakGflops(opt.num_threads);
  }
  SessionOptions so;
  so.backend = backend;
  so.allow_fallback = !opt.no_fallback;
  so.num_threads = opt.num_threads;
  so.optimize_graph = !opt.no_graph_passes;

  bench::RssSampler sampler;
  if (opt.report_peak_memory) sampler.Start();
  Clock::time_point t0 = Clock::now();
  auto session = Session::LoadFile(opt.model, so);
  if (!session.ok()) return fail(session.status());
  double load_ms = MsSince(t0);
  std::vector<InputSpec> specs = tflite_inputs->files;
  for (const std::string& flag : opt.inputs) {
    auto spec = ParseInputFlag(flag);
    if (!spec.ok()) return fail(spec.status());
    specs.push_back(*spec);
  }
  Session& s = **session;
  t0 = Clock::now();
  if (Status st =
          PrepareAndFillInputs(s, specs, opt.seed, tflite_inputs->shapes);
      !st.ok())
    return fail(st);
  double prepare_ms = MsSince(t0);
  int64_t peak_rss_after_init = bench::PeakRssBytes();
  int64_t sampled_peak_after_init = 0;
  if (opt.report_peak_memory) {
    sampler.Stop();
    sampled_peak_after_init = sampler.peak_bytes();
    sampler.Start();
  }

  auto invoke = [&s] { return s.Invoke(); };
  t0 = Clock::now();
  if (Status st = s.Invoke(); !st.ok()) return fail(st);
  double first_ms = MsSince(t0);
  auto warmup = bench::RunPhase({.min_runs = opt.warmup_runs,
                                 .min_secs = opt.warmup_min_secs,
                                 .max_secs = opt.max_secs,
                                 .max_runs = opt.max_runs},
                                invoke);
  if (!warmup.ok()) return fail(warmup.status());
  if (opt.cooldown_secs > 0) {
    bench::Clock::Steady().sleep_secs(opt.cooldown_secs);
  }
  // The load average includes this process: read it before the timed runs.
  const bench::MachineLoad load = bench::ReadMachineLoad();
  bench::RunPlan plan;
  plan.min_runs = opt.num_runs;
  plan.min_secs = opt.min_secs;
  plan.max_secs = opt.max_secs;
  plan.run_delay_secs = opt.run_delay > 0 ? opt.run_delay : 0;
  plan.max_runs = std::max(opt.max_runs, opt.num_runs);
  if (opt.power_curve) return RunPowerCurve(opt, invoke);

  // Power over the timed phase, from a source that exists or not at all.
  std::string power_unavailable;
  auto started_power = StartPower(opt.power_source, power_unavailable);
  if (!started_power.ok()) return fail(started_power.status());
  std::unique_ptr<bench::PowerSource> power = std::move(*started_power);
  std::optional<bench::SustainedResult> sustained;
  Result<std::vector<double>> timed = std::vector<double>{};
  // A progress line on a terminal for phases of a few seconds or more.
  ProgressLine progress(opt.sustained ? "sustained" : "timed runs",
                        opt.sustained ? opt.duration_secs : opt.min_secs);
  auto counted = [&] {
    progress.Tick();
    return s.Invoke();
  };
  if (opt.sustained) {
    auto r = bench::RunSustained({.fps = opt.fps,
                                  .duration_secs = opt.duration_secs,
                                  .window_secs = opt.window_secs},
                                 counted);
    if (!r.ok()) return fail(r.status());
    std::vector<double> ms;
    for (const bench::SustainedFrame& f : r->frames) {
      if (!f.dropped) ms.push_back(f.latency_ms);
    }
    sustained = std::move(*r);
    timed = std::move(ms);
  } else {
    timed = bench::RunPhase(plan, counted);
  }
  progress.Finish();
  std::optional<bench::PowerReading> power_reading;
  if (power) {
    auto r = power->Stop();
    if (r.ok()) {
      power_reading = *r;
    } else {
      power_unavailable = r.status().message();
    }
  }
  if (!timed.ok()) return fail(timed.status());
  std::vector<double> samples = std::move(*timed);
  const bench::LatencyStats stats = bench::Summarize(samples);
  const std::vector<std::string> warnings =
      bench::StabilityWarnings(stats, load);
  int64_t sampled_peak = 0;
  if (opt.report_peak_memory) {
    sampler.Stop();
    sampled_peak = std::max(sampled_peak_after_init, sampler.peak_bytes());
  }
  MemoryStats mem = s.memory();
  int64_t peak_rss = bench::PeakRssBytes();

  std::optional<bench::OpProfile> profile;
  if (opt.op_profiling) {
    bench::OpProfiler profiler;
    s.set_profiler(&profiler);
    const int runs = opt.profiling_runs > 0 ? opt.profiling_runs : opt.num_runs;
    for (int i = 0; i < runs; ++i) {
      profiler.BeginRun();
      Status st = s.Invoke();
      profiler.EndRun();
      if (!st.ok()) return fail(st);
    }
    s.set_profiler(nullptr);
    profile = bench::BuildOpProfile(s, profiler, peak_gflops);
    if (!opt.profile_csv.empty()) {
      if (Status st =
              WriteTextFile(opt.profile_csv, bench::OpProfileCsv(*profile));
          !st.ok())
        return fail(st);
    }
    if (!opt.profile_trace.empty()) {
      if (Status st = WriteTextFile(
              opt.profile_trace,
              bench::OpProfileChromeTrace(*profile, profiler, opt.model));
          !st.ok())
        return fail(st);
    }
  }

  std::map<std::string, int> fallback_ops;
  nlohmann::json fallback_json = nlohmann::json::array();
  for (const Session::Fallback& f : s.fallbacks()) {
    fallback_ops[f.op]++;
    fallback_json.push_back(
        {{"node", f.node_index}, {"op", f.op}, {"reason", f.reason}});
  }

  if (opt.json) {
    // The bytes that were measured: the model as mapped, not a second read.
    const auto& storage = s.model().storage;
    Result<std::string> sha =
        storage
            ? Result<std::string>(Sha256Hex({storage->data(), storage->size()}))
            : Sha256HexOfFile(opt.model);
    nlohmann::json device_json = nullptr;
    if (auto d = device::DescribeDevice(); d.ok()) {
      device_json = device::ToJson(*d);
    }
    nlohmann::json j = {
        {"schema", kBenchReportSchema},
        {"tool", {{"name", "mai"}, {"version", MAI_VERSION}}},
        {"model",
         {{"path", opt.model},
          {"file", std::filesystem::path(opt.model).filename().string()},
          {"sha256", sha.ok() ? *sha : ""},
          {"bytes", mem.model_file_bytes}}},
        {"backend", backend},
        {"num_threads", opt.num_threads},
        {"options",
         {{"backend", opt.backend},
          {"no_fallback", opt.no_fallback},
          {"graph_passes", !opt.no_graph_passes},
          {"seed", opt.seed},
          {"inputs_from_files", !specs.empty()},
          {"num_runs", opt.num_runs},
          {"min_secs", opt.min_secs},
          {"max_secs", opt.max_secs},
          {"max_runs", opt.max_runs},
          {"warmup_runs", opt.warmup_runs},
          {"warmup_min_secs", opt.warmup_min_secs},
          {"run_delay", opt.run_delay},
          {"cooldown_secs", opt.cooldown_secs},
          {"cpu_list", opt.cpu_list},
          {"power_source", opt.power_source}}},
        {"device", device_json},
        {"init_ms", {{"load", load_ms}, {"prepare", prepare_ms}}},
        {"first_run_ms", first_ms},
        {"warmup_runs", warmup->size()},
        {"warmup", {{"count", warmup->size()}, {"samples_ms", *warmup}}},
        {"runs",
         {{"count", stats.count},
          {"mean_ms", stats.mean},
          {"std_ms", stats.std},
          {"min_ms", stats.min},
          {"median_ms", stats.p50},
          {"p90_ms", stats.p90},
          {"p99_ms", stats.p99},
          {"max_ms", stats.max},
          {"cv", stats.cv},
          {"samples_ms", samples}}},
        {"machine_load", {{"load1", load.load1}, {"cpus", load.cpus}}},
        {"power",
         PowerJson(power.get(), power_reading, power_unavailable, stats)},
        {"warnings", warnings},
        {"memory",
         {{"arena_bytes", mem.arena_bytes},
          {"arena_lower_bound_bytes", mem.arena_lower_bound_bytes},
          {"constant_bytes", mem.constant_bytes},
          {"folded_bytes", mem.folded_bytes},
          {"fused_activations", mem.fused_activations},
          {"folded_pads", mem.folded_pads},
          {"concats_in_place", mem.concats_in_place},
          {"reshapes_removed", mem.reshapes_removed},
          {"peak_rss_after_init_bytes", peak_rss_after_init},
          {"peak_rss_bytes", peak_rss},
          {"sampled_peak_rss_after_init_bytes", sampled_peak_after_init},
          {"sampled_peak_rss_bytes", sampled_peak}}},
        {"fallbacks", fallback_json}};
    if (profile) j["op_profile"] = bench::OpProfileJson(*profile);
    if (sustained) j["sustained"] = bench::ToJson(*sustained);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  if (opt.csv || opt.markdown) {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"model", std::filesystem::path(opt.model).filename().string()},
        {"backend", backend},
        {"num_threads", std::to_string(opt.num_threads)},
        {"init_ms", fmt::format("{:.3f}", load_ms + prepare_ms)},
        {"first_run_ms", fmt::format("{:.3f}", first_ms)},
        {"runs", std::to_string(stats.count)},
        {"mean_ms", fmt::format("{:.4f}", stats.mean)},
        {"std_ms", fmt::format("{:.4f}", stats.std)},
        {"min_ms", fmt::format("{:.4f}", stats.min)},
        {"p50_ms", fmt::format("{:.4f}", stats.p50)},
        {"p90_ms", fmt::format("{:.4f}", stats.p90)},
        {"p99_ms", fmt::format("{:.4f}", stats.p99)},
        {"max_ms", fmt::format("{:.4f}", stats.max)},
        {"cv", fmt::format("{:.4f}", stats.cv)},
        {"arena_bytes", std::to_string(mem.arena_bytes)},
        {"peak_rss_bytes", std::to_string(peak_rss)},
        {"power_w", power_reading ? fmt::format("{:.3f}", power_reading->watts)
                                  : std::string("unavailable")},
        {"warnings", std::to_string(warnings.size())},
    };
    if (opt.csv) {
      std::string header, values;
      for (const auto& [k, v] : rows) {
        header += (header.empty() ? "" : ",") + k;
        values += (values.empty() ? "" : ",") +
                  (v.find(',') != std::string::npos ? "\"" + v + "\"" : v);
      }
      fmt::print("{}\n{}\n", header, values);
    } else {
      fmt::print("| metric | value |\n|---|---|\n");
      for (const auto& [k, v] : rows) fmt::print("| {} | {} |\n", k, v);
      for (const std::string& w : warnings) fmt::print("\n> warning: {}\n", w);
    }
    return 0;
  }
  fmt::print("model        {}\n", opt.model);
  fmt::print("backend      {} ({} thread{})\n", backend, opt.num_threads,
             opt.num_threads == 1 ? "" : "s");
  fmt::print("init         load {:.2f} ms, prepare {:.2f} ms\n", load_ms,
             prepare_ms);
  fmt::print("first run    {:.3f} ms\n", first_ms);
  fmt::print("runs         {} after {} warm-up\n", stats.count, warmup->size());
  fmt::print(
      "latency ms   mean {:.3f}  std {:.3f}  min {:.3f}  p50 {:.3f}  p90 "
      "{:.3f}  "
      "p99 {:.3f}  max {:.3f}  (CV {:.1f}%)\n",
      stats.mean, stats.std, stats.min, stats.p50, stats.p90, stats.p99,
      stats.max, 100 * stats.cv);
  for (const std::string& w : warnings) fmt::print("warning      {}\n", w);
  if (power_reading) {
    fmt::print(
        "power        {:.3f} W average, {:.3f} mJ per inference ({})\n",
        power_reading->watts,
        stats.count > 0 ? 1e3 * power_reading->joules / stats.count : 0.0,
        power->description());
  } else {
    std::string why = power_unavailable;
    if (why.rfind("power: ", 0) == 0) why = why.substr(7);
    fmt::print("power        {}\n", why);
  }
  if (!fallback_ops.empty()) {
    std::string list;
    for (auto& [op, count] : fallback_ops)
      list += fmt::format(" {}x{}", op, count);
    fmt::print("fallback     {} nodes run on ref:{}\n", s.fallbacks().size(),
               list);
  }
  fmt::print(
      "arena        {} bytes (lower bound {}); constants {} bytes in place, "
      "{} bytes folded\n",
      mem.arena_bytes, mem.arena_lower_bound_bytes, mem.constant_bytes,
      mem.folded_bytes);
  fmt::print(
      "graph passes {} activations fused, {} pads folded, {} concatenations "
      "in place, {} reshapes removed\n",
      mem.fused_activations, mem.folded_pads, mem.concats_in_place,
      mem.reshapes_removed);
  fmt::print("peak RSS     {:.1f} MB after init, {:.1f} MB at the end\n",
             peak_rss_after_init / 1e6, peak_rss / 1e6);
  if (opt.report_peak_memory) {
    fmt::print("sampled RSS  peak {:.1f} MB during init, {:.1f} MB overall\n",
               sampled_peak_after_init / 1e6, sampled_peak / 1e6);
  }
  if (sustained) fmt::print("\n{}", bench::FormatSustained(*sustained));
  if (profile) {
    fmt::print("\n{}", bench::FormatOpProfile(*profile, opt.profile_top,
                                              opt.profile_all_nodes));
  }
  return 0;
}

}  // namespace

void SetupBench(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<BenchOptions>();
  CLI::App* cmd =
      app.add_subcommand("bench", "Measure init, first-run and steady latency");
  cmd->add_option("model,--graph", opt->model, "Path of the .tflite model")
      ->required();
  cmd->add_option("--input", opt->inputs, "NAME=FILE (.npy or raw .bin)");
  cmd->add_option("--seed", opt->seed, "Seed of the input generator")
      ->default_val(1);
  cmd->add_option("--backend", opt->backend,
                  "Backend: auto (xnnpack, ref for the rest), xnnpack, ref")
      ->default_val("auto");
  cmd->add_flag("--no_fallback", opt->no_fallback,
                "With --backend xnnpack: fail on ops xnnpack cannot run");
  cmd->add_option("--num_threads", opt->num_threads, "Threads")->default_val(1);
  cmd->add_option("--num_runs", opt->num_runs, "Timed runs")->default_val(50);
  cmd->add_option("--warmup_runs", opt->warmup_runs,
                  "Untimed runs after the first")
      ->default_val(1);
  cmd->add_option("--min_secs", opt->min_secs,
                  "Timed runs last at least this long (with --num_runs)")
      ->default_val(1.0);
  cmd->add_option("--max_secs", opt->max_secs,
                  "Each phase stops after this long (0: no limit)")
      ->default_val(150.0);
  cmd->add_option("--warmup_min_secs", opt->warmup_min_secs,
                  "Warm-up lasts at least this long (with --warmup_runs)")
      ->default_val(0.5);
  cmd->add_option("--run_delay", opt->run_delay,
                  "Seconds to wait after each timed run (cooldown)")
      ->default_val(-1.0);
  cmd->add_option("--cooldown_secs", opt->cooldown_secs,
                  "Seconds to wait between warm-up and the timed runs")
      ->default_val(0.0);
  cmd->add_option("--max_runs", opt->max_runs,
                  "At most this many runs per phase (at least --num_runs)")
      ->default_val(100000);
  cmd->add_option("--power_source", opt->power_source,
                  "auto, none, rapl, hwmon[:CHIP], battery[:NAME], "
                  "command:CMD (prints watts); see docs/power.md")
      ->default_val("auto");
  cmd->add_option("--cpu_list", opt->cpu_list,
                  "Run on these CPUs only, e.g. 0 or 2-3");
  cmd->add_option("--use_xnnpack", opt->use_xnnpack,
                  "true: --backend auto, false: --backend ref");
  cmd->add_flag("--report_peak_memory_footprint", opt->report_peak_memory,
                "Sample resident memory every 50 ms (init and overall)");
  cmd->add_option("--input_layer", opt->input_layer,
                  "Input names, comma-separated (with the two below)");
  cmd->add_option("--input_layer_shape", opt->input_layer_shape,
                  "Shapes for --input_layer, e.g. 1,224,224,3:1,10");
  cmd->add_option("--input_layer_value_files", opt->input_layer_value_files,
                  "NAME:FILE,... raw or .npy input values");
  cmd->add_flag("--json", opt->json,
                "Print the report as JSON (docs/bench_report.schema.json)");
  cmd->add_flag("--csv", opt->csv, "Print a header line and one CSV row");
  cmd->add_flag("--markdown", opt->markdown, "Print a Markdown table");
  cmd->add_flag(
      "--sustained", opt->sustained,
      "Pace frames at --fps for --duration seconds (docs/sustained.md)");
  cmd->add_option("--fps", opt->fps, "Target frame rate of --sustained")
      ->default_val(30.0);
  cmd->add_option("--duration", opt->duration_secs, "Seconds of --sustained")
      ->default_val(60.0);
  cmd->add_option("--window", opt->window_secs,
                  "Seconds per statistics window of --sustained")
      ->default_val(1.0);
  cmd->add_flag("--power_curve", opt->power_curve,
                "Sustained runs at each --fps_list rate, with power: CSV/SVG");
  cmd->add_option("--fps_list", opt->fps_list, "Frame rates of --power_curve")
      ->default_val("5,10,15,30,60");
  cmd->add_option("--curve_duration", opt->curve_duration_secs,
                  "Seconds per rate of --power_curve")
      ->default_val(10.0);
  cmd->add_option("--curve_csv", opt->curve_csv, "Write the curve as CSV");
  cmd->add_option("--curve_svg", opt->curve_svg, "Write the curve as SVG");
  cmd->add_option("--power_budget", opt->power_budget,
                  "W: report the best sustained rate within it");
  cmd->add_flag("--isolate", opt->isolate,
                "Measure in a fresh child process (same flags)");
  cmd->add_flag("--no_graph_passes", opt->no_graph_passes,
                "Run the graph as written (no fusion or folding passes)");
  cmd->add_flag("--enable_op_profiling", opt->op_profiling,
                "Per-op profile (extra runs after the timed runs)");
  cmd->add_option("--profiling_runs", opt->profiling_runs,
                  "Profiled runs (default: --num_runs)");
  cmd->add_option("--profile_top", opt->profile_top,
                  "Nodes in the top-by-time table")
      ->default_val(15);
  cmd->add_flag("--profile_all_nodes", opt->profile_all_nodes,
                "Also print every node in run order");
  cmd->add_option("--peak_gflops", opt->peak_gflops,
                  "fp32 FMA peak for %peak (default: measured now)");
  cmd->add_option("--profiling_output_csv_file", opt->profile_csv,
                  "Write the per-op profile as CSV");
  cmd->add_option("--profiling_trace_file", opt->profile_trace,
                  "Write a Chrome trace / Perfetto JSON timeline");
  cmd->callback([opt, exit_code] { *exit_code = RunBench(*opt); });
}

}  // namespace mai::cli

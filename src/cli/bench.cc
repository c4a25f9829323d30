// `mai bench MODEL`: init, first run, warm-up, timed runs, and on request a
// per-op profile (separate runs after the timed ones, so that the timer
// calls never touch the latency figures).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "bench/op_profiler.h"
#include "cli/commands.h"
#include "cli/session_setup.h"
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

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Peak resident set size of this process so far (VmHWM in /proc/self/status),
// in bytes; 0 where the kernel does not report it.
int64_t PeakRssBytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long long kib = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) {
      if (std::sscanf(line + 6, "%lld", &kib) != 1) kib = 0;
      break;
    }
  }
  std::fclose(f);
  return static_cast<int64_t>(kib) * 1024;
}

int RunBench(const BenchOptions& opt) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai bench: {}\n", s.message());
    return 1;
  };
  if (opt.num_runs < 1) return fail(InvalidArgument("--num_runs must be >= 1"));
  if (opt.warmup_runs < 0)
    return fail(InvalidArgument("--warmup_runs must be >= 0"));
  if (opt.profiling_runs < 0)
    return fail(InvalidArgument("--profiling_runs must be >= 0"));
  if (opt.peak_gflops < 0)
    return fail(InvalidArgument("--peak_gflops must be >= 0"));
  // Measured before the model is loaded, so that nothing else runs then.
  double peak_gflops = opt.peak_gflops;
  if (opt.op_profiling && peak_gflops == 0 && opt.num_threads >= 1) {
    peak_gflops = MeasurePeakGflops(opt.num_threads);
  }
  SessionOptions so;
  so.backend = opt.backend;
  so.allow_fallback = !opt.no_fallback;
  so.num_threads = opt.num_threads;
  so.optimize_graph = !opt.no_graph_passes;

  Clock::time_point t0 = Clock::now();
  auto session = Session::LoadFile(opt.model, so);
  if (!session.ok()) return fail(session.status());
  double load_ms = MsSince(t0);
  std::vector<InputSpec> specs;
  for (const std::string& flag : opt.inputs) {
    auto spec = ParseInputFlag(flag);
    if (!spec.ok()) return fail(spec.status());
    specs.push_back(*spec);
  }
  Session& s = **session;
  t0 = Clock::now();
  if (Status st = PrepareAndFillInputs(s, specs, opt.seed); !st.ok())
    return fail(st);
  double prepare_ms = MsSince(t0);
  int64_t peak_rss_after_init = PeakRssBytes();

  t0 = Clock::now();
  if (Status st = s.Invoke(); !st.ok()) return fail(st);
  double first_ms = MsSince(t0);
  for (int i = 0; i < opt.warmup_runs; ++i) {
    if (Status st = s.Invoke(); !st.ok()) return fail(st);
  }
  std::vector<double> samples;
  samples.reserve(opt.num_runs);
  for (int i = 0; i < opt.num_runs; ++i) {
    t0 = Clock::now();
    if (Status st = s.Invoke(); !st.ok()) return fail(st);
    samples.push_back(MsSince(t0));
  }
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  double mean =
      std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
  size_t n = sorted.size();
  double median =
      n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  MemoryStats mem = s.memory();
  int64_t peak_rss = PeakRssBytes();

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
    nlohmann::json j = {
        {"model", opt.model},
        {"backend", opt.backend},
        {"num_threads", opt.num_threads},
        {"init_ms", {{"load", load_ms}, {"prepare", prepare_ms}}},
        {"first_run_ms", first_ms},
        {"warmup_runs", opt.warmup_runs},
        {"runs",
         {{"count", n},
          {"mean_ms", mean},
          {"median_ms", median},
          {"min_ms", sorted.front()},
          {"max_ms", sorted.back()},
          {"samples_ms", samples}}},
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
          {"peak_rss_bytes", peak_rss}}},
        {"fallbacks", fallback_json}};
    if (profile) j["op_profile"] = bench::OpProfileJson(*profile);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("model        {}\n", opt.model);
  fmt::print("backend      {} ({} thread{})\n", opt.backend, opt.num_threads,
             opt.num_threads == 1 ? "" : "s");
  fmt::print("init         load {:.2f} ms, prepare {:.2f} ms\n", load_ms,
             prepare_ms);
  fmt::print("first run    {:.3f} ms\n", first_ms);
  fmt::print("runs         {} after {} warm-up\n", n, opt.warmup_runs);
  fmt::print(
      "latency ms   mean {:.3f}  median {:.3f}  min {:.3f}  max {:.3f}\n", mean,
      median, sorted.front(), sorted.back());
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
  cmd->add_flag("--json", opt->json, "Print JSON");
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

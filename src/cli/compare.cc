// `mai compare A.json B.json [C.json ...]`: compares `mai bench --json`
// results. Latency (median, p90) gets a bootstrap interval, a Mann-Whitney
// test and a verdict; init, first run and peak RSS are single values per
// file and get their difference only. See docs/compare.md.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/compare_stats.h"
#include "bench/latency_stats.h"
#include "cli/commands.h"
#include "core/status.h"

namespace mai::cli {
namespace {

struct CompareCliOptions {
  std::vector<std::string> files;
  bool json = false;
  int resamples = 2000;
  uint64_t seed = 1;
  double confidence = 0.95;
};

// What `mai compare` uses of one `mai bench --json` result.
struct BenchFile {
  std::string path;
  std::string model;
  std::string backend;
  int num_threads = 0;
  std::vector<double> samples_ms;
  bench::LatencyStats stats;
  std::optional<double> init_ms;  // load + prepare
  std::optional<double> first_run_ms;
  std::optional<double> peak_rss_bytes;
  std::vector<std::string> warnings;
};

Result<double> NumberField(const nlohmann::json& j, const char* key,
                           const char* where) {
  auto it = j.find(key);
  if (it == j.end()) return InvalidArgument("missing field {}{}", where, key);
  if (!it->is_number())
    return InvalidArgument("field {}{} is not a number", where, key);
  return it->get<double>();
}

// An optional numeric field: absent is fine, present with another type not.
Result<std::optional<double>> OptionalNumber(const nlohmann::json& j,
                                             const char* key,
                                             const char* where) {
  if (!j.is_object() || !j.contains(key)) return std::optional<double>();
  MAI_ASSIGN_OR_RETURN(double v, NumberField(j, key, where));
  return std::optional<double>(v);
}

Result<std::string> StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return InvalidArgument("missing field {}", key);
  if (!it->is_string()) return InvalidArgument("field {} is not a string", key);
  return it->get<std::string>();
}

Result<BenchFile> ParseBenchJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("not a JSON object");
  BenchFile f;
  // "model": the report's object (schema mai.bench.report/1) or a path.
  if (auto m = j.find("model"); m != j.end() && m->is_object()) {
    MAI_ASSIGN_OR_RETURN(f.model, StringField(*m, "file"));
  } else {
    MAI_ASSIGN_OR_RETURN(f.model, StringField(j, "model"));
  }
  MAI_ASSIGN_OR_RETURN(f.backend, StringField(j, "backend"));
  auto threads = j.find("num_threads");
  if (threads == j.end()) return InvalidArgument("missing field num_threads");
  if (!threads->is_number_integer())
    return InvalidArgument("field num_threads is not an integer");
  f.num_threads = threads->get<int>();

  auto runs = j.find("runs");
  if (runs == j.end() || !runs->is_object() || !runs->contains("samples_ms"))
    return InvalidArgument(
        "missing field runs.samples_ms (written by `mai bench --json`)");
  const nlohmann::json& samples = *runs->find("samples_ms");
  if (!samples.is_array())
    return InvalidArgument("field runs.samples_ms is not an array");
  if (samples.empty()) return InvalidArgument("no samples in runs.samples_ms");
  for (const nlohmann::json& s : samples) {
    if (!s.is_number())
      return InvalidArgument("runs.samples_ms holds a non-number");
    f.samples_ms.push_back(s.get<double>());
  }

  if (auto init = j.find("init_ms"); init != j.end()) {
    if (init->is_number()) {
      f.init_ms = init->get<double>();
    } else if (init->is_object()) {
      MAI_ASSIGN_OR_RETURN(double load, NumberField(*init, "load", "init_ms."));
      MAI_ASSIGN_OR_RETURN(double prepare,
                           NumberField(*init, "prepare", "init_ms."));
      f.init_ms = load + prepare;
    } else {
      return InvalidArgument("field init_ms is neither a number nor an object");
    }
  }
  MAI_ASSIGN_OR_RETURN(f.first_run_ms, OptionalNumber(j, "first_run_ms", ""));
  if (auto mem = j.find("memory"); mem != j.end()) {
    MAI_ASSIGN_OR_RETURN(f.peak_rss_bytes,
                         OptionalNumber(*mem, "peak_rss_bytes", "memory."));
    // `mai bench` writes 0 where the kernel does not report VmHWM.
    if (f.peak_rss_bytes && *f.peak_rss_bytes <= 0) f.peak_rss_bytes.reset();
  }
  f.stats = bench::Summarize(f.samples_ms);
  // The load of the machine that ran the benchmark is not in the file.
  f.warnings = bench::StabilityWarnings(f.stats, bench::MachineLoad{});
  return f;
}

Result<BenchFile> LoadBenchFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return NotFound("{}: no such file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("{}: cannot read", path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j =
      nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("{}: not valid JSON", path);
  Result<BenchFile> f = ParseBenchJson(j);
  if (!f.ok()) return f.status().WithContext(path);
  f->path = path;
  return f;
}

// A single-valued metric of two files (init, first run, peak RSS).
struct PointDiff {
  double a = 0, b = 0, difference = 0, change_pct = 0;
};

std::optional<PointDiff> DiffOf(const std::optional<double>& a,
                                const std::optional<double>& b) {
  if (!a || !b) return std::nullopt;
  PointDiff d{*a, *b, *b - *a, *a != 0 ? 100 * (*b - *a) / *a : 0};
  return d;
}

struct FileComparison {
  int a = 0, b = 0;  // indices into the file list
  bench::Comparison median, p90;
  std::optional<PointDiff> init, first_run, peak_rss;
};

Result<FileComparison> CompareFiles(const std::vector<BenchFile>& files, int a,
                                    int b,
                                    const bench::CompareOptions& options) {
  FileComparison c;
  c.a = a;
  c.b = b;
  const BenchFile& fa = files[a];
  const BenchFile& fb = files[b];
  MAI_ASSIGN_OR_RETURN(
      c.median,
      bench::CompareQuantile(fa.samples_ms, fb.samples_ms, 0.5, options));
  MAI_ASSIGN_OR_RETURN(c.p90, bench::CompareQuantile(
                                  fa.samples_ms, fb.samples_ms, 0.9, options));
  c.init = DiffOf(fa.init_ms, fb.init_ms);
  c.first_run = DiffOf(fa.first_run_ms, fb.first_run_ms);
  c.peak_rss = DiffOf(fa.peak_rss_bytes, fb.peak_rss_bytes);
  return c;
}

nlohmann::json ComparisonJson(const bench::Comparison& c) {
  return {{"a", c.a},
          {"b", c.b},
          {"difference", c.difference},
          {"ci_low", c.ci_low},
          {"ci_high", c.ci_high},
          {"change_pct", c.change_pct},
          {"mann_whitney_u", c.test.u},
          {"p_value", c.test.p_value},
          {"verdict", bench::VerdictName(c.verdict)}};
}

nlohmann::json PointJson(const std::optional<PointDiff>& d) {
  if (!d) return nullptr;
  return {{"a", d->a},
          {"b", d->b},
          {"difference", d->difference},
          {"change_pct", d->change_pct}};
}

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json ReportJson(const std::vector<BenchFile>& files,
                          const std::vector<FileComparison>& comparisons,
                          const bench::CompareOptions& options) {
  nlohmann::json fj = nlohmann::json::array();
  for (const BenchFile& f : files) {
    fj.push_back({{"path", f.path},
                  {"model", f.model},
                  {"backend", f.backend},
                  {"num_threads", f.num_threads},
                  {"runs", f.stats.count},
                  {"mean_ms", f.stats.mean},
                  {"std_ms", f.stats.std},
                  {"cv", f.stats.cv},
                  {"min_ms", f.stats.min},
                  {"median_ms", f.stats.p50},
                  {"p90_ms", f.stats.p90},
                  {"p99_ms", f.stats.p99},
                  {"max_ms", f.stats.max},
                  {"init_ms", OrNull(f.init_ms)},
                  {"first_run_ms", OrNull(f.first_run_ms)},
                  {"peak_rss_bytes",
                   f.peak_rss_bytes
                       ? nlohmann::json(static_cast<int64_t>(*f.peak_rss_bytes))
                       : nlohmann::json(nullptr)},
                  {"warnings", f.warnings}});
  }
  nlohmann::json cj = nlohmann::json::array();
  for (const FileComparison& c : comparisons) {
    cj.push_back({{"a", c.a},
                  {"b", c.b},
                  {"median_ms", ComparisonJson(c.median)},
                  {"p90_ms", ComparisonJson(c.p90)},
                  {"init_ms", PointJson(c.init)},
                  {"first_run_ms", PointJson(c.first_run)},
                  {"peak_rss_bytes", PointJson(c.peak_rss)}});
  }
  return {{"files", fj},
          {"comparisons", cj},
          {"method",
           {{"bootstrap_resamples", options.resamples},
            {"seed", options.seed},
            {"confidence", options.confidence},
            {"alpha", options.alpha},
            {"quantiles", "linear interpolation (numpy 'linear')"},
            {"test",
             "Mann-Whitney U, normal approximation, tie and "
             "continuity corrected, two-sided"}}}};
}

std::string Describe(const BenchFile& f) {
  return fmt::format("{}, {}, {} thread{}, {} runs",
                     std::filesystem::path(f.model).filename().string(),
                     f.backend, f.num_threads, f.num_threads == 1 ? "" : "s",
                     f.stats.count);
}

// Milliseconds (or MB) with 3 decimals, or 4 significant digits below 1 so
// that sub-millisecond figures keep their precision.
std::string Num(double v) {
  return std::fabs(v) >= 1 || v == 0 ? fmt::format("{:.3f}", v)
                                     : fmt::format("{:.4g}", v);
}

std::string SignedNum(double v) { return (v >= 0 ? "+" : "") + Num(v); }

std::string PValue(double p) {
  return p < 0.0001 ? std::string("p<0.0001") : fmt::format("p={:.4f}", p);
}

std::string TestedRow(const char* name, const bench::Comparison& c) {
  std::string verdict = bench::VerdictName(c.verdict);
  return fmt::format(
      "{:<13} {:>10} {:>10} {:>10}  {:<22} {:>+7.1f}%  {} ({})\n", name,
      Num(c.a), Num(c.b), SignedNum(c.difference),
      fmt::format("[{}, {}]", SignedNum(c.ci_low), SignedNum(c.ci_high)),
      c.change_pct, verdict, PValue(c.test.p_value));
}

std::string PointRow(const char* name, const std::optional<PointDiff>& d,
                     double scale) {
  if (!d) return fmt::format("{:<13} {:>10}\n", name, "(not in both files)");
  return fmt::format("{:<13} {:>10} {:>10} {:>10}  {:<22} {:>+7.1f}%  {}\n",
                     name, Num(d->a * scale), Num(d->b * scale),
                     SignedNum(d->difference * scale), "-", d->change_pct,
                     "one value each, no test");
}

void PrintWarnings(const std::vector<BenchFile>& files,
                   const std::vector<std::string>& labels) {
  bool any = false;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const std::string& w : files[i].warnings) {
      if (!any) fmt::print("\n");
      any = true;
      fmt::print("warning: {}: {}\n", labels[i], w);
    }
  }
}

void PrintTwo(const std::vector<BenchFile>& files, const FileComparison& c,
              const bench::CompareOptions& options) {
  fmt::print("A  {}: {}\n", files[0].path, Describe(files[0]));
  fmt::print("B  {}: {}\n\n", files[1].path, Describe(files[1]));
  fmt::print("{:<13} {:>10} {:>10} {:>10}  {:<22} {:>8}  {}\n", "metric", "A",
             "B", "B - A",
             fmt::format("{:.0f}% CI of B - A", options.confidence * 100),
             "change", "verdict");
  fmt::print("{}", TestedRow("median ms", c.median));
  fmt::print("{}", TestedRow("p90 ms", c.p90));
  fmt::print("{}", PointRow("init ms", c.init, 1));
  fmt::print("{}", PointRow("first run ms", c.first_run, 1));
  fmt::print("{}", PointRow("peak RSS MB", c.peak_rss, 1e-6));
  PrintWarnings(files, {"A", "B"});
}

std::string Cell(const std::optional<double>& v, double scale) {
  return v ? Num(*v * scale) : std::string("-");
}

void PrintMany(const std::vector<BenchFile>& files,
               const std::vector<FileComparison>& comparisons,
               const bench::CompareOptions& options) {
  fmt::print(
      "{:>3}  {:<24} {:<10} {:>7} {:>5} {:>10} {:>10} {:>10} {:>11}  {}\n", "#",
      "model", "backend", "threads", "runs", "median ms", "p90 ms", "init ms",
      "peak RSS MB", "file");
  std::vector<std::string> labels;
  for (size_t i = 0; i < files.size(); ++i) {
    const BenchFile& f = files[i];
    labels.push_back(fmt::format("#{}", i + 1));
    fmt::print(
        "{:>3}  {:<24} {:<10} {:>7} {:>5} {:>10} {:>10} {:>10} {:>11}  "
        "{}\n",
        labels.back(), std::filesystem::path(f.model).filename().string(),
        f.backend, f.num_threads, f.stats.count, Num(f.stats.p50),
        Num(f.stats.p90), Cell(f.init_ms, 1), Cell(f.peak_rss_bytes, 1e-6),
        f.path);
  }
  fmt::print("\nmedian latency against #1 ({:.0f}% CI)\n",
             options.confidence * 100);
  for (const FileComparison& c : comparisons) {
    const bench::Comparison& m = c.median;
    fmt::print(
        "{:>3}  {:>10} ms  {:<22} {:>+7.1f}%  {} ({})\n", labels[c.b],
        SignedNum(m.difference),
        fmt::format("[{}, {}]", SignedNum(m.ci_low), SignedNum(m.ci_high)),
        m.change_pct, bench::VerdictName(m.verdict), PValue(m.test.p_value));
  }
  PrintWarnings(files, labels);
}

int RunCompare(const CompareCliOptions& opt) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai compare: {}\n", s.message());
    return 1;
  };
  if (opt.files.size() < 2)
    return fail(InvalidArgument("need at least two result files, got {}",
                                opt.files.size()));
  bench::CompareOptions options;
  options.resamples = opt.resamples;
  options.seed = opt.seed;
  options.confidence = opt.confidence;
  std::vector<BenchFile> files;
  for (const std::string& path : opt.files) {
    Result<BenchFile> f = LoadBenchFile(path);
    if (!f.ok()) return fail(f.status());
    files.push_back(std::move(*f));
  }
  std::vector<FileComparison> comparisons;
  for (size_t i = 1; i < files.size(); ++i) {
    Result<FileComparison> c =
        CompareFiles(files, 0, static_cast<int>(i), options);
    if (!c.ok()) return fail(c.status());
    comparisons.push_back(*c);
  }
  if (opt.json) {
    fmt::print("{}\n", ReportJson(files, comparisons, options).dump(2));
  } else if (files.size() == 2) {
    PrintTwo(files, comparisons[0], options);
  } else {
    PrintMany(files, comparisons, options);
  }
  return 0;
}

}  // namespace

void SetupCompare(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<CompareCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare `mai bench --json` results (B, C... against A)");
  cmd->add_option("files", opt->files,
                  "Result files: A.json B.json [C.json ...]")
      ->required();
  cmd->add_flag("--json", opt->json, "Print JSON");
  cmd->add_option("--resamples", opt->resamples, "Bootstrap resamples")
      ->default_val(2000);
  cmd->add_option("--seed", opt->seed, "Seed of the bootstrap generator")
      ->default_val(1);
  cmd->add_option("--confidence", opt->confidence,
                  "Confidence level of the intervals")
      ->default_val(0.95);
  cmd->callback([opt, exit_code] { *exit_code = RunCompare(*opt); });
}

}  // namespace mai::cli

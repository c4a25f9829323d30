// Challenge commands: `mai tracks list|show|validate`, `mai eval`,
// `mai score`. See docs/tracks.md.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "challenge/eval.h"
#include "challenge/score.h"
#include "challenge/track.h"
#include "cli/commands.h"
#include "core/npy.h"

namespace mai::cli {
namespace {

using challenge::Track;
using nlohmann::json;

int Fail(const char* command, const std::string& message) {
  fmt::print(stderr, "mai {}: {}\n", command, message);
  return 1;
}

// --- mai tracks
// ---------------------------------------------------------------

std::string Range(const challenge::TensorSpec& t) {
  std::string dtypes;
  for (const std::string& d : t.dtypes)
    dtypes += (dtypes.empty() ? "" : "|") + d;
  std::string shape = "[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    shape += (i ? "," : "") +
             (t.shape[i] < 0 ? std::string("?") : std::to_string(t.shape[i]));
  }
  return fmt::format("{}] {} in [{}, {}]", shape, dtypes, t.lo, t.hi);
}

void PrintTrack(const Track& t) {
  fmt::print("{}: {}\n", t.id, t.title);
  fmt::print("  task       {}\n", t.task);
  const bool runtime_only = challenge::IsRuntimeOnly(t);
  if (runtime_only) {
    fmt::print("  model      any (runtime-only track)\n");
  } else {
    fmt::print("  input      {}\n", Range(t.input));
    fmt::print("  output     {} (scale x{})\n", Range(t.output), t.scale);
  }
  std::string metrics;
  for (const auto& m : t.metrics) {
    metrics += (metrics.empty() ? "" : ", ") + m.name + " (" + m.metric +
               (m.crop_border ? fmt::format(", crop {}", m.crop_border) : "") +
               (m.y_channel ? ", Y" : "") + ")";
  }
  fmt::print("  metrics    {}\n",
             runtime_only ? "none (runtime-only: mai bench alone)" : metrics);
  fmt::print(
      "  runtime    {}{}\n", t.runtime.statistic,
      t.runtime.power ? fmt::format(", power at {} FPS", t.runtime.fps) : "");
  fmt::print("  score      {} ({} is better)\n", t.score.formula,
             t.score.higher_is_better ? "higher" : "lower");
  for (const auto& [name, p] : t.score.parameters) {
    fmt::print("    {} = {}{}{}\n", name, p.value,
               p.confirmed ? "" : " (not confirmed)",
               p.note.empty() ? "" : ": " + p.note);
  }
  std::string c;
  if (t.constraints.int8_only) c += "int8 only; ";
  if (t.constraints.max_model_bytes) {
    c += fmt::format("model <= {} bytes; ", t.constraints.max_model_bytes);
  }
  if (t.constraints.max_runtime_ms > 0) {
    c += fmt::format("runtime <= {} ms; ", t.constraints.max_runtime_ms);
  }
  if (!t.constraints.input_shape.empty()) {
    c += fmt::format("input {}; ", fmt::join(t.constraints.input_shape, "x"));
  }
  fmt::print("  constraints {}\n",
             c.empty() ? "none" : c.substr(0, c.size() - 2));
  if (!runtime_only) {
    fmt::print("  data       {} -> {}\n", t.data.input_dir,
               t.data.layout == challenge::DataLayout::kPairs
                   ? t.data.target_dir
                   : t.data.labels_file);
  }
  fmt::print("  source     {}\n", t.source);
}

void SetupTracks(CLI::App& app, int* exit_code) {
  CLI::App* tracks =
      app.add_subcommand("tracks", "Challenge tracks: list, show, validate");
  tracks->require_subcommand(1);
  tracks->add_subcommand("list", "The built-in tracks")->callback([exit_code] {
    for (const Track& t : challenge::BuiltinTracks()) {
      fmt::print("{:<28} {:<24} {}\n", t.id, t.task, t.title);
    }
    *exit_code = 0;
  });
  auto show_id = std::make_shared<std::string>();
  CLI::App* show = tracks->add_subcommand("show", "One track in full");
  show->add_option("track", *show_id, "Built-in id or track file")->required();
  show->callback([show_id, exit_code] {
    auto t = challenge::LoadTrack(*show_id);
    if (!t.ok()) {
      *exit_code = Fail("tracks show", t.status().message());
      return;
    }
    PrintTrack(*t);
    *exit_code = 0;
  });
  auto file = std::make_shared<std::string>();
  CLI::App* validate = tracks->add_subcommand("validate", "Check a track file");
  validate->add_option("file", *file, "Track .json file")->required();
  validate->callback([file, exit_code] {
    auto t = challenge::ReadTrackFile(*file);
    if (!t.ok()) {
      *exit_code = Fail("tracks validate", t.status().message());
      return;
    }
    fmt::print("{}: valid track '{}'\n", *file, t->id);
    *exit_code = 0;
  });
}

// --- mai eval
// -------------------------------------------------------------------

struct EvalCliOptions {
  std::string track;
  std::string model;
  std::string data;
  std::string backend = "auto";
  int num_threads = 1;
  std::string json_out;
};

int RunEval(const EvalCliOptions& opt) {
  auto track = challenge::LoadTrack(opt.track);
  if (!track.ok()) return Fail("eval", track.status().message());
  if (opt.num_threads < 1) return Fail("eval", "--num_threads must be >= 1");
  challenge::EvalOptions eo;
  eo.backend = opt.backend;
  eo.num_threads = opt.num_threads;
  const bool tty = isatty(STDERR_FILENO);
  eo.progress = [tty](int done, int total, const std::string& name) {
    if (!tty) return;
    const int width = 30;
    const int filled = done * width / total;
    fmt::print(stderr, "\r[{}{}] {}/{} {:<40.40}", std::string(filled, '#'),
               std::string(width - filled, '.'), done, total, name);
    if (done == total) fmt::print(stderr, "\r{:<90}\r", "");
  };
  auto report = challenge::EvaluateModel(*track, opt.model, opt.data, eo);
  if (!report.ok()) return Fail("eval", report.status().message());
  const json j = challenge::EvalReportJson(*report);
  if (!opt.json_out.empty()) {
    const std::string text = j.dump(1) + "\n";
    Status s = WriteFileBytes(
        opt.json_out,
        {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    if (!s.ok()) return Fail("eval", s.message());
  }
  fmt::print("track {}, model {} ({} samples, backend {})\n", track->id,
             opt.model, report->samples.size(), opt.backend);
  for (const auto& s : report->samples) {
    std::string figures;
    for (const auto& [name, v] : s.metrics) {
      figures += fmt::format("  {} {:.6g}", name, v);
    }
    fmt::print("  {:<28}{}{}\n", s.name, figures,
               s.tiles > 1 ? fmt::format("  ({} tiles)", s.tiles) : "");
  }
  std::string mean;
  for (const auto& [name, v] : report->mean) {
    mean += fmt::format("  {} {:.6g}", name, v);
  }
  fmt::print("  {:<28}{}\n", "mean", mean);
  return 0;
}

void SetupEval(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<EvalCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Fidelity of a model on a track's validation set");
  cmd->add_option("--track", opt->track, "Built-in track id or track file")
      ->required();
  cmd->add_option("model", opt->model, ".tflite model")->required();
  cmd->add_option("--data", opt->data,
                  "Validation data folder (scripts/make_validation_data.py)")
      ->required();
  cmd->add_option("--backend", opt->backend, "auto, xnnpack or ref");
  cmd->add_option("--num_threads", opt->num_threads, "Threads");
  cmd->add_option("--json", opt->json_out,
                  "Write the report (mai.eval.report/1) to this file");
  cmd->callback([opt, exit_code] { *exit_code = RunEval(*opt); });
}

// --- mai score
// ------------------------------------------------------------------

struct ScoreCliOptions {
  std::string track;
  // EVAL.json BENCH.json, or BENCH.json alone for a runtime-only track.
  std::vector<std::string> reports;
  std::vector<std::string> figures;  // NAME=VALUE
  bool json_output = false;
};

Result<json> ReadJson(const std::string& path) {
  MAI_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                       ReadFileBytes(path, 64 << 20));
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return InvalidArgument("{}: not valid JSON", path);
  return j;
}

int RunScore(const ScoreCliOptions& opt) {
  auto track = challenge::LoadTrack(opt.track);
  if (!track.ok()) return Fail("score", track.status().message());
  const bool runtime_only = challenge::IsRuntimeOnly(*track);
  const size_t want = runtime_only ? 1 : 2;
  if (opt.reports.size() != want) {
    return Fail(
        "score",
        runtime_only
            ? fmt::format("track {} is runtime-only: give its mai bench --json "
                          "report alone (mai score --track {} BENCH.json), "
                          "not {} files",
                          track->id, opt.track, opt.reports.size())
            : fmt::format("track {} scores fidelity: give EVAL.json "
                          "BENCH.json (mai eval --json, mai bench --json), "
                          "not {} file{}",
                          track->id, opt.reports.size(),
                          opt.reports.size() == 1 ? "" : "s"));
  }
  const std::string& bench_json = opt.reports.back();
  std::optional<json> eval;
  if (!runtime_only) {
    auto e = ReadJson(opt.reports[0]);
    if (!e.ok()) return Fail("score", e.status().message());
    eval = std::move(*e);
  }
  auto bench = ReadJson(bench_json);
  if (!bench.ok()) return Fail("score", bench.status().message());
  auto record = challenge::RecordFromReports(*track, eval ? &*eval : nullptr,
                                             runtime_only ? "" : opt.reports[0],
                                             *bench, bench_json);
  if (!record.ok()) return Fail("score", record.status().message());
  for (const std::string& f : opt.figures) {
    const size_t eq = f.find('=');
    double v = 0;
    try {
      if (eq == std::string::npos) throw std::invalid_argument(f);
      size_t used = 0;
      v = std::stod(f.substr(eq + 1), &used);
      if (used != f.size() - eq - 1) throw std::invalid_argument(f);
    } catch (const std::exception&) {
      return Fail("score", "--figure '" + f + "' is not NAME=VALUE");
    }
    record->figures[f.substr(0, eq)] = v;
  }
  auto scored = challenge::ScoreRecord(*track, *record);
  if (!scored.ok()) return Fail("score", scored.status().message());
  if (opt.json_output) {
    fmt::print("{}\n", challenge::ScoredJson(*track, *scored).dump(1));
    return 0;
  }
  fmt::print("track {}: {}\n", track->id, track->score.formula);
  for (const auto& [name, v] : scored->record.figures) {
    fmt::print("  {:<12} {:.6g}\n", name, v);
  }
  if (scored->disqualified.empty()) {
    fmt::print("score {:.6g}\n", scored->score);
  } else {
    fmt::print("score {:.6g}, disqualified: {}\n", scored->score,
               scored->disqualified);
  }
  return 0;
}

void SetupScore(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ScoreCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "score",
      "A track's score from `mai eval --json` and `mai bench --json` "
      "(runtime-only tracks: `mai bench --json` alone)");
  cmd->add_option("--track", opt->track, "Built-in track id or track file")
      ->required();
  cmd->add_option("reports", opt->reports,
                  "EVAL.json BENCH.json (mai eval --json, mai bench --json); "
                  "BENCH.json alone for a runtime-only track")
      ->required();
  cmd->add_option("--figure", opt->figures,
                  "NAME=VALUE: a figure measured elsewhere (e.g. power_W "
                  "from a power meter); overrides the reports");
  cmd->add_flag("--json", opt->json_output, "Print the result as JSON");
  cmd->callback([opt, exit_code] { *exit_code = RunScore(*opt); });
}

}  // namespace

void SetupChallenge(CLI::App& app, int* exit_code) {
  SetupTracks(app, exit_code);
  SetupEval(app, exit_code);
  SetupScore(app, exit_code);
}

}  // namespace mai::cli

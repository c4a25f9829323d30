// Track files (challenge/track.h): every built-in track parses and its
// formula evaluates; malformed files fail with one line naming the file and
// the field.
#include "challenge/track.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "challenge/builtin_tracks.h"
#include "testing/minimal_track.h"

namespace mai::challenge {
namespace {

using nlohmann::json;

TEST(TrackTest, BuiltinTracksParse) {
  const std::vector<Track>& tracks = BuiltinTracks();
  ASSERT_EQ(tracks.size(), 8u);  // a broken file would be left out
  std::set<std::string> tasks;
  for (const Track& t : tracks) {
    SCOPED_TRACE(t.id);
    tasks.insert(t.task);
    EXPECT_FALSE(t.source.empty());
    // Only the demo track is runtime-only.
    EXPECT_EQ(t.metrics.empty(), t.id == "demo-runtime");
    // The formula evaluates with every figure it names set to 1.
    std::map<std::string, double, std::less<>> figures;
    for (const std::string& v : t.score.expression.Variables()) {
      figures[v] = 1.0;
    }
    EXPECT_TRUE(t.score.expression.Evaluate(figures).ok());
  }
  EXPECT_EQ(tasks,
            (std::set<std::string>{"isp", "denoising", "super_resolution",
                                   "video_super_resolution", "depth", "bokeh",
                                   "classification", "runtime"}));
}

// The newcomer's track: any model, ranked by median latency alone, first in
// the list (tracks are sorted by id).
TEST(TrackTest, DemoTrackIsRuntimeOnlyAndListedFirst) {
  ASSERT_FALSE(BuiltinTracks().empty());
  EXPECT_EQ(BuiltinTracks().front().id, "demo-runtime");
  auto t = LoadTrack("demo-runtime");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(IsRuntimeOnly(*t));
  EXPECT_EQ(t->task, "runtime");
  EXPECT_EQ(t->file, "tracks/demo-runtime.json");
  EXPECT_NE(t->source.find("not a Mobile AI challenge"), std::string::npos)
      << t->source;
  EXPECT_EQ(t->score.formula, "runtime_ms");
  EXPECT_FALSE(t->score.higher_is_better);
  EXPECT_EQ(t->score.tie_breaks, std::vector<std::string>{"-model_bytes"});
  EXPECT_EQ(t->runtime.statistic, "median");
  EXPECT_FALSE(t->runtime.power);
  // Any model: no tensor spec, no constraint.
  EXPECT_TRUE(t->input.shape.empty());
  EXPECT_TRUE(t->input.dtypes.empty());
  EXPECT_TRUE(t->output.dtypes.empty());
  EXPECT_FALSE(t->constraints.int8_only);
  EXPECT_EQ(t->constraints.max_model_bytes, 0);
  EXPECT_EQ(t->constraints.max_runtime_ms, 0.0);
  EXPECT_TRUE(t->constraints.input_shape.empty());
  EXPECT_TRUE(t->data.input_dir.empty());
  auto score = t->score.expression.Evaluate({{"runtime_ms", 1.55}});
  ASSERT_TRUE(score.ok()) << score.status().message();
  EXPECT_EQ(*score, 1.55);
}

TEST(TrackTest, PowerTrackReproducesThePublishedEntry) {
  auto t = LoadTrack("mai2022-video-sr-x4-power");
  ASSERT_TRUE(t.ok()) << t.status().message();
  std::map<std::string, double, std::less<>> figures = {{"PSNR", 27.34},
                                                        {"power_W", 0.09}};
  for (const auto& [name, p] : t->score.parameters) figures[name] = p.value;
  auto score = t->score.expression.Evaluate(figures);
  ASSERT_TRUE(score.ok()) << score.status().message();
  EXPECT_NEAR(*score, 90.9, 0.05);  // 1.66 * 27.34 + 50 * 0.91 = 90.884
  EXPECT_TRUE(t->runtime.power);
}

TEST(TrackTest, PsnrTrackFormula) {
  auto t = LoadTrack("mai2021-quantized-sr-x3");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->constraints.int8_only);
  EXPECT_EQ(t->scale, 3);
  // 2^(2*5) / (1 * 4) = 256.
  auto score = t->score.expression.Evaluate(
      {{"PSNR", 5.0}, {"runtime_ms", 4.0}, {"C", 1.0}});
  ASSERT_TRUE(score.ok());
  EXPECT_DOUBLE_EQ(*score, 256.0);
}

using testing::MinimalTrack;

void ExpectError(const json& j, const std::string& needle) {
  auto t = ParseTrack(j.dump(), "bad.json");
  ASSERT_FALSE(t.ok()) << "accepted: " << j.dump();
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  const std::string m = t.status().message();
  EXPECT_EQ(m.rfind("bad.json: ", 0), 0u) << m;
  EXPECT_NE(m.find(needle), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

// The smallest runtime-only track: "metrics": [], task "runtime", no model,
// data, preprocess or postprocess.
json RuntimeOnlyTrack() {
  return json::parse(R"({
    "schema": "mai.track/1", "id": "r", "title": "R", "task": "runtime",
    "source": "test", "metrics": [],
    "score": {"formula": "runtime_ms", "direction": "lower"}
  })");
}

TEST(TrackTest, RuntimeOnlyTrackParses) {
  auto t = ParseTrack(RuntimeOnlyTrack().dump(), "r.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(IsRuntimeOnly(*t));
  EXPECT_TRUE(t->metrics.empty());
  EXPECT_FALSE(t->score.higher_is_better);

  // Everything a bench report can give: statistic, power, size and runtime
  // limits, parameters, the three figures in formula and tie-breaks.
  json j = RuntimeOnlyTrack();
  j["runtime"] = {{"statistic", "p90"}, {"power", true}, {"fps", 30}};
  j["constraints"] = {{"max_model_bytes", 1000000},
                      {"max_runtime_ms", 50},
                      {"int8_only", false}};
  j["score"] = {{"formula", "K * runtime_ms + power_W + model_bytes / 1e6"},
                {"parameters", {{"K", {{"value", 2}, {"confirmed", true}}}}},
                {"direction", "lower"},
                {"tie_breaks", {"-model_bytes", "-power_W"}}};
  t = ParseTrack(j.dump(), "r.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->runtime.statistic, "p90");
  EXPECT_TRUE(t->runtime.power);
  EXPECT_EQ(t->constraints.max_model_bytes, 1000000);
  EXPECT_EQ(t->constraints.max_runtime_ms, 50.0);
  auto score = t->score.expression.Evaluate({{"K", 2.0},
                                             {"runtime_ms", 3.0},
                                             {"power_W", 0.5},
                                             {"model_bytes", 2e6}});
  ASSERT_TRUE(score.ok()) << score.status().message();
  EXPECT_EQ(*score, 8.5);  // 2 * 3 + 0.5 + 2

  // Every track with fidelity metrics is not runtime-only.
  auto fidelity = ParseTrack(MinimalTrack().dump(), "t.json");
  ASSERT_TRUE(fidelity.ok()) << fidelity.status().message();
  EXPECT_FALSE(IsRuntimeOnly(*fidelity));
}

// What a runtime-only track may not have, and the name of the field.
TEST(TrackTest, RuntimeOnlyTrackErrorsNameTheField) {
  // Sections only a track with validation data has.
  json j = RuntimeOnlyTrack();
  j["data"] = {{"input_dir", "a"}, {"target_dir", "b"}};
  ExpectError(j, "data: only tracks with fidelity metrics");
  j = RuntimeOnlyTrack();
  j["preprocess"] = {{"input", "rgb"}};
  ExpectError(j, "preprocess: only tracks with fidelity metrics");
  j = RuntimeOnlyTrack();
  j["postprocess"] = {{"clip", true}};
  ExpectError(j, "postprocess: only tracks with fidelity metrics");
  // It takes any model: a model section could not be checked.
  j = RuntimeOnlyTrack();
  j["model"] = MinimalTrack()["model"];
  ExpectError(j, "model: a runtime-only track");
  // The task says what the track is, and the metrics agree with it.
  j = RuntimeOnlyTrack();
  j["task"] = "denoising";
  ExpectError(j, "task: is 'denoising', but \"metrics\": [] makes");
  // The formula and tie-breaks may only use the bench report's figures.
  j = RuntimeOnlyTrack();
  j["score"]["formula"] = "PSNR / runtime_ms";
  ExpectError(j,
              "score.formula: column 1: unknown variable 'PSNR' (known: "
              "model_bytes, power_W, runtime_ms)");
  j = RuntimeOnlyTrack();
  j["score"]["tie_breaks"] = json::array({"PSNR"});
  ExpectError(j, "score.tie_breaks: unknown figure 'PSNR'");
  // Constraints that need the facts of a mai eval report.
  j = RuntimeOnlyTrack();
  j["constraints"] = {{"int8_only", true}};
  ExpectError(j, "constraints.int8_only: needs a mai eval report");
  j = RuntimeOnlyTrack();
  j["constraints"] = {{"input_shape", {1, 128, 128, 3}}};
  ExpectError(j, "constraints.input_shape: needs a mai eval report");
  // Still strict about everything else.
  j = RuntimeOnlyTrack();
  j["scroe"] = 1;
  ExpectError(j, "scroe: unknown field");
  j = RuntimeOnlyTrack();
  j["metrics"] = {{"name", "PSNR"}};  // an object, not an array
  ExpectError(j, "metrics: must be an array");
  j = RuntimeOnlyTrack();
  j["runtime"] = {{"statistic", "max"}};
  ExpectError(j, "runtime.statistic");
}

// Tracks with fidelity metrics keep every rule: metrics written out (a
// missing field never makes a runtime-only track), model and data
// required, task not "runtime".
TEST(TrackTest, FidelityTrackErrorsAreUnchanged) {
  json j = MinimalTrack();
  j.erase("metrics");
  ExpectError(j,
              "metrics: must be an array of fidelity metrics ([] for a "
              "runtime-only track)");
  j = MinimalTrack();
  j.erase("data");
  ExpectError(j, "data: is required");
  j = MinimalTrack();
  j.erase("model");
  ExpectError(j, "model: is required");
  j = MinimalTrack();
  j["model"]["input"].erase("shape");
  ExpectError(j, "model.input.shape");
  // Emptied metrics on a track with data: the task says it is no
  // runtime-only track.
  j = MinimalTrack();
  j["metrics"] = json::array();
  ExpectError(j, "task: is 'denoising'");
  j = MinimalTrack();
  j["metrics"] = json::array();
  j["task"] = "runtime";
  ExpectError(j, "model: a runtime-only track");
  j.erase("model");
  ExpectError(j, "data: only tracks with fidelity metrics");
  // A "runtime" task with fidelity metrics.
  j = MinimalTrack();
  j["task"] = "runtime";
  ExpectError(j, "task: 'runtime' tracks have no fidelity metrics");
}

TEST(TrackTest, MinimalTrackParsesWithDefaults) {
  auto t = ParseTrack(MinimalTrack().dump(), "t.json");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->input.dtypes, std::vector<std::string>{"float32"});
  EXPECT_EQ(t->runtime.statistic, "median");
  EXPECT_TRUE(t->score.higher_is_better);
  EXPECT_EQ(t->preprocess.input, InputKind::kRgb);
}

TEST(TrackTest, MalformedFilesNameTheField) {
  ExpectError(json::parse("[1]"), "JSON object");
  EXPECT_NE(ParseTrack("{", "bad.json").status().message().find("JSON"),
            std::string::npos);
  json j = MinimalTrack();
  j["schema"] = "mai.track/2";
  ExpectError(j, "schema");
  j = MinimalTrack();
  j.erase("id");
  ExpectError(j, "id: is required");
  j = MinimalTrack();
  j["id"] = "../etc";
  ExpectError(j, "id:");
  j = MinimalTrack();
  j["task"] = "dancing";
  ExpectError(j, "task: unknown task 'dancing'");
  j = MinimalTrack();
  j["model"]["input"]["shape"] = json::array({1, 0, 3});
  ExpectError(j, "model.input.shape");
  j = MinimalTrack();
  j["model"]["output"]["dtype"] = "float64";
  ExpectError(j, "model.output.dtype");
  j = MinimalTrack();
  j["model"]["input"]["range"] = json::array({1, 0});
  ExpectError(j, "model.input.range");
  j = MinimalTrack();
  j["data"]["target_dir"] = "../../secret";
  ExpectError(j, "data.target_dir");
  j = MinimalTrack();
  j["metrics"][0]["metric"] = "lpips";
  ExpectError(j, "metrics[0].metric: unknown metric 'lpips'");
  j = MinimalTrack();
  j["metrics"][0]["crop_border"] = -1;
  ExpectError(j, "metrics[0].crop_border");
  j = MinimalTrack();
  j["metrics"].push_back({{"name", "PSNR"}, {"metric", "ssim"}});
  ExpectError(j, "metrics[1].name");
  j = MinimalTrack();
  j["score"]["formula"] = "2^(2*PSNR";
  ExpectError(j, "score.formula: ");
  j = MinimalTrack();
  j["score"]["formula"] = "eval(PSNR)";
  ExpectError(j, "score.formula: ");
  j = MinimalTrack();
  j["score"]["formula"] = "PSNR2 / runtime_ms";
  ExpectError(j, "PSNR2");
  j = MinimalTrack();
  j["score"]["direction"] = "up";
  ExpectError(j, "score.direction");
  j = MinimalTrack();
  j["score"]["tie_breaks"] = json::array({"-SSIM"});
  ExpectError(j, "unknown figure 'SSIM'");
  j = MinimalTrack();
  j["score"]["parameters"] = {{"C", {{"valu", 1}}}};
  ExpectError(j, "score.parameters.C");
  j = MinimalTrack();
  j["runtime"] = {{"statistic", "max"}};
  ExpectError(j, "runtime.statistic");
  j = MinimalTrack();
  j["constraints"] = {{"max_model_bytes", -5}};
  ExpectError(j, "constraints.max_model_bytes");
  j = MinimalTrack();
  j["preprocess"] = {{"input", "cmyk"}};
  ExpectError(j, "preprocess.input");
  j = MinimalTrack();
  j["scroe"] = 1;  // a typo is an unknown field, not silently ignored
  ExpectError(j, "scroe: unknown field");
  j = MinimalTrack();
  j["data"]["layout"] = "labels";
  ExpectError(j, "data.labels_file: is required");
}

// Hostile track files: seeded byte mutations of every built-in track either
// parse or fail with a one-line error naming the file; nothing throws.
TEST(TrackTest, MutatedTrackFilesNeverCrash) {
  std::mt19937 rng(2024);
  int parsed = 0, refused = 0;
  for (const BuiltinTrackSource& src : BuiltinTrackSources()) {
    for (int k = 0; k < 400; ++k) {
      std::string text(src.json);
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % text.size();
        switch (rng() % 3) {
          case 0:
            text[at] = static_cast<char>(rng() % 256);
            break;
          case 1:
            text.erase(at, 1 + rng() % 8);
            break;
          default:
            text.insert(at,
                        std::string(1 + rng() % 3, "[{\"0-:,9e"[rng() % 9]));
        }
        if (text.empty()) text = "{";
      }
      auto t = ParseTrack(text, "mutated.json");
      if (t.ok()) {
        ++parsed;
      } else {
        ++refused;
        EXPECT_EQ(t.status().message().rfind("mutated.json", 0), 0u);
        EXPECT_EQ(t.status().message().find('\n'), std::string::npos);
      }
    }
  }
  EXPECT_GT(refused, 0);
  std::printf("mutated tracks: %d parsed, %d refused\n", parsed, refused);
}

TEST(TrackTest, LoadTrackByIdOrFile) {
  EXPECT_TRUE(LoadTrack("mai2022-depth").ok());
  auto missing = LoadTrack("no-such-track");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("mai2022-depth"),
            std::string::npos);  // lists the built-ins
  EXPECT_FALSE(LoadTrack("/nonexistent/track.json").ok());
}

}  // namespace
}  // namespace mai::challenge

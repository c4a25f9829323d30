// The challenge commands end to end: `mai tracks`, `mai eval`, `mai bench`
// + `mai score` (and `mai score` on the runtime-only demo track with a real
// bench report), `mai metrics` (against scikit-image), and their one-line
// errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "challenge/score.h"
#include "challenge/track.h"
#include "core/npy.h"
#include "oracle/tflite_oracle.h"
#include "testing/cli_runner.h"
#include "testing/json_schema.h"
#include "testing/temp_dir.h"
#include "zoo/zoo.h"

namespace mai {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ChallengeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("mai_challenge_cli_" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    const std::string cmd = "/usr/bin/python3 " + std::string(MAI_SOURCE_DIR) +
                            "/scripts/make_validation_data.py " +
                            (*dir_ / "val").string() + " >/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(ok_) << "scripts/make_validation_data.py failed";
  }

  static std::string Zoo(const std::string& name, int h, int w) {
    const fs::path out = *dir_ / (name + std::to_string(h));
    auto r = testing::RunMai("zoo build " + name + " --out " + out.string() +
                             " --height " + std::to_string(h) + " --width " +
                             std::to_string(w));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return (out / (name + ".tflite")).string();
  }

  static json ReadJson(const fs::path& p) {
    return json::parse(testing::ReadText(p), nullptr, false);
  }

  static fs::path* dir_;
  static bool ok_;
};

fs::path* ChallengeCliTest::dir_ = nullptr;
bool ChallengeCliTest::ok_ = false;

TEST_F(ChallengeCliTest, TracksListShowValidate) {
  auto r = testing::RunMai("tracks list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* id :
       {"mai2021-isp", "mai2021-denoising", "mai2021-quantized-sr-x3",
        "mai2021-scene-detection", "mai2022-video-sr-x4-power", "mai2022-depth",
        "mai2022-bokeh"}) {
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  }
  r = testing::RunMai("tracks show mai2022-video-sr-x4-power");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("alpha*PSNR + beta*(1 - power_W)"), std::string::npos);
  EXPECT_NE(r.out.find("alpha = 1.66 (not confirmed)"), std::string::npos)
      << r.out;

  const fs::path good = *dir_ / "good.json";
  std::ofstream(good) << R"js({"schema": "mai.track/1", "id": "mine",
    "title": "T", "task": "denoising", "source": "me",
    "model": {"input": {"shape": [1, -1, -1, 3]},
              "output": {"shape": [1, -1, -1, 3]}},
    "data": {"input_dir": "denoise/noisy", "target_dir": "denoise/clean"},
    "metrics": [{"name": "PSNR", "metric": "psnr"}],
    "score": {"formula": "PSNR"}})js";
  r = testing::RunMai("tracks validate " + good.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("valid track 'mine'"), std::string::npos);
  // The same file runs `mai eval` (a track file instead of a built-in id).
  const std::string model = Zoo("unet_denoise", 64, 96);
  r = testing::RunMai("eval --track " + good.string() + " " + model +
                      " --data " + (*dir_ / "val").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mean"), std::string::npos);

  const fs::path bad = *dir_ / "bad.json";
  std::ofstream(bad) << R"js({"schema": "mai.track/1", "id": "x",
    "title": "T", "task": "denoising", "source": "me",
    "model": {"input": {"shape": [1, -1, -1, 3]},
              "output": {"shape": [1, -1, -1, 3]}},
    "data": {"input_dir": "a", "target_dir": "b"},
    "metrics": [{"name": "PSNR", "metric": "psnr"}],
    "score": {"formula": "2^(2*PSNR) / (C*runtime_ms)"}})js";
  testing::ExpectOneLineError(
      testing::RunMai("tracks validate " + bad.string()),
      "score.formula: column 15: unknown variable 'C'");
  testing::ExpectOneLineError(testing::RunMai("tracks show nope"),
                              "mai2022-depth");
}

TEST_F(ChallengeCliTest, EvalBenchScore) {
  const std::string model = Zoo("unet_denoise", 64, 96);
  const fs::path eval = *dir_ / "eval.json";
  auto r =
      testing::RunMai("eval --track mai2021-denoising " + model + " --data " +
                      (*dir_ / "val").string() + " --json " + eval.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("chelsea.png"), std::string::npos) << r.out;
  const json e = ReadJson(eval);
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e["schema"], "mai.eval.report/1");
  EXPECT_EQ(e["count"], 3);
  // The documented schema.
  const json schema =
      ReadJson(fs::path(MAI_SOURCE_DIR) / "docs" / "eval_report.schema.json");
  ASSERT_TRUE(schema.is_object());
  EXPECT_EQ(testing::ValidateJson(e, schema), std::vector<std::string>{});
  json broken = e;
  broken["samples"][0].erase("tiles");
  EXPECT_FALSE(testing::ValidateJson(broken, schema).empty());
  const double psnr = e["mean"]["PSNR"].get<double>();

  r = testing::RunMai("bench " + model +
                      " --num_runs 3 --min_secs 0 --warmup_runs 1"
                      " --warmup_min_secs 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path bench = *dir_ / "bench.json";
  std::ofstream(bench) << r.out;
  const double runtime = json::parse(r.out)["runs"]["median_ms"].get<double>();

  r = testing::RunMai("score --track mai2021-denoising " + eval.string() + " " +
                      bench.string() + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["schema"], "mai.score/1");
  EXPECT_NEAR(s["score"].get<double>(),
              std::pow(2.0, 2 * psnr) / (1.0 * runtime),
              1e-9 * s["score"].get<double>());
  EXPECT_NE(s["disqualified"].get<std::string>().find("input shape"),
            std::string::npos);

  // Reports of two different models.
  const std::string other = Zoo("unet_denoise", 32, 48);
  r = testing::RunMai("bench " + other +
                      " --num_runs 1 --min_secs 0 --warmup_runs 0"
                      " --warmup_min_secs 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path other_bench = *dir_ / "other_bench.json";
  std::ofstream(other_bench) << r.out;
  testing::ExpectOneLineError(
      testing::RunMai("score --track mai2021-denoising " + eval.string() + " " +
                      other_bench.string()),
      "different models");
  // A report of another track.
  testing::ExpectOneLineError(
      testing::RunMai("score --track mai2022-bokeh " + eval.string() + " " +
                      bench.string()),
      "not 'mai2022-bokeh'");
}

TEST_F(ChallengeCliTest, PowerTrackNeedsPowerAndTakesAFigure) {
  const std::string model = Zoo("video_sr_x4", 24, 40);
  const fs::path eval = *dir_ / "vsr_eval.json";
  auto r = testing::RunMai("eval --track mai2022-video-sr-x4-power " + model +
                           " --data " + (*dir_ / "val").string() + " --json " +
                           eval.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = testing::RunMai("bench " + model +
                      " --num_runs 2 --min_secs 0 --warmup_runs 0"
                      " --warmup_min_secs 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path bench = *dir_ / "vsr_bench.json";
  std::ofstream(bench) << r.out;
  testing::ExpectOneLineError(
      testing::RunMai("score --track mai2022-video-sr-x4-power " +
                      eval.string() + " " + bench.string()),
      "--figure power_W=");
  r = testing::RunMai("score --track mai2022-video-sr-x4-power " +
                      eval.string() + " " + bench.string() +
                      " --figure power_W=0.09 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double psnr = ReadJson(eval)["mean"]["PSNR"].get<double>();
  EXPECT_NEAR(json::parse(r.out)["score"].get<double>(),
              1.66 * psnr + 50 * (1 - 0.09), 1e-9);
  testing::ExpectOneLineError(
      testing::RunMai("score --track mai2022-video-sr-x4-power " +
                      eval.string() + " " + bench.string() +
                      " --figure power_W"),
      "NAME=VALUE");
}

// The newcomer's flow on the runtime-only demo track with a real model (a
// face detector no fidelity track could take): `mai bench --json`, then
// `mai score --track demo-runtime BENCH.json`; the score is the report's
// median. Needs no validation data, so not the fixture.
TEST(ChallengeCliRuntimeOnlyTest, DemoTrackScoresARealBenchReport) {
  const std::string model =
      testing::OracleModelsDir() + "/face_detection_short_range.tflite";
  if (!fs::exists(model)) {
    GTEST_SKIP() << model << " missing (scripts/test.sh fetches it)";
  }
  testing::TempDir dir("mai_demo_track");
  ASSERT_FALSE(dir.path().empty());

  auto r = testing::RunMai("tracks list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("demo-runtime ", 0), 0u) << r.out;  // listed first
  r = testing::RunMai("tracks show demo-runtime");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model      any (runtime-only track)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("runtime_ms (lower is better)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not a Mobile AI challenge"), std::string::npos)
      << r.out;

  r = testing::RunMai("bench " + model +
                      " --num_runs 5 --min_secs 0 --warmup_runs 1"
                      " --warmup_min_secs 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path bench_path = dir.path() / "bench.json";
  std::ofstream(bench_path) << r.out;
  const json bench = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(bench.is_object()) << r.out;
  const double median = bench["runs"]["median_ms"].get<double>();
  EXPECT_GT(median, 0.0);

  // The library, on the report as written.
  auto demo = challenge::LoadTrack("demo-runtime");
  ASSERT_TRUE(demo.ok()) << demo.status().message();
  auto record = challenge::RecordFromReports(*demo, nullptr, "", bench,
                                             bench_path.string());
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->figures.at("runtime_ms"), median);
  EXPECT_EQ(record->figures.at("model_bytes"),
            static_cast<double>(fs::file_size(model)));
  EXPECT_EQ(record->model_sha256, bench["model"]["sha256"]);
  EXPECT_EQ(record->model_sha256.size(), 64u);
  auto scored = challenge::ScoreRecord(*demo, *record);
  ASSERT_TRUE(scored.ok()) << scored.status().message();
  EXPECT_EQ(scored->score, median);
  EXPECT_EQ(scored->disqualified, "");

  // The command.
  r = testing::RunMai("score --track demo-runtime " + bench_path.string() +
                      " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["schema"], "mai.score/1");
  EXPECT_EQ(s["track"], "demo-runtime");
  EXPECT_EQ(s["score"].get<double>(), median);
  EXPECT_EQ(s["figures"]["runtime_ms"].get<double>(), median);
  EXPECT_EQ(s["model_sha256"], bench["model"]["sha256"]);
  EXPECT_TRUE(s["disqualified"].is_null());
  r = testing::RunMai("score --track demo-runtime " + bench_path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("track demo-runtime: runtime_ms"), std::string::npos)
      << r.out;

  // One-line errors: two reports for a runtime-only track, one for a
  // fidelity track, and `mai eval` on a runtime-only track.
  testing::ExpectOneLineError(
      testing::RunMai("score --track demo-runtime " + bench_path.string() +
                      " " + bench_path.string()),
      "track demo-runtime is runtime-only: give its mai bench --json report "
      "alone");
  testing::ExpectOneLineError(
      testing::RunMai("score --track mai2021-denoising " + bench_path.string()),
      "track mai2021-denoising scores fidelity: give EVAL.json BENCH.json");
  testing::ExpectOneLineError(
      testing::RunMai("eval --track demo-runtime " + model + " --data " +
                      dir.path().string()),
      "track demo-runtime is runtime-only");
}

TEST_F(ChallengeCliTest, MetricsMatchScikitImage) {
  const std::string a = (*dir_ / "val/denoise/clean/coffee.png").string();
  const std::string b = (*dir_ / "val/denoise/noisy/coffee.png").string();
  const fs::path script = *dir_ / "metrics.py";
  std::ofstream(script)
      << "import numpy as np\nfrom skimage import io\n"
      << "from skimage.metrics import peak_signal_noise_ratio as p, "
         "structural_similarity as s\n"
      << "a = io.imread('" << a << "').astype(np.float32) / np.float32(255)\n"
      << "b = io.imread('" << b << "').astype(np.float32) / np.float32(255)\n"
      << "a = a.astype(np.float64); b = b.astype(np.float64)\n"
      << "print(repr(p(a, b, data_range=1)))\n"
      << "print(repr(s(a, b, data_range=1, channel_axis=-1, "
         "gaussian_weights=True, sigma=1.5, use_sample_covariance=False)))\n";
  FILE* p = popen(("/usr/bin/python3 " + script.string()).c_str(), "r");
  ASSERT_NE(p, nullptr);
  double want_psnr = NAN, want_ssim = NAN;
  ASSERT_EQ(std::fscanf(p, "%lf %lf", &want_psnr, &want_ssim), 2);
  pclose(p);

  auto r = testing::RunMai("metrics --metric psnr " + a + " " + b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(std::stod(r.out), want_psnr, 1e-9);
  r = testing::RunMai("metrics --metric ssim " + a + " " + b + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NEAR(json::parse(r.out)["value"].get<double>(), want_ssim, 1e-9);
  r = testing::RunMai("metrics --metric psnr " + a + " " + a + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["value"], "inf");

  testing::ExpectOneLineError(
      testing::RunMai("metrics --metric lpips " + a + " " + b), "lpips");
  testing::ExpectOneLineError(
      testing::RunMai("metrics --metric psnr " + a + " " +
                      (*dir_ / "missing.png").string()),
      "missing.png");
  testing::ExpectOneLineError(
      testing::RunMai("metrics --metric psnr " + a + " " +
                      (*dir_ / "val/sr_x3/lr/coffee.png").string()),
      "shape mismatch");
}

}  // namespace
}  // namespace mai

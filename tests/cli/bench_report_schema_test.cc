// `mai bench --json` against its documented schema
// (docs/bench_report.schema.json) on real models, with the per-op profile;
// the profile adds up to the measured run time; the Chrome trace has one
// complete event per executed node per traced run. Also: the schema checker
// itself rejects what it should.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "oracle/tflite_oracle.h"
#include "testing/json_schema.h"

namespace mai {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

nlohmann::json Schema() {
  return nlohmann::json::parse(
      ReadText(fs::path(MAI_SOURCE_DIR) / "docs" / "bench_report.schema.json"));
}

// Runs `mai ARGS`, returns stdout; fails the test on a non-zero exit.
std::string Mai(const std::string& args) {
  const fs::path out = fs::temp_directory_path() /
                       ("mai_schema_" + std::to_string(getpid()) + ".out");
  const std::string cmd =
      std::string(MAI_BINARY) + " " + args + " >" + out.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n"
                                                             << ReadText(out);
  std::string text = ReadText(out);
  fs::remove(out);
  return text;
}

TEST(BenchReportSchemaTest, RealModelsConformAndProfilesAddUp) {
  const nlohmann::json schema = Schema();
  const fs::path trace = fs::temp_directory_path() /
                         ("mai_schema_trace_" + std::to_string(getpid()));
  for (const char* name :
       {"face_detection_short_range", "selfie_segmentation"}) {
    SCOPED_TRACE(name);
    const std::string model =
        testing::OracleModelsDir() + "/" + std::string(name) + ".tflite";
    const std::string text =
        Mai("bench " + model +
            " --json --num_runs 10 --min_secs 0 --warmup_min_secs 0"
            " --enable_op_profiling --profiling_runs 20 --peak_gflops 100"
            " --power_source none --report_peak_memory_footprint"
            " --profiling_trace_file " +
            trace.string());
    const nlohmann::json report = nlohmann::json::parse(text);
    for (const std::string& e : testing::ValidateJson(report, schema)) {
      ADD_FAILURE() << e;
    }
    EXPECT_EQ(report["model"]["sha256"].get<std::string>().size(), 64u);
    EXPECT_GT(report["model"]["bytes"].get<int64_t>(), 100000);
    // The nodes' times add up to the profiled runs' wall time within 10 %.
    const auto& p = report["op_profile"];
    const double nodes = p["nodes_avg_us"].get<double>();
    const double run = p["run_avg_us"].get<double>();
    EXPECT_NEAR(nodes, run, 0.1 * run);
    // One complete event per executed node per traced run (20 runs here,
    // all traced).
    const auto t = nlohmann::json::parse(ReadText(trace));
    size_t complete = 0;
    for (const auto& e : t["traceEvents"]) complete += e["ph"] == "X";
    EXPECT_EQ(complete, 20 * p["nodes"].size());
  }
  fs::remove(trace);
}

TEST(BenchReportSchemaTest, SustainedRunConformsAndReportsWindows) {
  // 2 s at 30 FPS in windows of 1 s: 60 frames released, 2 windows.
  const std::string model =
      testing::OracleModelsDir() + "/face_detection_short_range.tflite";
  const nlohmann::json report = nlohmann::json::parse(
      Mai("bench " + model +
          " --json --sustained --fps 30 --duration 2 --window 1"
          " --warmup_min_secs 0 --power_source none"));
  for (const std::string& e : testing::ValidateJson(report, Schema())) {
    ADD_FAILURE() << e;
  }
  const auto& s = report["sustained"];
  EXPECT_EQ(s["frames_released"], 60);
  EXPECT_EQ(s["windows"].size(), 2u);
  EXPECT_EQ(s["frames"].size(), 60u);
  EXPECT_EQ(report["runs"]["count"], s["frames_run"]);
  EXPECT_FALSE(s["verdict"].get<std::string>().empty());
}

TEST(BenchReportSchemaTest, CheckerRejectsBrokenReports) {
  const nlohmann::json schema = Schema();
  const std::string model =
      testing::OracleModelsDir() + "/face_detection_short_range.tflite";
  nlohmann::json report = nlohmann::json::parse(
      Mai("bench " + model +
          " --json --num_runs 3 --min_secs 0 --warmup_min_secs 0"
          " --power_source none"));
  ASSERT_TRUE(testing::ValidateJson(report, schema).empty());
  nlohmann::json missing = report;
  missing["runs"].erase("p99_ms");
  EXPECT_EQ(testing::ValidateJson(missing, schema),
            std::vector<std::string>{"/runs/p99_ms: missing"});
  nlohmann::json wrong = report;
  wrong["num_threads"] = "two";
  EXPECT_FALSE(testing::ValidateJson(wrong, schema).empty());
  nlohmann::json bad_enum = report;
  bad_enum["schema"] = "mai.bench.report/0";
  EXPECT_FALSE(testing::ValidateJson(bad_enum, schema).empty());
  nlohmann::json negative = report;
  negative["runs"]["samples_ms"][0] = -1.0;
  EXPECT_FALSE(testing::ValidateJson(negative, schema).empty());
}

}  // namespace
}  // namespace mai

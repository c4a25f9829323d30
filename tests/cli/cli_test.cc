// The `mai` binary end to end: run writes what it promises, inspect works on
// every real model, and bad input gives one line on stderr and exit 1.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/npy.h"
#include "mai/session.h"
#include "oracle/tflite_oracle.h"
#include "testing/cli_runner.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

namespace fs = std::filesystem;

using testing::CommandResult;
using testing::ExpectOneLineError;
using testing::ReadText;
using testing::RunMai;

std::string Corpus(const std::string& name) {
  return std::string(MAI_SOURCE_DIR) + "/tests/fuzz/corpus/" + name + ".tflite";
}

TEST(CliTest, RunWritesOutputsMatchingTheSession) {
  fs::path dir =
      fs::temp_directory_path() / ("mai_cli_run_" + std::to_string(getpid()));
  fs::remove_all(dir);
  CommandResult r = RunMai("run " + Corpus("conv_relu") +
                           " --seed 3 --output_dir " + dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output 0 'y' float32 [1,5,5,3]"), std::string::npos)
      << r.out;

  auto meta = nlohmann::json::parse(ReadText(dir / "outputs.json"));
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(meta[0]["name"], "y");
  EXPECT_EQ(meta[0]["dtype"], "float32");
  EXPECT_EQ(meta[0]["shape"], nlohmann::json({1, 5, 5, 3}));

  auto bin = ReadFileBytes((dir / "output0.bin").string());
  auto npy_bytes = ReadFileBytes((dir / "output0.npy").string());
  ASSERT_TRUE(bin.ok() && npy_bytes.ok());
  auto npy = ParseNpy(*npy_bytes);
  ASSERT_TRUE(npy.ok()) << npy.status().message();
  EXPECT_EQ(npy->shape, (Shape{1, 5, 5, 3}));
  EXPECT_EQ(npy->data, *bin);

  // Same bytes as the library with the same seeded input and the CLI's
  // default backend.
  SessionOptions options;
  options.backend = "auto";
  auto session = Session::LoadFile(Corpus("conv_relu"), options);
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Prepare().ok());
  FillDeterministic(DType::kFloat32, 3, 0, (*session)->input_data(0));
  ASSERT_TRUE((*session)->Invoke().ok());
  auto expected = (*session)->output_data(0);
  EXPECT_EQ(*bin, std::vector<uint8_t>(expected.begin(), expected.end()));
  fs::remove_all(dir);
}

TEST(CliTest, RunTakesNpyInputAndResizes) {
  fs::path dir =
      fs::temp_directory_path() / ("mai_cli_npy_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::vector<float> x(2 * 3 * 3, 0.5f);
  std::vector<uint8_t> raw(x.size() * 4);
  std::memcpy(raw.data(), x.data(), raw.size());
  // binary_broadcast: x [2,1,3] * c [4,1]; feed x as [2,1,3] via .npy with
  // name.
  ASSERT_TRUE(
      WriteFileBytes((dir / "x.npy").string(),
                     SerializeNpy(DType::kFloat32, {2, 1, 3}, {raw.data(), 24}))
          .ok());
  CommandResult r = RunMai("run " + Corpus("binary_broadcast") +
                           " --input x=" + (dir / "x.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // sigmoid(0.5 * c) for c in 1..4: min sigmoid(0.5), max sigmoid(2).
  EXPECT_NE(r.out.find("min 0.622459"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max 0.880797"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

TEST(CliTest, InspectWorksOnEveryRealModel) {
  for (const char* name :
       {"face_detection_short_range", "face_detection_full_range",
        "face_detection_full_range_sparse", "selfie_segmentation",
        "selfie_segmentation_landscape"}) {
    std::string path = testing::OracleModelsDir() + "/" + name + ".tflite";
    ASSERT_TRUE(fs::exists(path)) << path;
    CommandResult r = RunMai("inspect --json " + path);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_GT(j["total_macs"].get<int64_t>(), 10'000'000) << name;
    EXPECT_TRUE(j["memory_plan"].contains("arena_bytes"))
        << name << j["memory_plan"].dump();
    EXPECT_FALSE(j["op_histogram"].empty());
    // The default backend runs every live node of these models on xnnpack.
    EXPECT_EQ(j["backend"], "auto");
    EXPECT_TRUE(j["fallbacks"].empty()) << name << j["fallbacks"].dump();
    EXPECT_GT(j["nodes_by_backend"]["xnnpack"].get<int>(), 20) << name;
    EXPECT_FALSE(j["nodes_by_backend"].contains("ref")) << name;
  }
}

TEST(CliTest, InspectListsNodesThatFallBack) {
  // SIGN has no xnnpack kernel: auto runs it on ref and inspect says so, per
  // node and in the fallback list; the ADD after it stays on xnnpack.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4});
  int s = b.AddTensor("s", DType::kFloat32, Shape{1, 4});
  b.AddOp(ir::OpCode::kSign, {x}, {s});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4});
  b.AddOp(ir::OpCode::kAdd, {s, x}, {y}, ir::BinaryParams{});
  b.MarkOutput(y);
  auto bytes = b.Build();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  fs::path path = fs::temp_directory_path() /
                  ("mai_cli_fallback_" + std::to_string(getpid()) + ".tflite");
  ASSERT_TRUE(WriteFileBytes(path.string(), *bytes).ok());

  CommandResult r = RunMai("inspect --json " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["fallbacks"].size(), 1u) << j["fallbacks"].dump();
  EXPECT_EQ(j["fallbacks"][0]["op"], "SIGN");
  EXPECT_EQ(j["nodes"][0]["backend"], "ref");
  EXPECT_EQ(j["nodes"][1]["backend"], "xnnpack");
  CommandResult text = RunMai("inspect --nodes " + path.string());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("fallback   node 0 SIGN"), std::string::npos)
      << text.out;
  CommandResult ref = RunMai("inspect --json --backend ref " + path.string());
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_TRUE(nlohmann::json::parse(ref.out)["fallbacks"].empty());
  fs::remove(path);
}

TEST(CliTest, InspectReportsOpsMaiCannotRun) {
  // A model with an unknown custom op: inspect still lists it, the arena
  // line says why it cannot be planned.
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4});
  b.AddCustomOp("MysteryOp", {x}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  fs::path path = fs::temp_directory_path() / "mai_cli_unknown_op.tflite";
  ASSERT_TRUE(WriteFileBytes(path.string(), *bytes).ok());
  CommandResult r = RunMai("inspect " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("MysteryOp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("n/a"), std::string::npos) << r.out;
}

TEST(CliTest, BadInputGivesOneLineAndExitOne) {
  ExpectOneLineError(RunMai("run /no/such/model.tflite"), "cannot open");
  fs::path junk = fs::temp_directory_path() / "mai_cli_junk.tflite";
  ASSERT_TRUE(
      WriteFileBytes(junk.string(), std::vector<uint8_t>(100, 0x41)).ok());
  ExpectOneLineError(RunMai("run " + junk.string()),
                     "not a valid .tflite model");
  ExpectOneLineError(RunMai("inspect " + junk.string()),
                     "not a valid .tflite model");
  ExpectOneLineError(
      RunMai("run " + Corpus("conv_relu") + " --input nosuch=/tmp/x.npy"),
      "no input 'nosuch'");
  ExpectOneLineError(
      RunMai("run " + Corpus("conv_relu") + " --input x=/no/file.bin"),
      "cannot open");
  fs::path wrong = fs::temp_directory_path() / "mai_cli_wrong.bin";
  ASSERT_TRUE(WriteFileBytes(wrong.string(), std::vector<uint8_t>(7, 0)).ok());
  ExpectOneLineError(
      RunMai("run " + Corpus("conv_relu") + " --input x=" + wrong.string()),
      "needs 200 bytes");
  ExpectOneLineError(RunMai("run " + Corpus("conv_relu") + " --backend nosuch"),
                     "unknown backend");
  ExpectOneLineError(RunMai("bench " + Corpus("conv_relu") + " --num_runs 0"),
                     "--num_runs");
  EXPECT_EQ(RunMai("frobnicate").exit_code, 2);
}

TEST(CliTest, BenchReportsStatistics) {
  CommandResult r =
      RunMai("bench " + Corpus("conv_relu") +
             " --num_runs 5 --min_secs 0 --warmup_min_secs 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& runs = j["runs"];
  EXPECT_EQ(runs["count"], 5);
  EXPECT_EQ(runs["samples_ms"].size(), 5u);
  EXPECT_LE(runs["min_ms"].get<double>(), runs["median_ms"].get<double>());
  EXPECT_LE(runs["median_ms"].get<double>(), runs["p90_ms"].get<double>());
  EXPECT_LE(runs["p90_ms"].get<double>(), runs["p99_ms"].get<double>());
  EXPECT_LE(runs["p99_ms"].get<double>(), runs["max_ms"].get<double>());
  EXPECT_GE(runs["std_ms"].get<double>(), 0.0);
  // Five samples are too few to trust: the report says so.
  bool few = false;
  for (const auto& w : j["warnings"]) {
    few = few || w.get<std::string>().find("samples") != std::string::npos;
  }
  EXPECT_TRUE(few) << j["warnings"].dump();
  EXPECT_TRUE(j["machine_load"].contains("load1"));
}

TEST(CliTest, BenchRunsUntilCountAndTimeAreReached) {
  // One run wanted but at least 0.2 s: a microsecond model runs many times.
  CommandResult r =
      RunMai("bench " + Corpus("conv_relu") +
             " --num_runs 1 --min_secs 0.2 --warmup_runs 0 --warmup_min_secs 0"
             " --max_runs 300 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["runs"]["count"], 300);  // capped by --max_runs
  CommandResult ref = RunMai("bench " + Corpus("conv_relu") +
                             " --num_runs 2 --min_secs 0 --warmup_min_secs 0"
                             " --use_xnnpack false --json");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(nlohmann::json::parse(ref.out)["backend"], "ref");
  ExpectOneLineError(
      RunMai("bench " + Corpus("conv_relu") + " --min_secs 5 --max_secs 1"),
      "--max_secs");
  ExpectOneLineError(
      RunMai("bench " + Corpus("conv_relu") + " --use_xnnpack maybe"),
      "--use_xnnpack");
  ExpectOneLineError(RunMai("bench " + Corpus("conv_relu") + " --cpu_list x"),
                     "CPU list");
}

TEST(CliTest, BenchTakesTfliteInputFlags) {
  // benchmark_model's spelling: resize input x and read its values.
  fs::path dir = fs::temp_directory_path() /
                 ("mai_cli_inputs_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path values = dir / "x.bin";
  ASSERT_TRUE(WriteFileBytes(values.string(),
                             std::vector<uint8_t>(2 * 7 * 7 * 2 * 4, 0))
                  .ok());
  CommandResult r =
      RunMai("bench " + Corpus("conv_relu") +
             " --num_runs 2 --min_secs 0 --warmup_min_secs 0 --input_layer x"
             " --input_layer_shape 2,7,7,2 --input_layer_value_files x:" +
             values.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectOneLineError(RunMai("bench " + Corpus("conv_relu") +
                            " --input_layer x --input_layer_shape 1,a,5,2"),
                     "input_layer_shape");
  ExpectOneLineError(RunMai("bench " + Corpus("conv_relu") +
                            " --input_layer_value_files nocolon"),
                     "NAME:FILE");
  fs::remove_all(dir);
}

TEST(CliTest, BenchOpProfileExportsJsonCsvAndTrace) {
  fs::path dir = fs::temp_directory_path() /
                 ("mai_cli_profile_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path csv = dir / "p.csv", trace = dir / "t.json";
  CommandResult r =
      RunMai("bench " + Corpus("conv_relu") +
             " --num_runs 3 --min_secs 0 --warmup_min_secs 0 --json"
             " --enable_op_profiling"
             " --peak_gflops 50 --profiling_output_csv_file " +
             csv.string() + " --profiling_trace_file " + trace.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& p = j["op_profile"];
  EXPECT_EQ(p["runs"], 3);
  EXPECT_EQ(p["peak_gflops"].get<double>(), 50.0);
  ASSERT_FALSE(p["nodes"].empty());
  EXPECT_EQ(p["nodes"][0]["op"], "CONV_2D");
  EXPECT_GT(p["nodes"][0]["macs"].get<int64_t>(), 0);
  EXPECT_NE(ReadText(csv).find("CONV_2D"), std::string::npos);
  auto t = nlohmann::json::parse(ReadText(trace));
  EXPECT_GT(t["traceEvents"].size(), 1u);
  ExpectOneLineError(
      RunMai("bench " + Corpus("conv_relu") +
             " --min_secs 0 --warmup_min_secs 0 --enable_op_profiling"
             " --profiling_output_csv_file " +
             (dir / "no" / "such" / "dir.csv").string()),
      "cannot write");
  fs::remove_all(dir);
}

TEST(CliTest, BenchReportsPowerFromAMeterOrSaysUnavailable) {
  const std::string base = "bench " + Corpus("conv_relu") +
                           " --num_runs 5 --min_secs 0.2 --warmup_min_secs 0"
                           " --json --power_source ";
  CommandResult meter = RunMai(base + "'command:echo 2.5'");
  ASSERT_EQ(meter.exit_code, 0) << meter.err;
  auto p = nlohmann::json::parse(meter.out)["power"];
  EXPECT_TRUE(p["available"].get<bool>()) << p.dump();
  EXPECT_NEAR(p["watts"].get<double>(), 2.5, 1e-9);
  EXPECT_GT(p["joules_per_inference"].get<double>(), 0.0);
  CommandResult none = RunMai(base + "none");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  auto q = nlohmann::json::parse(none.out)["power"];
  EXPECT_FALSE(q["available"].get<bool>());
  EXPECT_NE(q["reason"].get<std::string>().find("unavailable"),
            std::string::npos);
  ExpectOneLineError(
      RunMai("bench " + Corpus("conv_relu") + " --power_source bogus"),
      "unknown source");
}

TEST(CliTest, BenchCsvMarkdownAndIsolate) {
  const std::string base = "bench " + Corpus("conv_relu") +
                           " --num_runs 3 --min_secs 0 --warmup_min_secs 0"
                           " --power_source none ";
  CommandResult csv = RunMai(base + "--csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string header, row, extra;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.rfind("model,backend,num_threads,", 0), 0u) << header;
  EXPECT_EQ(std::count(header.begin(), header.end(), ','),
            std::count(row.begin(), row.end(), ','));
  EXPECT_EQ(row.rfind("conv_relu.tflite,auto,1,", 0), 0u) << row;

  CommandResult md = RunMai(base + "--markdown");
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| p50_ms | "), std::string::npos) << md.out;

  // The isolated child prints the same report; its failure is ours.
  CommandResult iso = RunMai(base + "--isolate --json");
  ASSERT_EQ(iso.exit_code, 0) << iso.err;
  EXPECT_EQ(nlohmann::json::parse(iso.out)["runs"]["count"], 3);
  CommandResult iso_bad =
      RunMai("bench --isolate /no/such/model.tflite --min_secs 0");
  EXPECT_EQ(iso_bad.exit_code, 1);
  EXPECT_NE(iso_bad.err.find("mai bench:"), std::string::npos);
  ExpectOneLineError(RunMai(base + "--csv --json"), "choose one");
}

TEST(CliTest, BenchPowerCurveWritesCsvAndSvg) {
  fs::path dir =
      fs::temp_directory_path() / ("mai_cli_curve_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path csv = dir / "curve.csv", svg = dir / "curve.svg";
  const std::string base =
      "bench " + Corpus("conv_relu") +
      " --power_curve --fps_list 20,50 --curve_duration 0.3 --warmup_min_secs 0"
      " --curve_csv " +
      csv.string() + " --curve_svg " + svg.string();
  // No power source: the column says so, the plot too.
  CommandResult none = RunMai(base + " --power_source none");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const std::string table = ReadText(csv);
  EXPECT_EQ(table.rfind("target_fps,achieved_fps,", 0), 0u) << table;
  EXPECT_NE(table.find("\n20,"), std::string::npos) << table;
  EXPECT_NE(table.find("\n50,"), std::string::npos) << table;
  EXPECT_NE(table.find(",unavailable,"), std::string::npos) << table;
  EXPECT_NE(ReadText(svg).find("power: unavailable"), std::string::npos);
  // A meter that says 1.5 W: the budget read-off picks the faster rate.
  CommandResult meter = RunMai(base +
                               " --power_source 'command:echo 1.5'"
                               " --power_budget 2 --json");
  ASSERT_EQ(meter.exit_code, 0) << meter.err;
  auto j = nlohmann::json::parse(meter.out);
  ASSERT_EQ(j["power_curve"].size(), 2u);
  EXPECT_NEAR(j["power_curve"][1]["watts"].get<double>(), 1.5, 1e-9);
  EXPECT_NEAR(j["best_fps_within_budget"].get<double>(), 50, 1.0);
  ExpectOneLineError(
      RunMai("bench " + Corpus("conv_relu") + " --power_curve --fps_list 10,x"),
      "--fps_list");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mai

// `mai compare` end to end on hand-written `mai bench --json` files: the
// verdict, the JSON report, and one-line errors with exit 1 on bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "testing/cli_runner.h"

namespace mai {
namespace {

namespace fs = std::filesystem;

using testing::CommandResult;
using testing::ReadText;
using testing::RunMai;

fs::path TestDir() {
  fs::path dir = fs::temp_directory_path() /
                 ("mai_compare_cli_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  fs::path p = TestDir() / name;
  std::ofstream(p) << text;
  return p.string();
}

// A result file shaped like `mai bench --json`, with `n` latency samples
// drawn from N(mean_ms, sd_ms) by a generator seeded with `seed`.
std::string WriteBenchJson(const std::string& name, uint32_t seed, int n,
                           double mean_ms, double sd_ms,
                           const std::string& backend = "xnnpack") {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean_ms, sd_ms);
  std::vector<double> samples(n);
  for (double& x : samples) x = dist(rng);
  nlohmann::json j = {
      {"model", "models/net.tflite"},
      {"backend", backend},
      {"num_threads", 1},
      {"init_ms", {{"load", 1.5}, {"prepare", 2.5}}},
      {"first_run_ms", mean_ms * 2},
      {"warmup_runs", 1},
      {"runs", {{"count", n}, {"samples_ms", samples}}},
      {"memory", {{"arena_bytes", 1000}, {"peak_rss_bytes", 20000000}}}};
  return WriteFile(name, j.dump());
}

nlohmann::json ParseOut(const CommandResult& r) {
  return nlohmann::json::parse(r.out, nullptr, false);
}

bool IsOneErrorLine(const std::string& err) {
  return err.rfind("mai compare: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

TEST(CompareCliTest, FasterAndSlowerVerdicts) {
  std::string a = WriteBenchJson("a.json", 1, 40, 10.0, 0.3);
  std::string b = WriteBenchJson("b.json", 2, 40, 8.0, 0.3);
  CommandResult r = RunMai("compare " + a + " " + b + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = ParseOut(r);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_EQ(j["files"].size(), 2u);
  ASSERT_EQ(j["comparisons"].size(), 1u);
  const nlohmann::json& median = j["comparisons"][0]["median_ms"];
  EXPECT_EQ(median["verdict"], "faster");
  EXPECT_LT(median["ci_high"].get<double>(), 0);
  EXPECT_LT(median["p_value"].get<double>(), 0.05);
  EXPECT_NEAR(median["difference"].get<double>(), -2.0, 0.3);
  // Single-valued metrics: difference only.
  const nlohmann::json& init = j["comparisons"][0]["init_ms"];
  EXPECT_DOUBLE_EQ(init["a"].get<double>(), 4.0);  // load + prepare
  EXPECT_DOUBLE_EQ(init["difference"].get<double>(), 0.0);
  EXPECT_EQ(j["files"][0]["peak_rss_bytes"], 20000000);
  EXPECT_EQ(j["files"][0]["runs"], 40);

  CommandResult s = RunMai("compare " + b + " " + a + " --json");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(ParseOut(s)["comparisons"][0]["median_ms"]["verdict"], "slower");

  CommandResult text = RunMai("compare " + a + " " + b);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("median ms"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("faster"), std::string::npos) << text.out;
}

TEST(CompareCliTest, SameFileNoDifferenceAndDeterministic) {
  std::string a = WriteBenchJson("same.json", 3, 30, 5.0, 0.5);
  CommandResult r = RunMai("compare " + a + " " + a + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = ParseOut(r);
  EXPECT_EQ(j["comparisons"][0]["median_ms"]["verdict"],
            "no detectable difference");
  EXPECT_EQ(j["comparisons"][0]["median_ms"]["difference"], 0.0);

  // Same seed, same report; another seed moves the interval.
  std::string c = WriteBenchJson("c.json", 4, 30, 5.2, 0.5);
  CommandResult x = RunMai("compare " + a + " " + c + " --json --seed 9");
  CommandResult y = RunMai("compare " + a + " " + c + " --json --seed 9");
  CommandResult z = RunMai("compare " + a + " " + c + " --json --seed 10");
  ASSERT_EQ(x.exit_code, 0) << x.err;
  EXPECT_EQ(x.out, y.out);
  EXPECT_NE(ParseOut(x)["comparisons"][0]["median_ms"]["ci_low"],
            ParseOut(z)["comparisons"][0]["median_ms"]["ci_low"]);
}

TEST(CompareCliTest, ManyFilesEachAgainstTheFirst) {
  std::string a = WriteBenchJson("m1.json", 5, 30, 10.0, 0.2);
  std::string b = WriteBenchJson("m2.json", 6, 30, 10.0, 0.2, "ref");
  std::string c = WriteBenchJson("m3.json", 7, 30, 12.0, 0.2);
  CommandResult r = RunMai("compare " + a + " " + b + " " + c + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = ParseOut(r);
  ASSERT_EQ(j["files"].size(), 3u);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  EXPECT_EQ(j["comparisons"][0]["b"], 1);
  EXPECT_EQ(j["comparisons"][1]["a"], 0);
  EXPECT_EQ(j["comparisons"][1]["b"], 2);
  EXPECT_EQ(j["comparisons"][1]["median_ms"]["verdict"], "slower");
  EXPECT_EQ(j["files"][1]["backend"], "ref");

  CommandResult text = RunMai("compare " + a + " " + b + " " + c);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("net.tflite"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("against #1"), std::string::npos) << text.out;
}

TEST(CompareCliTest, FewSamplesWarned) {
  std::string a = WriteBenchJson("few_a.json", 8, 5, 10.0, 0.1);
  std::string b = WriteBenchJson("few_b.json", 9, 40, 10.0, 0.1);
  CommandResult r = RunMai("compare " + a + " " + b + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = ParseOut(r);
  ASSERT_EQ(j["files"][0]["warnings"].size(), 1u);
  EXPECT_NE(j["files"][0]["warnings"][0].get<std::string>().find(
                "few samples: 5 runs"),
            std::string::npos);
  EXPECT_TRUE(j["files"][1]["warnings"].empty());
}

TEST(CompareCliTest, BadInputIsOneLineAndExitOne) {
  std::string good = WriteBenchJson("good.json", 10, 20, 3.0, 0.1);
  std::string not_json = WriteFile("not_json.json", "{\"model\": ");
  std::string no_samples = WriteFile(
      "no_samples.json", R"({"model":"m","backend":"ref","num_threads":1,)"
                         R"("runs":{"median_ms":3.0}})");
  std::string empty_samples = WriteFile(
      "empty_samples.json", R"({"model":"m","backend":"ref","num_threads":1,)"
                            R"("runs":{"samples_ms":[]}})");
  std::string no_model = WriteFile(
      "no_model.json",
      R"({"backend":"ref","num_threads":1,"runs":{"samples_ms":[1,2]}})");
  std::string bad_sample = WriteFile(
      "bad_sample.json", R"({"model":"m","backend":"ref","num_threads":1,)"
                         R"("runs":{"samples_ms":[1,"x"]}})");
  std::string missing = (TestDir() / "does_not_exist.json").string();

  struct Case {
    std::string args, expect;
  };
  for (const Case& c : std::vector<Case>{
           {good + " " + missing, "no such file"},
           {good + " " + not_json, "not valid JSON"},
           {no_samples + " " + good, "missing field runs.samples_ms"},
           {good + " " + empty_samples, "no samples"},
           {good + " " + no_model, "missing field model"},
           {good + " " + bad_sample, "non-number"},
           {good, "at least two"},
           {good + " " + good + " --resamples 0", "resamples"},
       }) {
    for (const char* json : {"", " --json"}) {
      CommandResult r = RunMai("compare " + c.args + json);
      EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
      EXPECT_TRUE(IsOneErrorLine(r.err)) << c.args << "\n" << r.err;
      EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
  }
}

}  // namespace
}  // namespace mai

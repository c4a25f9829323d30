// `mai zoo list` and `mai zoo build` through the real binary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "testing/cli_runner.h"
#include "tflite/model_reader.h"

namespace mai {
namespace {

using testing::RunMai;

TEST(ZooCliTest, ListNamesEveryModelAndSaysWeightsAreRandom) {
  auto r = RunMai("zoo list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name :
       {"fsrcnn_x3", "xlsr_x3", "abpn_x3", "microisp", "fastdepth",
        "unet_denoise", "video_sr_x4", "bokeh_unet", "mobilenet_v2"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("1x360x640x1 -> 1x1080x1920x1"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not accuracy"), std::string::npos);
}

TEST(ZooCliTest, ListJsonHasShapesParametersAndMacs) {
  auto r = RunMai("zoo list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["models"].size(), 9u);
  EXPECT_NE(j["note"].get<std::string>().find("random"), std::string::npos);
  for (const auto& m : j["models"]) {
    EXPECT_GT(m["parameters"].get<int64_t>(), 0) << m["name"];
    EXPECT_GT(m["macs"].get<int64_t>(), 0) << m["name"];
  }
  const auto& fsrcnn = j["models"][0];
  EXPECT_EQ(fsrcnn["name"], "fsrcnn_x3");
  EXPECT_EQ(fsrcnn["input_shape"], nlohmann::json({1, 360, 640, 1}));
  EXPECT_EQ(fsrcnn["output_shape"], nlohmann::json({1, 1080, 1920, 1}));
  // Parameters by hand: 5x5x1x56+56, 56x12+12, 4x(3x3x12x12+12), 12x56+56,
  // 3x3x56x9+9.
  EXPECT_EQ(fsrcnn["parameters"], 1456 + 684 + 4 * 1308 + 728 + 4545);
  // MACs: per input pixel the same products, times 360x640.
  EXPECT_EQ(fsrcnn["macs"],
            int64_t{360} * 640 * (1400 + 672 + 4 * 1296 + 672 + 4536));
}

TEST(ZooCliTest, BuildWritesLoadableModelsAtTheGivenSize) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mai_zoo_cli_" + std::to_string(getpid()));
  auto r = RunMai("zoo build video_sr_x4 --out " + dir.string() +
                  " --height 20 --width 24 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto m = tflite::ReadModelFile((dir / "video_sr_x4.tflite").string());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Graph& g = m->main_graph();
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, (Shape{1, 20, 24, 3}));
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{1, 80, 96, 3}));

  r = RunMai("zoo build all --out " + dir.string() +
             " --height 32 --width 32 --width_multiplier 0.35");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"fsrcnn_x3", "fastdepth", "mobilenet_v2"})
    EXPECT_TRUE(std::filesystem::exists(dir / (std::string(name) + ".tflite")));
  std::filesystem::remove_all(dir);
}

TEST(ZooCliTest, BuildInt8WritesAQuantizedModelThatRunsOnTheFastBackend) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("mai_zoo_int8_" + std::to_string(getpid()));
  auto r = RunMai("zoo build video_sr_x4 --height 12 --width 16 --int8 --out " +
                  dir.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string path = (dir / "video_sr_x4.int8.tflite").string();
  auto model = tflite::ReadModelFile(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  int int8_tensors = 0;
  for (const ir::Tensor& t : model->main_graph().tensors) {
    int8_tensors += t.dtype == DType::kInt8;
  }
  EXPECT_GT(int8_tensors, 5);
  auto run = RunMai("run " + path + " --backend xnnpack --no_fallback");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::filesystem::remove_all(dir);
}

TEST(ZooCliTest, UnknownNameIsAOneLineErrorListingTheModels) {
  auto r = RunMai("zoo build resnet50 --out /tmp/mai_zoo_unused");
  testing::ExpectOneLineError(r, "fsrcnn_x3");
  EXPECT_NE(r.err.find("resnet50"), std::string::npos);
}

TEST(ZooCliTest, BadSizeIsAOneLineError) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mai_zoo_cli_bad_" + std::to_string(getpid()));
  auto r = RunMai("zoo build fastdepth --out " + dir.string() +
                  " --height 50 --width 64");
  testing::ExpectOneLineError(r, "multiples of 32");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mai

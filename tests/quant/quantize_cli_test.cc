// `mai quantize`: writes an int8 model that loads in mai, reports the
// per-output error, honours --int8_io / --per_tensor, and fails with one
// line on bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/npy.h"
#include "testing/cli_runner.h"
#include "tflite/model_reader.h"
#include "zoo/zoo.h"

namespace mai {
namespace {

namespace fs = std::filesystem;

class QuantizeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mai_quantize_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    zoo::ZooOptions o;
    o.height = 16;
    o.width = 24;
    auto bytes = zoo::BuildZooModel("fsrcnn_x3", o);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    float_path_ = (dir_ / "float.tflite").string();
    ASSERT_TRUE(WriteFileBytes(float_path_, *bytes).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string float_path_;
};

TEST_F(QuantizeCliTest, WritesInt8ModelAndReportsError) {
  const std::string out = (dir_ / "int8.tflite").string();
  auto r = testing::RunMai("quantize " + float_path_ + " --out " + out +
                           " --calibration_samples 2 --calibration_seed 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("validation seed 7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PSNR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("max abs error"), std::string::npos) << r.out;
  auto model = tflite::ReadModelFile(out);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  EXPECT_EQ(g.tensors[g.inputs[0]].dtype, DType::kFloat32);
  bool has_int8_conv = false;
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpCode::kConv2D) {
      const ir::Tensor& w = g.tensors[n.inputs[1]];
      has_int8_conv = w.dtype == DType::kInt8 && w.quant.per_channel();
    }
  }
  EXPECT_TRUE(has_int8_conv);
}

TEST_F(QuantizeCliTest, Int8IoAndPerTensor) {
  const std::string out = (dir_ / "int8io.tflite").string();
  auto r = testing::RunMai("quantize " + float_path_ + " --out " + out +
                           " --calibration_samples 1 --int8_io --per_tensor"
                           " --calibration_method percentile");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("percentile"), std::string::npos) << r.out;
  auto model = tflite::ReadModelFile(out);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->main_graph();
  EXPECT_EQ(g.tensors[g.inputs[0]].dtype, DType::kInt8);
  EXPECT_EQ(g.tensors[g.outputs[0]].dtype, DType::kInt8);
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpCode::kConv2D) {
      EXPECT_EQ(g.tensors[n.inputs[1]].quant.scale.size(), 1u);
    }
  }
}

// Real photographs (Debian's python3-skimage) as calibration images: the
// first two files calibrate, the third is the held-out validation image.
TEST_F(QuantizeCliTest, CalibratesOnAFolderOfPhotographs) {
  const fs::path skimage = "/usr/lib/python3/dist-packages/skimage/data";
  if (!fs::exists(skimage / "astronaut.png")) {
    GTEST_SKIP() << "python3-skimage photographs not installed";
  }
  const fs::path photos = dir_ / "photos";
  fs::create_directories(photos);
  for (const char* name : {"astronaut.png", "chelsea.png", "coffee.png"}) {
    fs::copy_file(skimage / name, photos / name);
  }
  // fsrcnn_x3 has a 1-channel input: the photographs enter as luma.
  const std::string out = (dir_ / "photo.tflite").string();
  auto r = testing::RunMai("quantize " + float_path_ + " --out " + out +
                           " --calibration " + photos.string() +
                           " --calibration_samples 2 --input_range 0,1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("calibration: 2 files of"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("coffee.png:"), std::string::npos) << r.out;
  EXPECT_TRUE(tflite::ReadModelFile(out).ok());

  // Every file used: the validation is the last one, said so.
  r = testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --calibration " + photos.string() +
                      " --calibration_samples 8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("calibration: 3 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("coffee.png (a calibration file too)"),
            std::string::npos)
      << r.out;

  // An explicit validation image and the per-layer report.
  r = testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --calibration " + photos.string() +
                      " --calibration_samples 1 --validation " +
                      (photos / "chelsea.png").string() + " --layer_report");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("int8 vs float on " + (photos / "chelsea.png").string() + ":"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("per layer"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CONV_2D"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DEPTH_TO_SPACE"), std::string::npos) << r.out;

  testing::ExpectOneLineError(
      testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --validation " + (dir_ / "none.png").string()),
      "none.png");
  testing::ExpectOneLineError(
      testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --calibration " + (dir_ / "nowhere").string()),
      "nowhere");
  testing::ExpectOneLineError(
      testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --calibration " + photos.string() +
                      " --input_range 1,0"),
      "input range");
  testing::ExpectOneLineError(
      testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --int8_io --keep_float_io"),
      "exclude");
}

TEST_F(QuantizeCliTest, BadInputIsOneLine) {
  const std::string out = (dir_ / "x.tflite").string();
  testing::ExpectOneLineError(
      testing::RunMai("quantize " + float_path_ + " --out " + out +
                      " --calibration_method best"),
      "minmax");
  testing::ExpectOneLineError(
      testing::RunMai("quantize " + (dir_ / "missing.tflite").string() +
                      " --out " + out),
      "missing.tflite");
}

}  // namespace
}  // namespace mai

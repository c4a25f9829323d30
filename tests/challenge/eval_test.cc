// `mai eval` (challenge/eval.h) on the validation sets that
// scripts/make_validation_data.py makes from real photographs:
//  - an identity model on the denoising track gives exactly the PSNR/SSIM
//    scikit-image computes between the noisy and clean files, whole and in
//    blended tiles;
//  - a nearest-neighbour x3 model on the SR track gives scikit-image's
//    figures for np.repeat upscaling with the track's border crop;
//  - a constant-depth model gives the si-RMSE of the ground truth computed
//    with NumPy;
//  - every built-in track runs with its matching zoo model and scores (the
//    runtime-only demo track is refused: it has nothing to evaluate);
//  - misfit models and broken data sets fail with the file and field named.
#include "challenge/eval.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "challenge/builtin_tracks.h"
#include "challenge/score.h"
#include "core/npy.h"
#include "image/image.h"
#include "quant/quantize_model.h"
#include "tflite/model_builder.h"
#include "zoo/zoo.h"

namespace mai::challenge {
namespace {

namespace fs = std::filesystem;
using ir::OpCode;

class EvalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(fs::temp_directory_path() /
                         ("mai_eval_test_" + std::to_string(getpid())));
    fs::remove_all(*data_);
    const std::string cmd = "/usr/bin/python3 " + std::string(MAI_SOURCE_DIR) +
                            "/scripts/make_validation_data.py " +
                            data_->string() + " >/dev/null";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*data_);
    delete data_;
  }
  void SetUp() override {
    ASSERT_TRUE(ok_) << "scripts/make_validation_data.py failed (needs "
                        "/usr/bin/python3 with python3-skimage)";
  }

  // Writes `bytes` as a model file in the data folder's parent temp dir.
  std::string WriteModel(const std::string& name,
                         const std::vector<uint8_t>& bytes) {
    const std::string path = (*data_ / name).string();
    EXPECT_TRUE(WriteFileBytes(path, bytes).ok());
    return path;
  }

  // Runs a Python snippet (numpy, skimage available) and returns the
  // number it prints.
  static double Python(const std::string& code) {
    const fs::path script = *data_ / "check.py";
    std::ofstream(script) << "import numpy as np\nfrom skimage import io\n"
                          << "D = '" << data_->string() << "'\n"
                          << code;
    FILE* p = popen(("/usr/bin/python3 " + script.string()).c_str(), "r");
    double v = NAN;
    if (p != nullptr) {
      if (std::fscanf(p, "%lf", &v) != 1) v = NAN;
      pclose(p);
    }
    return v;
  }

  static fs::path* data_;
  static bool ok_;
};

fs::path* EvalTest::data_ = nullptr;
bool EvalTest::ok_ = false;

// input [1, h, w, c] + 0.
std::vector<uint8_t> IdentityModel(int h, int w, int c) {
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, h, w, c});
  const int zero = b.AddConstant<float>("zero", {1}, {0.0f});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, h, w, c});
  b.AddOp(OpCode::kAdd, {x, zero}, {y}, ir::BinaryParams{});
  b.MarkOutput(y);
  return *b.Build();
}

// RESIZE_NEAREST_NEIGHBOR by `s` (TFLite's default mode: input index
// floor(out / s), i.e. np.repeat).
std::vector<uint8_t> NearestUpscaleModel(int h, int w, int s) {
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, h, w, 3});
  const int size = b.AddConstant<int32_t>("size", {2}, {h * s, w * s});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, h * s, w * s, 3});
  b.AddOp(OpCode::kResizeNearestNeighbor, {x, size}, {y}, ir::ResizeParams{});
  b.MarkOutput(y);
  return *b.Build();
}

// A 1x1 convolution with zero weights and bias `depth`: a constant map.
std::vector<uint8_t> ConstantDepthModel(int h, int w, float depth) {
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, h, w, 3});
  const int wt = b.AddConstant<float>("w", {1, 1, 1, 3}, {0.0f, 0.0f, 0.0f});
  const int bias = b.AddConstant<float>("b", {1}, {depth});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, h, w, 1});
  b.AddOp(OpCode::kConv2D, {x, wt, bias}, {y}, ir::Conv2DParams{});
  b.MarkOutput(y);
  return *b.Build();
}

const char* kDenoiseCheck = R"(
from skimage.metrics import peak_signal_noise_ratio as psnr
from skimage.metrics import structural_similarity as ssim
v = []
for n in ('astronaut', 'chelsea', 'coffee'):
    a = io.imread(f'{D}/denoise/clean/{n}.png').astype(np.float64) / 255
    b = io.imread(f'{D}/denoise/noisy/{n}.png').astype(np.float64) / 255
    v.append(METRIC)
print(repr(float(np.mean(v))))
)";

std::string DenoiseCheck(const std::string& metric) {
  std::string code = kDenoiseCheck;
  code.replace(code.find("METRIC"), 6, metric);
  return code;
}

TEST_F(EvalTest, IdentityModelGivesScikitImageFiguresWholeAndTiled) {
  auto track = LoadTrack("mai2021-denoising");
  ASSERT_TRUE(track.ok()) << track.status().message();
  const double want_psnr = Python(DenoiseCheck("psnr(a, b, data_range=1)"));
  const double want_ssim = Python(DenoiseCheck(
      "ssim(a, b, data_range=1, channel_axis=-1, gaussian_weights=True, "
      "sigma=1.5, use_sample_covariance=False)"));
  ASSERT_TRUE(std::isfinite(want_psnr) && std::isfinite(want_ssim));
  // Whole images (64 x 96), then 32 x 48 tiles overlapping by 8: an identity
  // model blended across tiles is still the identity.
  for (auto [h, w] : {std::pair{64, 96}, std::pair{32, 48}}) {
    SCOPED_TRACE(h);
    const std::string model =
        WriteModel("identity.tflite", IdentityModel(h, w, 3));
    auto r = EvaluateModel(*track, model, data_->string());
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->samples.size(), 3u);
    EXPECT_EQ(r->samples[0].tiles, h == 64 ? 1 : 9);
    EXPECT_NEAR(r->mean.at("PSNR"), want_psnr, 1e-5);
    EXPECT_NEAR(r->mean.at("SSIM"), want_ssim, 1e-6);
  }
}

// An int8 model (int8 input and output): eval quantizes the input and
// dequantizes the output; the identity stays within a fraction of a step.
TEST_F(EvalTest, Int8IdentityModelIsQuantizedAndDequantized) {
  auto track = LoadTrack("mai2021-denoising");
  ASSERT_TRUE(track.ok());
  quant::QuantizeOptions qo;
  qo.keep_float_io = false;
  qo.calibration.num_seeded_samples = 2;
  auto q = quant::QuantizeModel(IdentityModel(64, 96, 3), qo);
  ASSERT_TRUE(q.ok()) << q.status().message();
  const std::string model = WriteModel("identity8.tflite", *q);
  auto r = EvaluateModel(*track, model, data_->string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->model.int8_only);
  EXPECT_EQ(r->model.input_dtype, "int8");
  const double want_psnr = Python(DenoiseCheck("psnr(a, b, data_range=1)"));
  // Seeded calibration spans [-1, 1): a step of 2/255, so the identity
  // rounds each sample by at most 1/255.
  EXPECT_NEAR(r->mean.at("PSNR"), want_psnr, 0.5);
}

TEST_F(EvalTest, NearestUpscaleOnSrTrackWithBorderCrop) {
  auto track = LoadTrack("mai2021-quantized-sr-x3");
  ASSERT_TRUE(track.ok());
  const double want = Python(R"(
from skimage.metrics import peak_signal_noise_ratio as psnr
v = []
for n in ('astronaut', 'chelsea', 'coffee'):
    hr = io.imread(f'{D}/sr_x3/hr/{n}.png').astype(np.float64) / 255
    lr = io.imread(f'{D}/sr_x3/lr/{n}.png').astype(np.float64) / 255
    up = np.repeat(np.repeat(lr, 3, axis=0), 3, axis=1)
    v.append(psnr(hr[3:-3, 3:-3], up[3:-3, 3:-3], data_range=1))
print(repr(float(np.mean(v))))
)");
  const std::string model =
      WriteModel("nearest.tflite", NearestUpscaleModel(32, 48, 3));
  auto r = EvaluateModel(*track, model, data_->string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->mean.at("PSNR"), want, 1e-5);
  EXPECT_FALSE(r->model.int8_only);
}

// The built-in track `id` with `edit` applied to its JSON.
Result<Track> EditedTrack(const std::string& id,
                          const std::function<void(nlohmann::json&)>& edit) {
  for (const BuiltinTrackSource& src : BuiltinTrackSources()) {
    nlohmann::json j = nlohmann::json::parse(src.json);
    if (j["id"] != id) continue;
    edit(j);
    return ParseTrack(j.dump(), "edited.json");
  }
  return NotFound("no track {}", id);
}

// Tensors instead of images: the same pairs as float32 .npy files (values
// in [0, 1]) give the same figures.
TEST_F(EvalTest, NpyPairsGiveTheSameFigures) {
  auto track = LoadTrack("mai2021-denoising");
  ASSERT_TRUE(track.ok());
  const fs::path npy = *data_ / "npy";
  for (const char* sub : {"denoise/noisy", "denoise/clean"}) {
    fs::create_directories(npy / sub);
    for (const char* name : {"astronaut", "chelsea", "coffee"}) {
      auto img = image::ReadImage(
          (*data_ / sub / (std::string(name) + ".png")).string());
      ASSERT_TRUE(img.ok());
      const std::vector<float> v = image::ToFloat(*img, 0.0f, 1.0f);
      const std::vector<uint8_t> raw(
          reinterpret_cast<const uint8_t*>(v.data()),
          reinterpret_cast<const uint8_t*>(v.data()) + v.size() * 4);
      ASSERT_TRUE(
          WriteFileBytes(
              (npy / sub / (std::string(name) + ".npy")).string(),
              SerializeNpy(DType::kFloat32,
                           {img->height, img->width, img->channels}, raw))
              .ok());
    }
  }
  const std::string model =
      WriteModel("identity_npy.tflite", IdentityModel(64, 96, 3));
  auto from_png = EvaluateModel(*track, model, data_->string());
  auto from_npy = EvaluateModel(*track, model, npy.string());
  ASSERT_TRUE(from_png.ok() && from_npy.ok()) << from_npy.status().message();
  EXPECT_EQ(from_npy->samples[0].name, "astronaut.npy");
  EXPECT_NEAR(from_npy->mean.at("PSNR"), from_png->mean.at("PSNR"), 1e-9);
  EXPECT_NEAR(from_npy->mean.at("SSIM"), from_png->mean.at("SSIM"), 1e-9);
}

// postprocess.unpack: a model that writes nine copies of each pixel into
// 27 channels is, unpacked by 3, the nearest x3 upscale.
TEST_F(EvalTest, UnpackedOutputEqualsTheUpscale) {
  auto packed = EditedTrack("mai2021-quantized-sr-x3", [](nlohmann::json& j) {
    j["postprocess"] = {{"unpack", 3}};
    j["model"]["output"]["shape"] = {1, -1, -1, 27};  // the raw tensor
  });
  ASSERT_TRUE(packed.ok()) << packed.status().message();
  tflite::ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {1, 32, 48, 3});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{1, 32, 48, 27});
  b.AddOp(OpCode::kConcatenation, std::vector<int>(9, x), {y},
          ir::ConcatenationParams{3, ir::Activation::kNone});
  b.MarkOutput(y);
  const std::string model = WriteModel("packed.tflite", *b.Build());
  auto r = EvaluateModel(*packed, model, data_->string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto plain = LoadTrack("mai2021-quantized-sr-x3");
  const std::string nearest =
      WriteModel("nearest2.tflite", NearestUpscaleModel(32, 48, 3));
  auto want = EvaluateModel(*plain, nearest, data_->string());
  ASSERT_TRUE(want.ok()) << want.status().message();
  EXPECT_NEAR(r->mean.at("PSNR"), want->mean.at("PSNR"), 1e-9);
  EXPECT_NEAR(r->mean.at("SSIM"), want->mean.at("SSIM"), 1e-9);
}

// preprocess.crop: the centre 32 x 48 of each 64 x 96 pair.
TEST_F(EvalTest, CropTakesTheCentreOfInputAndTarget) {
  auto cropped = EditedTrack("mai2021-denoising", [](nlohmann::json& j) {
    j["preprocess"] = {{"crop", {32, 48}}};
  });
  ASSERT_TRUE(cropped.ok()) << cropped.status().message();
  const double want = Python(
      DenoiseCheck("psnr(a[16:48, 24:72], b[16:48, 24:72], data_range=1)"));
  const std::string model =
      WriteModel("identity_crop.tflite", IdentityModel(32, 48, 3));
  auto r = EvaluateModel(*cropped, model, data_->string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->samples[0].tiles, 1);
  EXPECT_NEAR(r->mean.at("PSNR"), want, 1e-5);
}

TEST_F(EvalTest, ConstantDepthGivesTheTargetsLogSpread) {
  auto track = LoadTrack("mai2022-depth");
  ASSERT_TRUE(track.ok());
  // si-RMSE of a constant prediction is the standard deviation of
  // log(target) over valid pixels (mean over the two maps).
  const double want = Python(R"(
v = []
for k in (0, 1):
    d = io.imread(f'{D}/depth/depth/motorcycle{k}.png').astype(np.float64)
    t = d[d > 0] * 0.001
    v.append(np.std(np.log(2.5) - np.log(t)))
print(repr(float(np.mean(v))))
)");
  const std::string model =
      WriteModel("depth.tflite", ConstantDepthModel(64, 96, 2.5f));
  auto r = EvaluateModel(*track, model, data_->string());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->mean.at("si_RMSE"), want, 1e-5);
}

struct ZooMatch {
  std::string track;
  std::string model;
  int height, width;
};

// Every built-in track with the zoo model of its task at the validation
// set's size: runs, gives finite figures, and scores (runtime from a
// minimal bench report; the power track's power_W given as a figure).
TEST_F(EvalTest, EveryBuiltinTrackRunsWithItsZooModelAndScores) {
  const std::vector<ZooMatch> matches = {
      {"mai2021-denoising", "unet_denoise", 64, 96},
      {"mai2021-isp", "microisp", 32, 48},
      {"mai2021-quantized-sr-x3", "xlsr_x3", 32, 48},
      {"mai2021-scene-detection", "mobilenet_v2", 64, 64},
      {"mai2022-bokeh", "bokeh_unet", 64, 96},
      {"mai2022-depth", "fastdepth", 64, 96},
      {"mai2022-video-sr-x4-power", "video_sr_x4", 24, 40}};
  size_t fidelity_tracks = 0;  // runtime-only tracks have nothing to eval
  for (const Track& t : BuiltinTracks()) fidelity_tracks += !IsRuntimeOnly(t);
  ASSERT_EQ(matches.size(), fidelity_tracks);
  for (const ZooMatch& m : matches) {
    SCOPED_TRACE(m.track);
    auto track = LoadTrack(m.track);
    ASSERT_TRUE(track.ok()) << track.status().message();
    zoo::ZooOptions zo;
    zo.height = m.height;
    zo.width = m.width;
    auto bytes = zoo::BuildZooModel(m.model, zo);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const std::string path = WriteModel(m.model + ".tflite", *bytes);
    auto r = EvaluateModel(*track, path, data_->string());
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (const auto& [name, v] : r->mean) {
      EXPECT_TRUE(std::isfinite(v)) << name;
    }
    const nlohmann::json eval = EvalReportJson(*r);
    const nlohmann::json bench = {
        {"schema", "mai.bench.report/1"},
        {"model", {{"sha256", r->model.sha256}}},
        {"runs", {{"median_ms", 12.5}, {"mean_ms", 13.0}, {"p90_ms", 14.0}}}};
    auto record =
        RecordFromReports(*track, eval, "eval.json", bench, "bench.json");
    ASSERT_TRUE(record.ok()) << record.status().message();
    if (track->runtime.power) record->figures["power_W"] = 0.5;
    auto scored = ScoreRecord(*track, *record);
    ASSERT_TRUE(scored.ok()) << scored.status().message();
    EXPECT_TRUE(std::isfinite(scored->score));
    // Float zoo models on int8-only tracks, and validation sizes that are
    // not the official input shapes: scored, but disqualified with why.
    EXPECT_NE(
        scored->disqualified.find(track->constraints.int8_only ? "not int8-only"
                                                               : "input shape"),
        std::string::npos)
        << scored->disqualified;
  }
}

// A runtime-only track has no validation data: refused before the model or
// the data folder is read.
TEST(EvalRuntimeOnlyTest, RuntimeOnlyTrackIsRefused) {
  auto demo = LoadTrack("demo-runtime");
  ASSERT_TRUE(demo.ok()) << demo.status().message();
  auto r = EvaluateModel(*demo, "/nonexistent/model.tflite", "/nonexistent");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "track demo-runtime is runtime-only (no fidelity metrics): there "
            "is nothing to evaluate; score it with `mai score --track "
            "demo-runtime BENCH.json`");
}

TEST_F(EvalTest, MisfitModelsAndBrokenDataNameFileAndField) {
  auto denoise = LoadTrack("mai2021-denoising");
  ASSERT_TRUE(denoise.ok());
  // One channel where the track takes RGB.
  const std::string gray = WriteModel("gray.tflite", IdentityModel(64, 96, 1));
  auto r = EvaluateModel(*denoise, gray, data_->string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("model.input.shape"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("gray.tflite"), std::string::npos);

  // A fixed input bigger than the images.
  const std::string big = WriteModel("big.tflite", IdentityModel(128, 192, 3));
  r = EvaluateModel(*denoise, big, data_->string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("smaller than the model input"),
            std::string::npos)
      << r.status().message();

  // Output not input x scale.
  auto sr = LoadTrack("mai2021-quantized-sr-x3");
  ASSERT_TRUE(sr.ok());
  const std::string same = WriteModel("same.tflite", IdentityModel(32, 48, 3));
  r = EvaluateModel(*sr, same, data_->string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("scale 3"), std::string::npos)
      << r.status().message();

  // A missing target and a target of the wrong size, in a copy of the set.
  const fs::path copy = *data_ / "copy";
  fs::create_directories(copy / "denoise");
  fs::copy(*data_ / "denoise", copy / "denoise",
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove(copy / "denoise/clean/chelsea.png");
  const std::string id = WriteModel("id.tflite", IdentityModel(64, 96, 3));
  r = EvaluateModel(*denoise, id, copy.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no target for chelsea.png"),
            std::string::npos)
      << r.status().message();
  fs::copy_file(*data_ / "sr_x3/hr/chelsea.png",
                copy / "denoise/clean/chelsea.png");  // 96 x 144
  r = EvaluateModel(*denoise, id, copy.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("clean/chelsea.png: target is 96x144"),
            std::string::npos)
      << r.status().message();

  // A track that takes float32 models only, and an int8 model.
  auto float_only = ParseTrack(R"js({"schema": "mai.track/1", "id": "f",
    "title": "T", "task": "denoising", "source": "test",
    "model": {"input": {"shape": [1, -1, -1, 3], "dtype": "float32"},
              "output": {"shape": [1, -1, -1, 3]}},
    "data": {"input_dir": "denoise/noisy", "target_dir": "denoise/clean"},
    "metrics": [{"name": "PSNR", "metric": "psnr"}],
    "score": {"formula": "PSNR"}})js",
                               "float_only.json");
  ASSERT_TRUE(float_only.ok()) << float_only.status().message();
  quant::QuantizeOptions qo;
  qo.keep_float_io = false;
  qo.calibration.num_seeded_samples = 1;
  auto q = quant::QuantizeModel(IdentityModel(64, 96, 3), qo);
  ASSERT_TRUE(q.ok());
  const std::string q_path = WriteModel("id8.tflite", *q);
  r = EvaluateModel(*float_only, q_path, data_->string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("model.input.dtype accepts float32"),
            std::string::npos)
      << r.status().message();

  // No data folder at all.
  r = EvaluateModel(*denoise, id, (*data_ / "nowhere").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("data.input_dir"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace mai::challenge

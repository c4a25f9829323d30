// The zoo models at small sizes: each builds, loads in mai, runs on the
// reference and xnnpack backends (no fallback) with matching outputs, has
// the documented output shape and non-degenerate outputs, and real
// TensorFlow Lite runs the same file and matches mai's reference output.
#include "zoo/zoo.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_reader.h"

namespace mai {
namespace {

using testing::HostTensor;

// The fp32 tolerance of the real-model end-to-end tests against TFLite
// (tests/e2e/real_models_test.cc kRelTolerance).
constexpr double kTfliteRelTolerance = 1e-3;
constexpr double kXnnRelTolerance = 1e-4;

struct Case {
  std::string name;
  int height, width;
  float width_multiplier;
  Shape input, output;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    {"fsrcnn_x3", 48, 64, 0, {1, 48, 64, 1}, {1, 144, 192, 1}},
    {"xlsr_x3", 40, 56, 0, {1, 40, 56, 3}, {1, 120, 168, 3}},
    {"abpn_x3", 40, 56, 0, {1, 40, 56, 3}, {1, 120, 168, 3}},
    {"microisp", 32, 48, 0, {1, 32, 48, 4}, {1, 64, 96, 3}},
    {"fastdepth", 64, 96, 0, {1, 64, 96, 3}, {1, 64, 96, 1}},
    {"unet_denoise", 48, 64, 0, {1, 48, 64, 3}, {1, 48, 64, 3}},
    {"video_sr_x4", 24, 40, 0, {1, 24, 40, 3}, {1, 96, 160, 3}},
    {"bokeh_unet", 64, 96, 0, {1, 64, 96, 3}, {1, 64, 96, 3}},
    {"mobilenet_v2", 64, 64, 0, {1, 64, 64, 3}, {1, 1000}},
    {"mobilenet_v2", 64, 64, 0.35f, {1, 64, 64, 3}, {1, 1000}},
};

Result<std::vector<uint8_t>> Build(const Case& c) {
  zoo::ZooOptions o;
  o.height = c.height;
  o.width = c.width;
  o.width_multiplier = c.width_multiplier;
  o.seed = 7;
  return zoo::BuildZooModel(c.name, o);
}

HostTensor SeededImage(const Shape& shape, uint32_t seed) {
  testing::Rng rng(seed);
  return HostTensor::From<float>(
      shape, rng.Floats(NumElementsUnchecked(shape), 0.0f, 1.0f));
}

SessionOptions Backend(const std::string& backend) {
  SessionOptions o;
  o.backend = backend;
  o.allow_fallback = false;
  return o;
}

class ZooModelTest : public ::testing::TestWithParam<Case> {};

TEST_P(ZooModelTest, RunsAndMatchesXnnpackAndTflite) {
  const Case& c = GetParam();
  auto model = Build(c);
  ASSERT_TRUE(model.ok()) << model.status().message();

  auto ir_model = tflite::ReadModelBytes(*model);
  ASSERT_TRUE(ir_model.ok()) << ir_model.status().message();
  const ir::Graph& g = ir_model->main_graph();
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, c.input);
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, c.output);

  const HostTensor input = SeededImage(c.input, 11);
  auto ref = testing::RunMai(*model, {input}, Backend("ref"));
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_EQ(ref->size(), 1u);
  EXPECT_EQ(ref->at(0).shape, c.output);
  const std::vector<float> expected = ref->at(0).values<float>();
  ASSERT_EQ(static_cast<int64_t>(expected.size()),
            NumElementsUnchecked(c.output));

  // Not degenerate: finite, spread out, and (for clipped outputs) mostly
  // inside the clip range rather than stuck at a bound.
  double sum = 0, sum2 = 0, max_abs = 0;
  int64_t at_bound = 0;
  for (float v : expected) {
    ASSERT_TRUE(std::isfinite(v));
    sum += v;
    sum2 += double{v} * v;
    max_abs = std::max(max_abs, std::fabs(double{v}));
    if (v == 0.0f || v == 1.0f) ++at_bound;
  }
  const double n = static_cast<double>(expected.size());
  const double mean = sum / n;
  const double stddev = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
  std::printf("stats %s: mean %.4g std %.4g max_abs %.4g at_0_or_1 %.3f\n",
              c.name.c_str(), mean, stddev, max_abs, at_bound / n);
  if (c.name == "mobilenet_v2") {
    EXPECT_NEAR(sum, 1.0, 1e-4);  // softmax
    EXPECT_GT(stddev, 1e-6);
  } else {
    EXPECT_GT(stddev, 1e-2);
    EXPECT_LT(max_abs, 1e3);
    // A zero-centred random head clips about half of xlsr's pixels at 0.
    EXPECT_LT(at_bound / n, 0.6);
  }

  auto xnn = testing::RunMai(*model, {input}, Backend("xnnpack"));
  ASSERT_TRUE(xnn.ok()) << xnn.status().message();
  EXPECT_EQ(xnn->at(0).shape, c.output);
  EXPECT_TRUE(testing::NearRelative(xnn->at(0).values<float>(), expected,
                                    kXnnRelTolerance));

  auto theirs = testing::RunTflite(*model, {input});
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ(theirs->at(0).shape, c.output);
  EXPECT_TRUE(testing::NearRelative(theirs->at(0).values<float>(), expected,
                                    kTfliteRelTolerance));
}

INSTANTIATE_TEST_SUITE_P(Models, ZooModelTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name +
                                  (info.param.width_multiplier > 0 ? "_035"
                                                                   : "");
                         });

TEST(ZooTest, ListCoversEveryModelWithItsDefaultShapes) {
  std::vector<zoo::ZooModelInfo> models = zoo::ListZooModels();
  ASSERT_EQ(models.size(), 9u);
  for (const zoo::ZooModelInfo& info : models) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.track.empty());
    EXPECT_FALSE(info.description.empty());
    auto bytes = zoo::BuildZooModel(info.name, {});
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    auto m = tflite::ReadModelBytes(*bytes);
    ASSERT_TRUE(m.ok()) << m.status().message();
    const ir::Graph& g = m->main_graph();
    EXPECT_EQ(g.tensors[g.inputs[0]].shape, info.input_shape);
    EXPECT_EQ(g.tensors[g.outputs[0]].shape, info.output_shape);
  }
}

TEST(ZooTest, TrackDefaultShapes) {
  std::vector<zoo::ZooModelInfo> models = zoo::ListZooModels();
  auto find = [&](const std::string& name) {
    for (const auto& m : models)
      if (m.name == name) return m;
    return zoo::ZooModelInfo{};
  };
  EXPECT_EQ(find("fsrcnn_x3").input_shape, (Shape{1, 360, 640, 1}));
  EXPECT_EQ(find("fsrcnn_x3").output_shape, (Shape{1, 1080, 1920, 1}));
  EXPECT_EQ(find("video_sr_x4").input_shape, (Shape{1, 180, 320, 3}));
  EXPECT_EQ(find("video_sr_x4").output_shape, (Shape{1, 720, 1280, 3}));
  EXPECT_EQ(find("fastdepth").output_shape, (Shape{1, 480, 640, 1}));
  EXPECT_EQ(find("microisp").input_shape.back(), 4);
  EXPECT_EQ(find("mobilenet_v2").output_shape, (Shape{1, 1000}));
}

TEST(ZooTest, WeightsAreDeterministicFromTheSeed) {
  zoo::ZooOptions o;
  o.height = 16;
  o.width = 16;
  auto a = zoo::BuildZooModel("fsrcnn_x3", o);
  auto b = zoo::BuildZooModel("fsrcnn_x3", o);
  o.seed = 2;
  auto c = zoo::BuildZooModel("fsrcnn_x3", o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(a->size(), c->size());
}

TEST(ZooTest, MobileNetWidthMultiplierShrinksTheModel) {
  zoo::ZooOptions full, slim;
  slim.width_multiplier = 0.35f;
  auto a = zoo::BuildZooModel("mobilenet_v2", full);
  auto b = zoo::BuildZooModel("mobilenet_v2", slim);
  ASSERT_TRUE(a.ok() && b.ok());
  // 1.0: 3.5 M parameters (14 MB); 0.35: 1.7 M (the FC layer stays 1280).
  EXPECT_GT(a->size(), 13'000'000u);
  EXPECT_LT(b->size(), 8'000'000u);
  slim.width_multiplier = 2.0f;
  EXPECT_EQ(zoo::BuildZooModel("mobilenet_v2", slim).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ZooTest, BadNamesAndSizesAreErrors) {
  auto r = zoo::BuildZooModel("resnet", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("fsrcnn_x3"), std::string::npos);
  zoo::ZooOptions o;
  o.height = 100;  // not a multiple of 32
  o.width = 64;
  EXPECT_EQ(zoo::BuildZooModel("fastdepth", o).status().code(),
            StatusCode::kInvalidArgument);
  o.height = -3;
  EXPECT_EQ(zoo::BuildZooModel("fsrcnn_x3", o).status().code(),
            StatusCode::kInvalidArgument);
  o.height = 10000;
  EXPECT_EQ(zoo::BuildZooModel("video_sr_x4", o).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mai

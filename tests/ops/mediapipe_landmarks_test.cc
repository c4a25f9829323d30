// MediaPipe geometry custom ops: Landmarks2TransformMatrix,
// TransformTensorBilinear (and its v1 name TransformTensor),
// TransformLandmarks. TFLite itself cannot run these ops, so expectations are
// derived by hand (geometry of crops, identity/translation/scale/rotation
// warps) or computed in double precision in this file.
//
// Most tests run one op through the reference registry on a one-node
// ir::Graph (custom shape function → kernel Prepare → Invoke); the
// MediaPipeGeometryModel tests run the three ops chained in a .tflite model
// through a Session.
#ifndef FLATBUFFERS_LOCALE_INDEPENDENT
#define FLATBUFFERS_LOCALE_INDEPENDENT 0
#endif
#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "backends/kernel.h"
#include "backends/ref/ref_registry.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using backends::KernelContext;
using backends::TensorView;

// ---------------------------------------------------------------------------
// Options as FlexBuffers maps.

using FlexValue = std::variant<int64_t, double, std::string,
                               std::vector<int64_t>, std::vector<double>>;
using FlexMap = std::vector<std::pair<std::string, FlexValue>>;

std::vector<uint8_t> ToFlex(const FlexMap& map) {
  flexbuffers::Builder b;
  size_t start = b.StartMap();
  for (const auto& [key, value] : map) {
    const char* k = key.c_str();
    if (auto* i = std::get_if<int64_t>(&value)) {
      b.Int(k, *i);
    } else if (auto* d = std::get_if<double>(&value)) {
      b.Float(k, static_cast<float>(*d));
    } else if (auto* s = std::get_if<std::string>(&value)) {
      b.String(k, *s);
    } else if (auto* iv = std::get_if<std::vector<int64_t>>(&value)) {
      b.TypedVector(k, [&] {
        for (int64_t x : *iv) b.Int(x);
      });
    } else if (auto* fv = std::get_if<std::vector<double>>(&value)) {
      b.TypedVector(k, [&] {
        for (double x : *fv) b.Float(static_cast<float>(x));
      });
    }
  }
  b.EndMap(start);
  b.Finish();
  return b.GetBuffer();
}

FlexMap Without(FlexMap map, const std::string& key) {
  std::erase_if(map, [&](const auto& kv) { return kv.first == key; });
  return map;
}

FlexMap With(FlexMap map, const std::string& key, FlexValue value) {
  map = Without(std::move(map), key);
  map.emplace_back(key, std::move(value));
  return map;
}

// ---------------------------------------------------------------------------
// One-node harness.

struct Input {
  Shape shape;
  std::vector<float> values;
  DType dtype = DType::kFloat32;
};

struct OpResult {
  Status status;
  Shape shape;
  std::vector<float> values;
};

OpResult RunOp(const std::string& name, int version,
               const std::vector<uint8_t>& options,
               const std::vector<Input>& inputs) {
  ir::Graph graph;
  ir::Node node;
  node.op = ir::OpCode::kCustom;
  node.custom_name = name;
  node.version = version;
  node.custom_options = options;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ir::Tensor t;
    t.name = "input" + std::to_string(i);
    t.dtype = inputs[i].dtype;
    t.shape = inputs[i].shape;
    graph.tensors.push_back(t);
    graph.inputs.push_back(static_cast<int32_t>(i));
    node.inputs.push_back(static_cast<int32_t>(i));
  }
  ir::Tensor out;
  out.name = "output";
  graph.tensors.push_back(out);
  const int32_t out_index = static_cast<int32_t>(inputs.size());
  node.outputs = {out_index};
  graph.outputs = {out_index};
  graph.nodes.push_back(node);

  OpResult result;
  const backends::KernelRegistry& registry = backends::ref::RefKernelRegistry();
  result.status = ir::InferShapes(graph, [&](const std::string& op) {
    return registry.FindCustomShapeFn(op);
  });
  if (!result.status.ok()) return result;
  result.shape = graph.tensors[out_index].shape;

  std::unique_ptr<backends::OpKernel> kernel = registry.Create(graph.nodes[0]);
  if (kernel == nullptr) {
    result.status = NotFound("no kernel for {}", name);
    return result;
  }
  // Corrupt options in the fuzz test may ask for huge outputs.
  if (NumElementsUnchecked(result.shape) > (int64_t{1} << 24)) {
    result.status = OutOfRange("output {} is too large for this test",
                               ShapeToString(result.shape));
    return result;
  }
  // Inputs keep their float values; other dtypes get zero bytes of the
  // right size (only used to check dtype rejection).
  std::vector<std::vector<uint8_t>> buffers(inputs.size());
  KernelContext ctx;
  ctx.graph = &graph;
  ctx.node = &graph.nodes[0];
  ctx.node_index = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int64_t n = NumElementsUnchecked(inputs[i].shape);
    buffers[i].assign(n * DTypeSize(inputs[i].dtype), 0);
    if (inputs[i].dtype == DType::kFloat32) {
      EXPECT_EQ(static_cast<int64_t>(inputs[i].values.size()), n);
      std::memcpy(buffers[i].data(), inputs[i].values.data(),
                  std::min<size_t>(buffers[i].size(),
                                   inputs[i].values.size() * sizeof(float)));
    }
    ctx.inputs.push_back(
        TensorView{&graph.tensors[i], buffers[i].data(), buffers[i].size()});
  }
  // Unwritten outputs show up as NaN.
  result.values.assign(NumElementsUnchecked(result.shape),
                       std::numeric_limits<float>::quiet_NaN());
  ctx.outputs.push_back(TensorView{&graph.tensors[out_index],
                                   result.values.data(),
                                   result.values.size() * sizeof(float)});
  result.status = kernel->Prepare(ctx);
  if (!result.status.ok()) return result;
  result.status = kernel->Invoke(ctx);
  return result;
}

::testing::AssertionResult Near(const std::vector<float>& actual,
                                const std::vector<double>& expected,
                                double tol = 1e-5) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " != " << expected.size();
  }
  double scale = 1.0;
  for (double e : expected) scale = std::max(scale, std::fabs(e));
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!(std::fabs(actual[i] - expected[i]) <= tol * scale)) {
      return ::testing::AssertionFailure()
             << "element " << i << ": " << actual[i] << " vs " << expected[i]
             << " (tolerance " << tol * scale << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// Row-major 4x4 matrix of the 2D affine map (x, y) → A (x, y) + t that
// keeps z.
std::vector<double> Affine(double a00, double a01, double t0, double a10,
                           double a11, double t1) {
  return {a00, a01, 0, t0, a10, a11, 0, t1, 0, 0, 1, 0, 0, 0, 0, 1};
}
std::vector<float> AffineF(double a00, double a01, double t0, double a10,
                           double a11, double t1) {
  std::vector<double> d = Affine(a00, a01, t0, a10, a11, t1);
  return std::vector<float>(d.begin(), d.end());
}

std::vector<float> Random(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Landmarks (x, y) with a random z, flattened as triplets.
std::vector<float> Triplets(const std::vector<std::pair<float, float>>& xy,
                            std::mt19937& rng) {
  std::vector<float> out;
  std::uniform_real_distribution<float> z(-5.0f, 5.0f);
  for (auto [x, y] : xy) {
    out.push_back(x);
    out.push_back(y);
    out.push_back(z(rng));
  }
  return out;
}

void ExpectError(const OpResult& r, StatusCode code, const std::string& part) {
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), code) << r.status.message();
  EXPECT_NE(r.status.message().find(part), std::string::npos)
      << "message '" << r.status.message() << "' lacks '" << part << "'";
}

// ===========================================================================
// Landmarks2TransformMatrix v2

constexpr char kL2tm[] = "Landmarks2TransformMatrix";

FlexMap L2tmV2Options(std::vector<int64_t> subset, int left, int right,
                      int height, int width, double scale_x = 1.0,
                      double scale_y = 1.0, double target = 0.0) {
  return {{"subset_idxs", std::move(subset)},
          {"left_rotation_idx", int64_t{left}},
          {"right_rotation_idx", int64_t{right}},
          {"target_rotation_radians", target},
          {"output_height", int64_t{height}},
          {"output_width", int64_t{width}},
          {"scale_x", scale_x},
          {"scale_y", scale_y}};
}

// Landmarks 0/1 are horizontal rotation landmarks; 2..5 bound x ∈ [1, 9],
// y ∈ [2, 10].
std::vector<std::pair<float, float>> AxisAlignedLandmarks() {
  return {{2, 3}, {8, 3}, {1, 2}, {9, 5}, {4, 10}, {6, 7}};
}

TEST(Landmarks2TransformMatrixV2, AxisAlignedCropMapsCornersToBoundingBox) {
  std::mt19937 rng(11);
  Input lm{{1, 6, 3}, Triplets(AxisAlignedLandmarks(), rng)};
  // Crop corners (0,0)..(W,H) = (4,8) map onto (1,2)..(9,10).
  OpResult r =
      RunOp(kL2tm, 2, ToFlex(L2tmV2Options({2, 3, 4, 5}, 0, 1, 8, 4)), {lm});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 4, 4}));
  EXPECT_TRUE(Near(r.values, Affine(8.0 / 4, 0, 1, 0, 8.0 / 8, 2)));
}

TEST(Landmarks2TransformMatrixV2, ScaleGrowsCropAroundItsCentre) {
  std::mt19937 rng(12);
  Input lm{{1, 6, 3}, Triplets(AxisAlignedLandmarks(), rng)};
  // Centre (5, 6); box 8x8 scaled by 1.5 and 2 → 12 wide, 16 high.
  OpResult r =
      RunOp(kL2tm, 2, ToFlex(L2tmV2Options({2, 3, 4, 5}, 0, 1, 8, 4, 1.5, 2.0)),
            {lm});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Affine(12.0 / 4, 0, 5 - 6, 0, 16.0 / 8, 6 - 8)));
}

// A square rotated by 45°: (1,5) left, (5,1) top, (9,5) right, (5,9) bottom.
std::vector<std::pair<float, float>> DiamondLandmarks() {
  return {{1, 5}, {5, 1}, {9, 5}, {5, 9}, {5, 5}};
}

TEST(Landmarks2TransformMatrixV2, RotatedCropFollowsRotationLandmarks) {
  std::mt19937 rng(13);
  Input lm{{1, 5, 3}, Triplets(DiamondLandmarks(), rng)};
  // Rotation landmarks (1,5) → (5,1): the crop's x axis runs along that
  // edge, so crop corners (0,0), (W,0), (0,H) land on (1,5), (5,1), (5,9).
  const int w = 16, h = 12;
  OpResult r =
      RunOp(kL2tm, 2, ToFlex(L2tmV2Options({0, 1, 2, 3, 4}, 0, 1, h, w)), {lm});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(
      Near(r.values, Affine(4.0 / w, 4.0 / h, 1, -4.0 / w, 4.0 / h, 5)));
}

TEST(Landmarks2TransformMatrixV2, TargetRotationDefaultsToZero) {
  std::mt19937 rng(14);
  Input lm{{1, 5, 3}, Triplets(DiamondLandmarks(), rng)};
  FlexMap opts = L2tmV2Options({0, 1, 2, 3}, 0, 2, 10, 10);
  OpResult with = RunOp(kL2tm, 2, ToFlex(opts), {lm});
  OpResult without =
      RunOp(kL2tm, 2, ToFlex(Without(opts, "target_rotation_radians")), {lm});
  ASSERT_TRUE(with.status.ok()) << with.status.message();
  ASSERT_TRUE(without.status.ok()) << without.status.message();
  EXPECT_EQ(with.values, without.values);
  // Horizontal rotation landmarks, target 0: an axis-aligned 8x8 box at (1,1).
  EXPECT_TRUE(Near(with.values, Affine(0.8, 0, 1, 0, 0.8, 1)));
}

// For random landmarks and targets the matrix must (a) have orthogonal
// columns (rotation times axis scale), (b) turn the crop's x axis into the
// direction at angle (left→right angle − target), (c) map the subset's
// bounding box, after scaling by scale_x/scale_y about its centre, onto the
// whole crop [0, W] x [0, H]. Together these pin the matrix down.
TEST(Landmarks2TransformMatrixV2, RandomCropsSatisfyGeometry) {
  std::mt19937 rng(15);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 12;
    std::vector<float> lm = Random(rng, n * 3, 0.0f, 256.0f);
    std::uniform_int_distribution<int> size(8, 64);
    const int w = size(rng), h = size(rng);
    std::uniform_real_distribution<double> angle(-3.0, 3.0), scale(1.0, 2.0);
    const double target = angle(rng), sx = scale(rng), sy = scale(rng);
    const std::vector<int64_t> subset = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    OpResult r = RunOp(
        kL2tm, 2, ToFlex(L2tmV2Options(subset, 0, 1, h, w, sx, sy, target)),
        {Input{{1, n, 3}, lm}});
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    const std::vector<float>& m = r.values;
    EXPECT_EQ(std::vector<float>(m.begin() + 8, m.end()),
              (std::vector<float>{0, 0, 1, 0, 0, 0, 0, 1}));
    EXPECT_EQ(m[2], 0.0f);
    EXPECT_EQ(m[6], 0.0f);
    const double a00 = m[0], a01 = m[1], t0 = m[3], a10 = m[4], a11 = m[5],
                 t1 = m[7];
    const double n0 = std::hypot(a00, a10), n1 = std::hypot(a01, a11);
    EXPECT_NEAR((a00 * a01 + a10 * a11) / (n0 * n1), 0.0, 1e-5);
    // (b) angle of column 0.
    const double theta = std::atan2(lm[4] - lm[1], lm[3] - lm[0]);
    const double diff = std::remainder(std::atan2(a10, a00) - (theta - target),
                                       2 * std::numbers::pi);
    EXPECT_NEAR(diff, 0.0, 1e-5) << "trial " << trial;
    // (c) inverse-map the subset into crop coordinates.
    const double det = a00 * a11 - a01 * a10;
    double u_min = 1e30, u_max = -1e30, v_min = 1e30, v_max = -1e30;
    for (int64_t i : subset) {
      const double dx = lm[i * 3] - t0, dy = lm[i * 3 + 1] - t1;
      const double u = (a11 * dx - a01 * dy) / det;
      const double v = (-a10 * dx + a00 * dy) / det;
      u_min = std::min(u_min, u);
      u_max = std::max(u_max, u);
      v_min = std::min(v_min, v);
      v_max = std::max(v_max, v);
    }
    const double tol = 2e-3;
    EXPECT_NEAR(u_min, w / 2.0 * (1 - 1 / sx), tol) << "trial " << trial;
    EXPECT_NEAR(u_max, w / 2.0 * (1 + 1 / sx), tol) << "trial " << trial;
    EXPECT_NEAR(v_min, h / 2.0 * (1 - 1 / sy), tol) << "trial " << trial;
    EXPECT_NEAR(v_max, h / 2.0 * (1 + 1 / sy), tol) << "trial " << trial;
  }
}

class Landmarks2TransformMatrixV2Invalid : public ::testing::Test {
 protected:
  OpResult Run(const FlexMap& opts, Shape shape = {1, 6, 3}, int version = 2) {
    return Run(ToFlex(opts), std::move(shape), version);
  }
  OpResult Run(const std::vector<uint8_t>& bytes, Shape shape = {1, 6, 3},
               int version = 2) {
    std::mt19937 rng(16);
    std::vector<float> values =
        Random(rng, NumElementsUnchecked(shape), 0.0f, 10.0f);
    return RunOp(kL2tm, version, bytes, {Input{shape, values}});
  }
  FlexMap good_ = L2tmV2Options({2, 3, 4, 5}, 0, 1, 8, 4);
};

TEST_F(Landmarks2TransformMatrixV2Invalid, GoodOptionsRun) {
  OpResult r = Run(good_);
  EXPECT_TRUE(r.status.ok()) << r.status.message();
}

TEST_F(Landmarks2TransformMatrixV2Invalid, MissingKeys) {
  for (const char* key :
       {"subset_idxs", "left_rotation_idx", "right_rotation_idx",
        "output_height", "output_width", "scale_x", "scale_y"}) {
    SCOPED_TRACE(key);
    ExpectError(Run(Without(good_, key)), StatusCode::kInvalidModel, key);
  }
}

TEST_F(Landmarks2TransformMatrixV2Invalid, WrongTypes) {
  ExpectError(Run(With(good_, "output_height", std::string("8"))),
              StatusCode::kInvalidModel, "output_height");
  ExpectError(Run(With(good_, "output_width", 4.5)), StatusCode::kInvalidModel,
              "output_width");
  ExpectError(Run(With(good_, "subset_idxs", int64_t{2})),
              StatusCode::kInvalidModel, "subset_idxs");
  ExpectError(Run(With(good_, "subset_idxs", std::vector<double>{2.5, 3})),
              StatusCode::kInvalidModel, "subset_idxs");
  ExpectError(Run(With(good_, "scale_x", std::string("one"))),
              StatusCode::kInvalidModel, "scale_x");
  ExpectError(Run(With(good_, "left_rotation_idx", int64_t{1} << 40)),
              StatusCode::kInvalidModel, "overflows");
}

TEST_F(Landmarks2TransformMatrixV2Invalid, IntegralFloatsAreAccepted) {
  OpResult a = Run(good_);
  OpResult b = Run(With(good_, "output_height", 8.0));
  ASSERT_TRUE(b.status.ok()) << b.status.message();
  EXPECT_EQ(a.values, b.values);
}

TEST_F(Landmarks2TransformMatrixV2Invalid, BadValues) {
  ExpectError(Run(With(good_, "subset_idxs", std::vector<int64_t>{})),
              StatusCode::kInvalidModel, "empty");
  ExpectError(Run(With(good_, "subset_idxs", std::vector<int64_t>{2, -1})),
              StatusCode::kInvalidModel, "negative");
  ExpectError(Run(With(good_, "subset_idxs", std::vector<int64_t>{2, 6})),
              StatusCode::kInvalidModel, "out of range");
  ExpectError(Run(With(good_, "left_rotation_idx", int64_t{-1})),
              StatusCode::kInvalidModel, "left_rotation_idx");
  ExpectError(Run(With(good_, "right_rotation_idx", int64_t{6})),
              StatusCode::kInvalidModel, "right_rotation_idx");
  ExpectError(Run(With(good_, "output_width", int64_t{0})),
              StatusCode::kInvalidModel, "output size");
  ExpectError(Run(With(good_, "output_height", int64_t{-3})),
              StatusCode::kInvalidModel, "output size");
  ExpectError(Run(With(good_, "scale_x", 0.0)), StatusCode::kInvalidModel,
              "scale_x");
  ExpectError(Run(With(good_, "scale_y", -1.0)), StatusCode::kInvalidModel,
              "scale_y");
}

TEST_F(Landmarks2TransformMatrixV2Invalid, BadBuffers) {
  ExpectError(Run(std::vector<uint8_t>{}), StatusCode::kInvalidModel,
              "missing");
  ExpectError(Run(std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7}),
              StatusCode::kInvalidModel, "FlexBuffer");
  flexbuffers::Builder b;
  b.TypedVector([&] { b.Int(1); });
  b.Finish();
  ExpectError(Run(b.GetBuffer()), StatusCode::kInvalidModel,
              "not a FlexBuffer map");
}

TEST_F(Landmarks2TransformMatrixV2Invalid, BadInputsAndVersions) {
  ExpectError(Run(good_, {1, 1, 1, 18}), StatusCode::kInvalidModel, "rank 3");
  ExpectError(Run(good_, {1, 6, 3}, 3), StatusCode::kUnimplemented,
              "version 3");
  OpResult r =
      RunOp(kL2tm, 2, ToFlex(good_), {Input{{1, 6, 3}, {}, DType::kInt32}});
  ExpectError(r, StatusCode::kUnimplemented, "int32");
}

// ===========================================================================
// Landmarks2TransformMatrix v1

FlexMap L2tmV1Options(std::vector<int64_t> subset, int left, int right,
                      int range, std::vector<int64_t> input_hw,
                      std::vector<int64_t> output_hw, double multiplier = 1.0) {
  return {{"dimensions", int64_t{3}},
          {"landmarks_range", int64_t{range}},
          {"bbox_size_multiplier", multiplier},
          {"left_rotation_idx", int64_t{left}},
          {"right_rotation_idx", int64_t{right}},
          {"input_hw", std::move(input_hw)},
          {"output_hw", std::move(output_hw)},
          {"subset", std::move(subset)}};
}

TEST(Landmarks2TransformMatrixV1, AxisAlignedCropMapsPixelCentres) {
  std::mt19937 rng(21);
  std::vector<float> lm = Triplets(AxisAlignedLandmarks(), rng);
  // Landmarks in [0, 10] over an 11x11 input: landmark units = pixels.
  // Output 3x5 pixels: centre (0,0) → (1,2), centre (4,2) → (9,10).
  OpResult r = RunOp(
      kL2tm, 1, ToFlex(L2tmV1Options({2, 3, 4, 5}, 0, 1, 10, {11, 11}, {3, 5})),
      {Input{{1, 1, 1, 18}, lm}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 4, 4}));
  EXPECT_TRUE(Near(r.values, Affine(8.0 / 4, 0, 1, 0, 8.0 / 2, 2)));
}

TEST(Landmarks2TransformMatrixV1, RangeInputSizeAndMultiplier) {
  std::mt19937 rng(22);
  std::vector<float> lm = Triplets(AxisAlignedLandmarks(), rng);
  // landmarks_range 100, input 201 high x 51 wide: x pixels = 0.5 * x,
  // y pixels = 2 * y. Box centre (5, 6), size 8x8, times 1.5 → 12x12.
  const int out_h = 7, out_w = 9;
  OpResult r = RunOp(kL2tm, 1,
                     ToFlex(L2tmV1Options({2, 3, 4, 5}, 0, 1, 100, {201, 51},
                                          {out_h, out_w}, 1.5)),
                     {Input{{1, 1, 1, 18}, lm}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Affine(0.5 * 12 / (out_w - 1), 0, 0.5 * (5 - 6), 0,
                                    2.0 * 12 / (out_h - 1), 2.0 * (6 - 6))));
}

TEST(Landmarks2TransformMatrixV1, RotatedCrop) {
  std::mt19937 rng(23);
  std::vector<float> lm = Triplets(DiamondLandmarks(), rng);
  // As in v2, but pixel centres: centre (0,0) → (1,5), (W-1,0) → (5,1),
  // (0,H-1) → (5,9).
  const int out_h = 5, out_w = 9;
  OpResult r = RunOp(
      kL2tm, 1,
      ToFlex(L2tmV1Options({0, 1, 2, 3}, 0, 1, 10, {11, 11}, {out_h, out_w})),
      {Input{{1, 1, 1, 15}, lm}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Affine(4.0 / (out_w - 1), 4.0 / (out_h - 1), 1,
                                    -4.0 / (out_w - 1), 4.0 / (out_h - 1), 5)));
}

TEST(Landmarks2TransformMatrixV1, InvalidOptionsAndInputs) {
  std::mt19937 rng(24);
  Input lm{{1, 1, 1, 18}, Triplets(AxisAlignedLandmarks(), rng)};
  FlexMap good = L2tmV1Options({2, 3, 4, 5}, 0, 1, 10, {11, 11}, {3, 5});
  auto run = [&](const FlexMap& opts, const Input& in) {
    return RunOp(kL2tm, 1, ToFlex(opts), {in});
  };
  ASSERT_TRUE(run(good, lm).status.ok());
  for (const char* key :
       {"dimensions", "landmarks_range", "bbox_size_multiplier",
        "left_rotation_idx", "right_rotation_idx", "input_hw", "output_hw",
        "subset"}) {
    SCOPED_TRACE(key);
    ExpectError(run(Without(good, key), lm), StatusCode::kInvalidModel, key);
  }
  ExpectError(run(With(good, "dimensions", int64_t{2}), lm),
              StatusCode::kInvalidModel, "dimensions");
  ExpectError(run(With(good, "landmarks_range", int64_t{0}), lm),
              StatusCode::kInvalidModel, "landmarks_range");
  ExpectError(run(With(good, "bbox_size_multiplier", 0.0), lm),
              StatusCode::kInvalidModel, "bbox_size_multiplier");
  ExpectError(run(With(good, "input_hw", std::vector<int64_t>{11, 11, 3}), lm),
              StatusCode::kInvalidModel, "input_hw");
  ExpectError(run(With(good, "output_hw", std::vector<int64_t>{1, 5}), lm),
              StatusCode::kInvalidModel, "output_hw");
  ExpectError(run(With(good, "subset", std::vector<int64_t>{0, 9}), lm),
              StatusCode::kInvalidModel, "out of range");
  ExpectError(run(good, Input{{1, 6, 3}, lm.values}), StatusCode::kInvalidModel,
              "[1,1,1,3N]");
}

// ===========================================================================
// TransformTensorBilinear

constexpr char kTtb[] = "TransformTensorBilinear";

FlexMap TtbV2Options(int height, int width) {
  return {{"output_height", int64_t{height}}, {"output_width", int64_t{width}}};
}
FlexMap TtbV1Options(int height, int width) {
  return {{"mode", std::string("bilinear")},
          {"output_size", std::vector<int64_t>{height, width}}};
}

// Input pixel (y, x, c) of an NHWC [1, h, w, c] image.
float Pixel(const std::vector<float>& img, int w, int c, int y, int x, int ch) {
  return img[(static_cast<size_t>(y) * w + x) * c + ch];
}

TEST(TransformTensorBilinearV2, IdentityCopies) {
  std::mt19937 rng(31);
  std::vector<float> img = Random(rng, 5 * 7 * 3, -1, 1);
  OpResult r = RunOp(
      kTtb, 2, ToFlex(TtbV2Options(5, 7)),
      {Input{{1, 5, 7, 3}, img}, Input{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 5, 7, 3}));
  EXPECT_EQ(r.values, img);
}

TEST(TransformTensorBilinearV2, IntegerTranslationShiftsAndZeroFills) {
  std::mt19937 rng(32);
  const int h = 4, w = 6, c = 2;
  std::vector<float> img = Random(rng, h * w * c, -1, 1);
  OpResult r = RunOp(
      kTtb, 2, ToFlex(TtbV2Options(h, w)),
      {Input{{1, h, w, c}, img}, Input{{4, 4}, AffineF(1, 0, 2, 0, 1, 1)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  std::vector<double> expected;
  for (int v = 0; v < h; ++v) {
    for (int u = 0; u < w; ++u) {
      for (int ch = 0; ch < c; ++ch) {
        const bool inside = u + 2 < w && v + 1 < h;
        expected.push_back(inside ? Pixel(img, w, c, v + 1, u + 2, ch) : 0.0);
      }
    }
  }
  EXPECT_TRUE(Near(r.values, expected, 0));
}

TEST(TransformTensorBilinearV2, HalfPixelShiftAveragesNeighbours) {
  std::mt19937 rng(33);
  const int h = 3, w = 5;
  std::vector<float> img = Random(rng, h * w, -1, 1);
  OpResult r = RunOp(kTtb, 2, ToFlex(TtbV2Options(h, w)),
                     {Input{{1, h, w, 1}, img},
                      Input{{1, 4, 4}, AffineF(1, 0, 0.5, 0, 1, 0)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  std::vector<double> expected;
  for (int v = 0; v < h; ++v) {
    for (int u = 0; u < w; ++u) {
      // Sample at x = u + 0.5: outside once u + 0.5 > w - 1.
      expected.push_back(u + 1 < w ? 0.5 * (Pixel(img, w, 1, v, u, 0) +
                                            Pixel(img, w, 1, v, u + 1, 0))
                                   : 0.0);
    }
  }
  EXPECT_TRUE(Near(r.values, expected, 1e-6));
}

TEST(TransformTensorBilinearV2, DownscaleByTwoIsTwoByTwoMean) {
  std::mt19937 rng(34);
  const int h = 6, w = 8, c = 3;
  std::vector<float> img = Random(rng, h * w * c, -1, 1);
  // Crop corners (0..4, 0..3) cover input corners (0..8, 0..6).
  OpResult r = RunOp(
      kTtb, 2, ToFlex(TtbV2Options(h / 2, w / 2)),
      {Input{{1, h, w, c}, img}, Input{{1, 4, 4}, AffineF(2, 0, 0, 0, 2, 0)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 3, 4, 3}));
  std::vector<double> expected;
  for (int v = 0; v < h / 2; ++v) {
    for (int u = 0; u < w / 2; ++u) {
      for (int ch = 0; ch < c; ++ch) {
        double sum = 0;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            sum += Pixel(img, w, c, 2 * v + dy, 2 * u + dx, ch);
          }
        }
        expected.push_back(sum / 4);
      }
    }
  }
  EXPECT_TRUE(Near(r.values, expected, 1e-6));
}

TEST(TransformTensorBilinearV2, QuarterTurnRotatesPixelGrid) {
  std::mt19937 rng(35);
  const int n = 5;
  std::vector<float> img = Random(rng, n * n, -1, 1);
  // In corner coordinates (x, y) = (n - v, u): a quarter turn of the square.
  OpResult r = RunOp(
      kTtb, 2, ToFlex(TtbV2Options(n, n)),
      {Input{{1, n, n, 1}, img}, Input{{1, 4, 4}, AffineF(0, -1, n, 1, 0, 0)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  std::vector<double> expected;
  for (int v = 0; v < n; ++v) {
    for (int u = 0; u < n; ++u)
      expected.push_back(Pixel(img, n, 1, u, n - 1 - v, 0));
  }
  EXPECT_TRUE(Near(r.values, expected, 0));
}

// Bilinear sampling in double with zero padding; (x, y) in pixel-centre
// coordinates, zero outside [0, w-1] x [0, h-1].
double Bilinear(const std::vector<float>& img, int h, int w, int c, int ch,
                double x, double y) {
  if (x < 0 || y < 0 || x > w - 1 || y > h - 1) return 0;
  const int x0 = static_cast<int>(std::floor(x)),
            y0 = static_cast<int>(std::floor(y));
  const double fx = x - x0, fy = y - y0;
  double sum = 0;
  for (int dy = 0; dy < 2; ++dy) {
    for (int dx = 0; dx < 2; ++dx) {
      const int yy = y0 + dy, xx = x0 + dx;
      if (yy >= h || xx >= w) continue;
      sum += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) *
             Pixel(img, w, c, yy, xx, ch);
    }
  }
  return sum;
}

// Random affine maps with entries on a 1/8 grid, so that sample positions are
// exact in float and the inside/outside decision cannot differ.
TEST(TransformTensorBilinear, RandomAffineMatchesDoubleSampler) {
  std::mt19937 rng(36);
  std::uniform_int_distribution<int> eighths(-16, 16), shift(-24, 64),
      size(1, 9), chans(1, 4);
  for (int version : {1, 2}) {
    for (int trial = 0; trial < 30; ++trial) {
      const int h = size(rng), w = size(rng), c = chans(rng);
      const int out_h = size(rng), out_w = size(rng);
      std::vector<float> img = Random(rng, h * w * c, -2, 2);
      const double a00 = eighths(rng) / 8.0, a01 = eighths(rng) / 8.0;
      const double a10 = eighths(rng) / 8.0, a11 = eighths(rng) / 8.0;
      const double t0 = shift(rng) / 8.0, t1 = shift(rng) / 8.0;
      std::vector<float> m = AffineF(a00, a01, t0, a10, a11, t1);
      // Rows 3-4 and the z column do not take part.
      m[2] = 7;
      m[6] = -3;
      m[12] = 9;
      OpResult r = RunOp(kTtb, version,
                         ToFlex(version == 1 ? TtbV1Options(out_h, out_w)
                                             : TtbV2Options(out_h, out_w)),
                         {Input{{1, h, w, c}, img}, Input{{1, 4, 4}, m}});
      ASSERT_TRUE(r.status.ok()) << r.status.message();
      ASSERT_EQ(r.shape, (Shape{1, out_h, out_w, c}));
      std::vector<double> expected;
      for (int v = 0; v < out_h; ++v) {
        for (int u = 0; u < out_w; ++u) {
          double x, y;
          if (version == 1) {  // pixel centres map to pixel centres
            x = a00 * u + a01 * v + t0;
            y = a10 * u + a11 * v + t1;
          } else {  // the centre of output pixel (u, v) is corner (u+.5, v+.5)
            x = a00 * (u + 0.5) + a01 * (v + 0.5) + t0 - 0.5;
            y = a10 * (u + 0.5) + a11 * (v + 0.5) + t1 - 0.5;
          }
          for (int ch = 0; ch < c; ++ch) {
            expected.push_back(Bilinear(img, h, w, c, ch, x, y));
          }
        }
      }
      EXPECT_TRUE(Near(r.values, expected, 1e-5))
          << "version " << version << " trial " << trial;
    }
  }
}

TEST(TransformTensorBilinearV1, PixelCentresWithoutCorrection) {
  std::mt19937 rng(37);
  const int h = 6, w = 8;
  std::vector<float> img = Random(rng, h * w, -1, 1);
  // Scale 2 on pixel centres samples every other pixel exactly.
  for (const char* name : {"TransformTensor", kTtb}) {
    OpResult r = RunOp(name, 1, ToFlex(TtbV1Options(3, 4)),
                       {Input{{1, h, w, 1}, img},
                        Input{{1, 4, 4}, AffineF(2, 0, 0, 0, 2, 0)}});
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    std::vector<double> expected;
    for (int v = 0; v < 3; ++v) {
      for (int u = 0; u < 4; ++u)
        expected.push_back(Pixel(img, w, 1, 2 * v, 2 * u, 0));
    }
    EXPECT_TRUE(Near(r.values, expected, 0)) << name;
  }
  // Without "mode" the default is bilinear.
  OpResult r = RunOp(
      "TransformTensor", 1, ToFlex(Without(TtbV1Options(3, 4), "mode")),
      {Input{{1, h, w, 1}, img}, Input{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
}

TEST(TransformTensorBilinear, NonFiniteMatrixGivesZeros) {
  std::vector<float> img(4 * 4, 1.0f);
  std::vector<float> m = AffineF(1, 0, 0, 0, 1, 0);
  m[3] = std::numeric_limits<float>::quiet_NaN();
  m[5] = std::numeric_limits<float>::infinity();
  OpResult r = RunOp(kTtb, 2, ToFlex(TtbV2Options(4, 4)),
                     {Input{{1, 4, 4, 1}, img}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.values, std::vector<float>(16, 0.0f));
}

TEST(TransformTensorBilinear, InvalidOptionsAndInputs) {
  Input img{{1, 4, 4, 2}, std::vector<float>(32, 1.0f)};
  Input m{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)};
  auto run = [&](int version, const FlexMap& opts, const Input& a,
                 const Input& b) {
    return RunOp(kTtb, version, ToFlex(opts), {a, b});
  };
  ASSERT_TRUE(run(2, TtbV2Options(3, 3), img, m).status.ok());
  ExpectError(run(2, Without(TtbV2Options(3, 3), "output_height"), img, m),
              StatusCode::kInvalidModel, "output_height");
  ExpectError(run(2, Without(TtbV2Options(3, 3), "output_width"), img, m),
              StatusCode::kInvalidModel, "output_width");
  ExpectError(run(2, TtbV2Options(0, 3), img, m), StatusCode::kInvalidModel,
              "output size");
  ExpectError(run(2, With(TtbV2Options(3, 3), "output_width", std::string("3")),
                  img, m),
              StatusCode::kInvalidModel, "output_width");
  ExpectError(
      run(1, With(TtbV1Options(3, 3), "mode", std::string("nearest")), img, m),
      StatusCode::kUnimplemented, "nearest");
  ExpectError(
      run(1, With(TtbV1Options(3, 3), "output_size", std::vector<int64_t>{3}),
          img, m),
      StatusCode::kInvalidModel, "output_size");
  ExpectError(run(1, Without(TtbV1Options(3, 3), "output_size"), img, m),
              StatusCode::kInvalidModel, "output_size");
  ExpectError(
      run(2, TtbV2Options(3, 3), img, Input{{3, 3}, std::vector<float>(9, 0)}),
      StatusCode::kInvalidModel, "4x4");
  ExpectError(run(2, TtbV2Options(3, 3), Input{{4, 4, 2}, img.values}, m),
              StatusCode::kInvalidModel, "[1,H,W,C]");
  ExpectError(run(2, TtbV2Options(3, 3),
                  Input{{2, 4, 4, 1}, std::vector<float>(32, 0)}, m),
              StatusCode::kInvalidModel, "[1,H,W,C]");
  ExpectError(run(3, TtbV2Options(3, 3), img, m), StatusCode::kUnimplemented,
              "version 3");
  ExpectError(RunOp(kTtb, 2, {0xff, 0x00, 0x13}, {img, m}),
              StatusCode::kInvalidModel, "FlexBuffer");
  ExpectError(
      run(2, TtbV2Options(3, 3), Input{{1, 4, 4, 2}, {}, DType::kUInt8}, m),
      StatusCode::kUnimplemented, "uint8");
}

// ===========================================================================
// TransformLandmarks

constexpr char kTl[] = "TransformLandmarks";

// Expected output of landmarks (x, y[, z]) under [a00 a01 . t0; a10 a11 . t1].
std::vector<double> Transformed(const std::vector<float>& lm, int dims,
                                const std::vector<float>& m, double scale = 1) {
  std::vector<double> out;
  for (size_t i = 0; i < lm.size(); i += dims) {
    const double x = lm[i], y = lm[i + 1];
    out.push_back(double{m[0]} * x + double{m[1]} * y + double{m[3]} * scale);
    out.push_back(double{m[4]} * x + double{m[5]} * y + double{m[7]} * scale);
    if (dims == 3) out.push_back(lm[i + 2]);
  }
  return out;
}

// A rotation by 30°, scale 1.5 and translation (7, -3); z-column and bottom
// rows hold values that must be ignored.
std::vector<float> SampleMatrix() {
  const double c = 1.5 * std::cos(std::numbers::pi / 6);
  const double s = 1.5 * std::sin(std::numbers::pi / 6);
  std::vector<float> m = AffineF(c, -s, 7, s, c, -3);
  m[2] = 100;
  m[6] = -100;
  m[8] = 5;
  m[14] = 6;
  return m;
}

TEST(TransformLandmarksV2, Transforms3dLandmarksAndKeepsZ) {
  std::mt19937 rng(41);
  std::vector<float> lm = Random(rng, 10 * 3, -50, 50);
  std::vector<float> m = SampleMatrix();
  OpResult r = RunOp(kTl, 2, {}, {Input{{1, 10, 3}, lm}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 10, 3}));
  EXPECT_TRUE(Near(r.values, Transformed(lm, 3, m)));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(r.values[i * 3 + 2], lm[i * 3 + 2]);
}

TEST(TransformLandmarksV2, Transforms2dLandmarksInEveryBatch) {
  std::mt19937 rng(42);
  std::vector<float> lm = Random(rng, 2 * 7 * 2, -50, 50);
  std::vector<float> m = SampleMatrix();
  OpResult r = RunOp(kTl, 2, {}, {Input{{2, 7, 2}, lm}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Transformed(lm, 2, m)));
}

TEST(TransformLandmarksV2, PureTranslationAndIdentity) {
  std::vector<float> lm = {1, 2, 3, -4, 5, 6};
  OpResult id = RunOp(
      kTl, 2, {},
      {Input{{1, 2, 3}, lm}, Input{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)}});
  ASSERT_TRUE(id.status.ok()) << id.status.message();
  EXPECT_EQ(id.values, lm);
  OpResult shift = RunOp(
      kTl, 2, {},
      {Input{{1, 2, 3}, lm}, Input{{1, 4, 4}, AffineF(1, 0, 10, 0, 1, -1)}});
  ASSERT_TRUE(shift.status.ok()) << shift.status.message();
  EXPECT_EQ(shift.values, (std::vector<float>{11, 1, 3, 6, 4, 6}));
}

TEST(TransformLandmarksV1, ScaleMultipliesTranslation) {
  std::mt19937 rng(43);
  std::vector<float> lm = Random(rng, 6 * 3, -1, 1);
  std::vector<float> m = SampleMatrix();
  FlexMap opts = {{"dimensions", int64_t{3}}, {"scale", 2.5}};
  OpResult r = RunOp(kTl, 1, ToFlex(opts),
                     {Input{{1, 1, 1, 18}, lm}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.shape, (Shape{1, 1, 1, 18}));
  EXPECT_TRUE(Near(r.values, Transformed(lm, 3, m, 2.5)));
}

TEST(TransformLandmarksV1, TwoDimensionalLandmarksOverPixels) {
  std::mt19937 rng(44);
  std::vector<float> lm = Random(rng, 2 * 2 * 4, -1, 1);
  std::vector<float> m = SampleMatrix();
  FlexMap opts = {{"dimensions", int64_t{2}}};
  OpResult r = RunOp(kTl, 1, ToFlex(opts),
                     {Input{{1, 2, 2, 4}, lm}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Transformed(lm, 2, m)));
}

TEST(TransformLandmarksV1, DefaultsAreThreeDimensionsAndUnitScale) {
  std::mt19937 rng(45);
  std::vector<float> lm = Random(rng, 9, -1, 1);
  std::vector<float> m = SampleMatrix();
  OpResult r =
      RunOp(kTl, 1, {}, {Input{{1, 1, 1, 9}, lm}, Input{{1, 4, 4}, m}});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(Near(r.values, Transformed(lm, 3, m)));
}

TEST(TransformLandmarks, InvalidOptionsAndInputs) {
  Input m{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)};
  Input v1_lm{{1, 1, 1, 12}, std::vector<float>(12, 0)};
  auto v1 = [&](const FlexMap& opts, const Input& lm) {
    return RunOp(kTl, 1, ToFlex(opts), {lm, m});
  };
  ExpectError(v1({{"dimensions", int64_t{4}}}, v1_lm),
              StatusCode::kInvalidModel, "dimensions");
  ExpectError(v1({{"scale", 0.0}}, v1_lm), StatusCode::kInvalidModel, "scale");
  ExpectError(v1({{"dimensions", std::string("3")}}, v1_lm),
              StatusCode::kInvalidModel, "dimensions");
  ExpectError(v1({{"dimensions", int64_t{3}}},
                 Input{{1, 1, 1, 8}, std::vector<float>(8, 0)}),
              StatusCode::kInvalidModel, "multiple of 3");
  ExpectError(v1({}, Input{{1, 4, 3}, std::vector<float>(12, 0)}),
              StatusCode::kInvalidModel, "rank 4");
  ExpectError(
      RunOp(kTl, 2, {}, {Input{{1, 3, 4}, std::vector<float>(12, 0)}, m}),
      StatusCode::kInvalidModel, "2 or 3");
  ExpectError(
      RunOp(kTl, 2, {}, {Input{{1, 1, 4, 3}, std::vector<float>(12, 0)}, m}),
      StatusCode::kInvalidModel, "rank 3");
  ExpectError(RunOp(kTl, 2, {},
                    {Input{{1, 4, 3}, std::vector<float>(12, 0)},
                     Input{{1, 9}, std::vector<float>(9, 0)}}),
              StatusCode::kInvalidModel, "4x4");
  ExpectError(
      RunOp(kTl, 0, {}, {Input{{1, 4, 3}, std::vector<float>(12, 0)}, m}),
      StatusCode::kUnimplemented, "version 0");
  ExpectError(RunOp(kTl, 2, {}, {Input{{1, 4, 3}, std::vector<float>(12, 0)}}),
              StatusCode::kInvalidModel, "inputs");
}

// ===========================================================================
// The face-mesh pattern in one .tflite model, run by a Session: landmarks →
// crop matrix → (crop of a feature map, crop landmarks back to the image).
// Checks the reader keeps the ops' versions and options and the matrix flows
// between the ops as an activation.

struct CropModel {
  int landmarks, crop_landmarks, features, matrix, crop, image_landmarks;
};

CropModel AddCropOps(tflite::ModelBuilder& b, const FlexMap& matrix_options,
                     int crop_h, int crop_w, int image_h, int image_w, int c) {
  CropModel m;
  m.landmarks = b.AddInput("landmarks", DType::kFloat32, {1, 6, 3});
  m.features =
      b.AddInput("features", DType::kFloat32, {1, image_h, image_w, c});
  m.crop_landmarks = b.AddInput("crop_landmarks", DType::kFloat32, {1, 3, 3});
  m.matrix = b.AddTensor("matrix", DType::kFloat32, Shape{1, 4, 4});
  m.crop = b.AddTensor("crop", DType::kFloat32, Shape{1, crop_h, crop_w, c});
  m.image_landmarks =
      b.AddTensor("image_landmarks", DType::kFloat32, Shape{1, 3, 3});
  b.AddCustomOp(kL2tm, {m.landmarks}, {m.matrix}, ToFlex(matrix_options));
  b.graph().nodes.back().version = 2;
  b.AddCustomOp(kTtb, {m.features, m.matrix}, {m.crop},
                ToFlex(TtbV2Options(crop_h, crop_w)));
  b.graph().nodes.back().version = 2;
  b.AddCustomOp(kTl, {m.crop_landmarks, m.matrix}, {m.image_landmarks});
  b.graph().nodes.back().version = 2;
  b.MarkOutput(m.matrix);
  b.MarkOutput(m.crop);
  b.MarkOutput(m.image_landmarks);
  return m;
}

TEST(MediaPipeGeometryModel, CropPipelineRunsFromTfliteFile) {
  using testing::HostTensor;
  const int crop_h = 8, crop_w = 4, image_h = 12, image_w = 12, c = 2;
  tflite::ModelBuilder b;
  AddCropOps(b, L2tmV2Options({2, 3, 4, 5}, 0, 1, crop_h, crop_w), crop_h,
             crop_w, image_h, image_w, c);
  Result<std::vector<uint8_t>> model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();

  std::mt19937 rng(61);
  std::vector<float> landmarks = Triplets(AxisAlignedLandmarks(), rng);
  std::vector<float> features = Random(rng, image_h * image_w * c, -1, 1);
  std::vector<float> crop_landmarks = {0, 0, 0.5f, 4, 8, -1, 2, 4, 3};
  auto out = testing::RunMai(
      *model, {HostTensor::From<float>({1, 6, 3}, landmarks),
               HostTensor::From<float>({1, image_h, image_w, c}, features),
               HostTensor::From<float>({1, 3, 3}, crop_landmarks)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 3u);
  // Box x ∈ [1, 9], y ∈ [2, 10] over a 4x8 crop.
  EXPECT_TRUE(Near((*out)[0].values<float>(), Affine(2, 0, 1, 0, 1, 2)));
  // Crop pixel centre (u+.5, v+.5) → image corner (1 + 2(u+.5), 2 + (v+.5))
  // → image pixel centre (2u + 1.5, v + 2).
  EXPECT_EQ((*out)[1].shape, (Shape{1, crop_h, crop_w, c}));
  std::vector<double> crop;
  for (int v = 0; v < crop_h; ++v) {
    for (int u = 0; u < crop_w; ++u) {
      for (int ch = 0; ch < c; ++ch) {
        crop.push_back(
            Bilinear(features, image_h, image_w, c, ch, 2 * u + 1.5, v + 2.0));
      }
    }
  }
  EXPECT_TRUE(Near((*out)[1].values<float>(), crop, 1e-5));
  // Crop corners (0,0), (4,8) and centre (2,4) → (1,2), (9,10), (5,6).
  EXPECT_TRUE(Near((*out)[2].values<float>(), {1, 2, 0.5, 9, 10, -1, 5, 6, 3}));
}

TEST(MediaPipeGeometryModel, BadOptionsFailToLoadWithNodeName) {
  using testing::HostTensor;
  tflite::ModelBuilder b;
  AddCropOps(b, Without(L2tmV2Options({2, 3, 4, 5}, 0, 1, 8, 4), "scale_y"), 8,
             4, 12, 12, 1);
  Result<std::vector<uint8_t>> model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(
      *model,
      {HostTensor::From<float>({1, 6, 3}, std::vector<float>(18, 1)),
       HostTensor::From<float>({1, 12, 12, 1}, std::vector<float>(144, 1)),
       HostTensor::From<float>({1, 3, 3}, std::vector<float>(9, 1))});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Landmarks2TransformMatrix"),
            std::string::npos)
      << out.status().message();
  EXPECT_NE(out.status().message().find("scale_y"), std::string::npos)
      << out.status().message();
}

// ===========================================================================
// Hostile option bytes: random buffers, truncations and bit flips of valid
// options never crash; whatever parses runs to completion.

TEST(MediaPipeGeometryOptions, CorruptBuffersNeverCrash) {
  std::mt19937 rng(51);
  std::mt19937 data_rng(52);
  const std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds = {
      {kL2tm, ToFlex(L2tmV2Options({0, 1, 2, 3}, 0, 1, 8, 8))},
      {kTtb, ToFlex(TtbV2Options(4, 4))},
      {"TransformTensor", ToFlex(TtbV1Options(4, 4))},
      {kTl, ToFlex({{"dimensions", int64_t{3}}, {"scale", 1.0}})},
  };
  std::uniform_int_distribution<int> byte(0, 255);
  int parsed = 0, rejected = 0;
  for (const auto& [name, good] : seeds) {
    const int version = name == "TransformTensor" || name == kTl ? 1 : 2;
    std::vector<Input> inputs;
    if (name == kL2tm) {
      inputs = {Input{{1, 4, 3}, Random(data_rng, 12, 0, 10)}};
    } else if (name == kTl) {
      inputs = {Input{{1, 1, 1, 12}, Random(data_rng, 12, 0, 10)},
                Input{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)}};
    } else {
      inputs = {Input{{1, 4, 4, 1}, Random(data_rng, 16, 0, 10)},
                Input{{1, 4, 4}, AffineF(1, 0, 0, 0, 1, 0)}};
    }
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<uint8_t> bytes = good;
      const int kind = trial % 3;
      if (kind == 0) {  // random bytes
        bytes.resize(std::uniform_int_distribution<size_t>(0, 64)(rng));
        for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte(rng));
      } else if (kind == 1) {  // truncation
        bytes.resize(
            std::uniform_int_distribution<size_t>(0, bytes.size())(rng));
      } else {  // a few byte flips
        for (int k = 0; k < 3; ++k) {
          bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(
              rng)] ^= static_cast<uint8_t>(1 + byte(rng) % 255);
        }
      }
      OpResult r = RunOp(name, version, bytes, inputs);
      (r.status.ok() ? parsed : rejected)++;
      if (!r.status.ok()) {
        EXPECT_FALSE(r.status.message().empty());
        EXPECT_NE(r.status.code(), StatusCode::kInternal) << r.status.message();
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace mai

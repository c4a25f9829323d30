// XNNPACK RESIZE_BILINEAR against the reference backend in TFLite's three
// coordinate modes (align_corners, half_pixel_centers, legacy), up- and
// down-scaling: fp32 within 1e-5 relative, int8/uint8 within 1.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai {
namespace {

using testing::BuildModel;
using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> ResizeModel(DType dtype, const Shape& in, int out_h,
                                 int out_w, ir::ResizeParams p,
                                 const ir::QuantParams& q = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, in, q);
  const int size = m.AddConstant<int32_t>("size", {2}, {out_h, out_w});
  const int y = m.AddTensor("y", dtype, std::nullopt, q);
  m.AddOp(ir::OpCode::kResizeBilinear, {x, size}, {y}, p);
  m.MarkOutput(y);
  return BuildModel(m);
}

ir::ResizeParams Mode(int mode) {
  ir::ResizeParams p;
  p.align_corners = mode == 1;
  p.half_pixel_centers = mode == 2;
  return p;
}

struct Case {
  Shape in;
  int out_h, out_w;
  ir::ResizeParams p;
};

Case RandomCase(Rng& rng, int iter) {
  Case c;
  c.in = {rng.Int(1, 2), rng.Int(1, 9), rng.Int(1, 9), rng.Int(1, 11)};
  c.out_h = rng.Int(2, 17);
  c.out_w = rng.Int(2, 17);
  c.p = Mode(iter % 3);
  return c;
}

std::string Describe(const Case& c) {
  return fmt::format("{} -> {}x{} align {} half {}", ShapeToString(c.in),
                     c.out_h, c.out_w, c.p.align_corners,
                     c.p.half_pixel_centers);
}

TEST(XnnResizeBilinearTest, FloatMatchesReference) {
  Rng rng(7501);
  for (int iter = 0; iter < 45; ++iter) {
    const Case c = RandomCase(rng, iter);
    SCOPED_TRACE(Describe(c));
    auto model = ResizeModel(DType::kFloat32, c.in, c.out_h, c.out_w, c.p);
    HostTensor x = HostTensor::From<float>(
        c.in, rng.Floats(NumElementsUnchecked(c.in), -5.0f, 5.0f));
    testing::ExpectXnnMatchesRefFloat(model, {x});
  }
}

TEST(XnnResizeBilinearTest, FloatLegacyModeHandComputed) {
  // 1x2 -> 1x4 with in/out scale 0.5: x = 0, 0.5, 1, 1.5 (clamped to 1).
  auto model =
      ResizeModel(DType::kFloat32, {1, 1, 2, 1}, 1, 4, Mode(/*legacy=*/0));
  HostTensor x = HostTensor::From<float>({1, 1, 2, 1}, {2, 6});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).values<float>(), (std::vector<float>{2, 4, 6, 6}));
}

template <typename T>
void RunQuantized(DType dtype, uint32_t seed) {
  Rng rng(seed);
  const int qmin = dtype == DType::kInt8 ? -128 : 0;
  const auto q = testing::Quant(0.05f, qmin + 128);
  for (int iter = 0; iter < 45; ++iter) {
    const Case c = RandomCase(rng, iter);
    SCOPED_TRACE(Describe(c));
    auto model = ResizeModel(dtype, c.in, c.out_h, c.out_w, c.p, q);
    HostTensor x = HostTensor::From<T>(
        c.in, rng.Ints<T>(NumElementsUnchecked(c.in), qmin, qmin + 255));
    testing::ExpectXnnMatchesRefQuantized(model, {x});
  }
}

TEST(XnnResizeBilinearTest, Int8MatchesReferenceWithinOne) {
  RunQuantized<int8_t>(DType::kInt8, 7502);
}

TEST(XnnResizeBilinearTest, UInt8MatchesReferenceWithinOne) {
  RunQuantized<uint8_t>(DType::kUInt8, 7503);
}

TEST(XnnResizeBilinearTest, AlignCornersToSingleRowFallsBack) {
  Rng rng(7504);
  const Shape in = {1, 4, 5, 2};
  auto model = ResizeModel(DType::kFloat32, in, 1, 3, Mode(/*align=*/1));
  HostTensor x = HostTensor::From<float>(in, rng.Floats(40));
  testing::ExpectFallsBack(model, {x});
}

}  // namespace
}  // namespace mai

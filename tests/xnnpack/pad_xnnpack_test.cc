// XNNPACK PAD / PADV2 against the reference backend (byte-exact): ranks 1
// to 5, float32/int32/int16/int8/uint8, zero-point padding for quantized
// tensors, PADV2 constant values; int64 falls back.
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

template <typename T>
std::vector<uint8_t> PadModel(DType dtype, const Shape& in,
                              const std::vector<int32_t>& pads,
                              const ir::QuantParams& q = {},
                              std::optional<T> value = std::nullopt) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, in, q);
  const int rank = static_cast<int>(in.size());
  const int p = m.AddConstant<int32_t>("paddings", {rank, 2}, pads);
  std::vector<int> inputs = {x, p};
  if (value) inputs.push_back(m.AddConstant<T>("value", {}, {*value}, q));
  const int y = m.AddTensor("y", dtype, std::nullopt, q);
  m.AddOp(value ? ir::OpCode::kPadv2 : ir::OpCode::kPad, inputs, {y});
  m.MarkOutput(y);
  return BuildModel(m);
}

void RandomPad(Rng& rng, Shape* in, std::vector<int32_t>* pads) {
  in->assign(rng.Int(1, 5), 0);
  for (int& d : *in) d = rng.Int(1, 6);
  pads->clear();
  for (size_t d = 0; d < in->size(); ++d) {
    pads->push_back(rng.Int(0, 3));
    pads->push_back(rng.Int(0, 3));
  }
}

template <typename T>
void RunCases(DType dtype, uint32_t seed, int lo, int hi,
              const ir::QuantParams& q, bool with_value) {
  Rng rng(seed);
  for (int iter = 0; iter < 20; ++iter) {
    Shape in;
    std::vector<int32_t> pads;
    RandomPad(rng, &in, &pads);
    std::optional<T> value;
    if (with_value) value = static_cast<T>(rng.Int(lo, hi));
    auto model = PadModel<T>(dtype, in, pads, q, value);
    std::vector<T> xs(NumElementsUnchecked(in));
    for (T& v : xs) v = static_cast<T>(rng.Int(lo, hi));
    HostTensor x = HostTensor::From<T>(in, xs);
    SCOPED_TRACE(::testing::Message()
                 << DTypeName(dtype) << " " << ShapeToString(in));
    testing::ExpectXnnMatchesRefExactly(model, {x});
  }
}

TEST(XnnPadTest, FloatMatchesReference) {
  RunCases<float>(DType::kFloat32, 7601, -100, 100, {}, false);
}
TEST(XnnPadTest, Int32MatchesReference) {
  RunCases<int32_t>(DType::kInt32, 7602, -1000, 1000, {}, false);
}
// The pads of real models, large enough to split over threads: a channel
// pad before a residual ADD, a spatial pad before a VALID convolution, both,
// and an outer (batch) pad.
TEST(XnnPadTest, RealModelShapesOnThreads) {
  struct Case {
    Shape in;
    std::vector<int32_t> pads;
  };
  const std::vector<Case> cases = {
      {{1, 64, 64, 24}, {0, 0, 0, 0, 0, 0, 0, 4}},
      {{1, 96, 96, 32}, {0, 0, 1, 1, 1, 1, 0, 0}},
      {{1, 192, 192, 3}, {0, 0, 0, 2, 0, 2, 0, 0}},
      {{1, 48, 48, 48}, {0, 0, 1, 1, 1, 1, 0, 16}},
      {{2, 40, 40, 16}, {1, 1, 0, 0, 2, 0, 3, 1}},
  };
  Rng rng(7611);
  for (const Case& c : cases) {
    auto model = PadModel<float>(DType::kFloat32, c.in, c.pads, {}, {});
    std::vector<float> xs(NumElementsUnchecked(c.in));
    for (float& v : xs) v = rng.Uniform(-2.0f, 2.0f);
    SCOPED_TRACE(ShapeToString(c.in));
    testing::ExpectXnnMatchesRefExactly(model,
                                        {HostTensor::From<float>(c.in, xs)});
  }
}

TEST(XnnPadTest, Int8PadsWithZeroPoint) {
  RunCases<int8_t>(DType::kInt8, 7603, -128, 127, testing::Quant(0.1f, -7),
                   false);
}
TEST(XnnPadTest, UInt8PadsWithZeroPoint) {
  RunCases<uint8_t>(DType::kUInt8, 7604, 0, 255, testing::Quant(0.1f, 131),
                    false);
}
TEST(XnnPadTest, Int16MatchesReference) {
  RunCases<int16_t>(DType::kInt16, 7605, -3000, 3000, testing::Quant(0.1f, 0),
                    false);
}
TEST(XnnPadTest, PadV2ConstantValue) {
  RunCases<float>(DType::kFloat32, 7606, -100, 100, {}, true);
  RunCases<uint8_t>(DType::kUInt8, 7607, 0, 255, testing::Quant(0.1f, 131),
                    true);
}

TEST(XnnPadTest, HandComputedUInt8) {
  // [1, 2] padded by (1, 2) with zero point 9.
  auto model =
      PadModel<uint8_t>(DType::kUInt8, {2}, {1, 2}, testing::Quant(0.5f, 9));
  HostTensor x = HostTensor::From<uint8_t>({2}, {1, 2});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).values<uint8_t>(), (std::vector<uint8_t>{9, 1, 2, 9, 9}));
}

TEST(XnnPadTest, Int64FallsBack) {
  auto model = PadModel<int64_t>(DType::kInt64, {2, 3}, {1, 0, 0, 2});
  HostTensor x = HostTensor::From<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  testing::ExpectFallsBack(model, {x});
}

}  // namespace
}  // namespace mai

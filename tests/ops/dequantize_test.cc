// DEQUANTIZE: int8/uint8/int16 (per-tensor, per-channel) against double
// math and the TFLite oracle; float16 against hand-decoded bit patterns,
// as an input and as a constant (folded at prepare time).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

std::vector<uint8_t> BuildDequantize(DType in_dtype, const Shape& shape,
                                     const ir::QuantParams& q) {
  ModelBuilder b;
  const int x = b.AddInput("x", in_dtype, shape, q);
  const int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kDequantize, {x}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

template <typename Q>
void PerTensor(uint32_t seed, float scale, int64_t zp, bool oracle) {
  Rng rng(seed);
  const Shape shape = {2, 3, 5};
  const std::vector<Q> x = rng.Ints<Q>(30, std::numeric_limits<Q>::min(),
                                       std::numeric_limits<Q>::max());
  auto model = BuildDequantize(DTypeOf<Q>(), shape, Quant(scale, zp));
  const std::vector<HostTensor> inputs = {HostTensor::From<Q>(shape, x)};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  std::vector<double> expected;
  for (Q q : x)
    expected.push_back(static_cast<double>(scale) *
                       (static_cast<double>(q) - zp));
  EXPECT_TRUE(testing::NearRelative(ours->at(0).template values<float>(),
                                    expected, 1e-6));
  if (!oracle) return;
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::NearRelative(ours->at(0).template values<float>(),
                                    theirs->at(0).template values<float>(),
                                    1e-6));
}

TEST(DequantizeTest, HandDerived) {
  auto model = BuildDequantize(DType::kInt8, {4}, Quant(0.25f, -2));
  auto out = testing::RunMai(
      model, {HostTensor::From<int8_t>({4}, {-2, 2, -128, 127})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{0, 1, -31.5f, 32.25f}));
}

TEST(DequantizeTest, Int8) { PerTensor<int8_t>(121, 0.037f, -9, true); }
TEST(DequantizeTest, Uint8) { PerTensor<uint8_t>(122, 0.0123f, 131, true); }
TEST(DequantizeTest, Int16) { PerTensor<int16_t>(123, 3.1e-4f, 0, false); }

TEST(DequantizeTest, PerChannelInt8) {
  Rng rng(124);
  const Shape shape = {4, 3, 2};
  const std::vector<int8_t> x = rng.Ints<int8_t>(24, -127, 127);
  for (int dim = 0; dim < 3; ++dim) {
    std::vector<float> scales(shape[dim]);
    for (size_t c = 0; c < scales.size(); ++c) scales[c] = 0.5f / (c + 1);
    ir::QuantParams q = testing::PerChannelQuant(scales, dim);
    for (size_t c = 0; c < scales.size(); ++c)
      q.zero_point[c] = static_cast<int64_t>(c);
    auto out = testing::RunMai(BuildDequantize(DType::kInt8, shape, q),
                               {HostTensor::From<int8_t>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    std::vector<double> expected;
    for (int i = 0; i < 24; ++i) {
      const int coord[3] = {i / 6, (i / 2) % 3, i % 2};
      const int c = coord[dim];
      expected.push_back(static_cast<double>(scales[c]) * (x[i] - c));
    }
    EXPECT_TRUE(
        testing::NearRelative(out->at(0).values<float>(), expected, 1e-6))
        << "dim " << dim;
  }
}

// Hand-decoded IEEE binary16 values.
const std::vector<uint16_t> kHalfBits = {0x3C00, 0xC000, 0x7BFF, 0x0001,
                                         0x8400, 0x3555, 0x0000, 0x8000,
                                         0x7C00, 0xFC00};
const std::vector<float> kHalfValues = {
    1.0f,
    -2.0f,
    65504.0f,
    5.9604644775390625e-8f,  // 2^-24
    -6.103515625e-5f,        // -2^-14
    0.333251953125f,
    0.0f,
    -0.0f,
    std::numeric_limits<float>::infinity(),
    -std::numeric_limits<float>::infinity()};

TEST(DequantizeTest, Float16Input) {
  HostTensor x;
  x.dtype = DType::kFloat16;
  x.shape = {10};
  x.bytes.resize(20);
  std::memcpy(x.bytes.data(), kHalfBits.data(), 20);
  auto out = testing::RunMai(BuildDequantize(DType::kFloat16, {10}, {}), {x});
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<float> got = out->at(0).values<float>();
  ASSERT_EQ(got.size(), kHalfValues.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], kHalfValues[i]) << "element " << i;
    EXPECT_EQ(std::signbit(got[i]), std::signbit(kHalfValues[i]))
        << "element " << i;
  }
}

TEST(DequantizeTest, Float16ConstantWeightsFeedingAnOp) {
  // The common model pattern: float16 constant -> DEQUANTIZE -> consumer.
  // The consumer here is a PAD, so the DEQUANTIZE output is not a graph
  // output and prepare-time constant folding may evaluate it.
  ModelBuilder b;
  std::vector<uint8_t> bytes(20);
  std::memcpy(bytes.data(), kHalfBits.data(), 20);
  const int w = b.AddConstantBytes("w16", DType::kFloat16, {10}, bytes);
  const int w32 = b.AddTensor("w32", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kDequantize, {w}, {w32});
  const int pads = b.AddConstant<int32_t>("paddings", {1, 2}, {1, 0});
  const int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kPad, {w32, pads}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto out = testing::RunMai(*model, {});
  ASSERT_TRUE(out.ok()) << out.status().message();
  std::vector<float> expected = {0.0f};
  expected.insert(expected.end(), kHalfValues.begin(), kHalfValues.end());
  EXPECT_EQ(out->at(0).values<float>(), expected);
}

TEST(DequantizeTest, RejectsUnquantizedIntegerInput) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kInt8, {4});
  const int y = b.AddTensor("y", DType::kFloat32, Shape{4});
  b.AddOp(ir::OpCode::kDequantize, {x}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE(
      testing::RunMai(*model, {HostTensor::From<int8_t>({4}, {1, 2, 3, 4})})
          .ok());
}

}  // namespace
}  // namespace mai

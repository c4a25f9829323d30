// QUANTIZE: float -> int8/uint8/int16 (per-tensor and per-channel) and
// requantization, against hand-derived values, double-precision math and
// the TFLite oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

std::vector<uint8_t> BuildQuantize(DType in_dtype, DType out_dtype,
                                   const Shape& shape,
                                   const ir::QuantParams& in_q,
                                   const ir::QuantParams& out_q) {
  ModelBuilder b;
  const int x = b.AddInput("x", in_dtype, shape, in_q);
  const int y = b.AddTensor("y", out_dtype, std::nullopt, out_q);
  b.AddOp(ir::OpCode::kQuantize, {x}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

template <typename Q>
int64_t QMin() {
  return std::numeric_limits<Q>::min();
}
template <typename Q>
int64_t QMax() {
  return std::numeric_limits<Q>::max();
}

// clamp(round_half_away(real / scale) + zero_point) in double.
template <typename Q>
int64_t ExpectedQuantized(double real, double scale, int64_t zp) {
  return std::clamp<int64_t>(
      static_cast<int64_t>(std::round(real / scale)) + zp, QMin<Q>(),
      QMax<Q>());
}

TEST(QuantizeTest, HandDerivedInt8) {
  // scale 0.5, zero point -1: ties round away from zero, results saturate.
  const std::vector<float> x = {0,    0.25f, -0.25f, 0.75f,
                                1000, -1000, 63.4f,  -64.6f};
  auto model =
      BuildQuantize(DType::kFloat32, DType::kInt8, {8}, {}, Quant(0.5f, -1));
  auto out = testing::RunMai(model, {HostTensor::From<float>({8}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(),
            (std::vector<int8_t>{-1, 0, -2, 1, 127, -128, 126, -128}));
}

TEST(QuantizeTest, HandDerivedUint8AndInt16) {
  auto model =
      BuildQuantize(DType::kFloat32, DType::kUInt8, {4}, {}, Quant(0.1f, 128));
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({4}, {0, -12.8f, 12.7f, 1.04f})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<uint8_t>(),
            (std::vector<uint8_t>{128, 0, 255, 138}));

  auto model16 = BuildQuantize(DType::kFloat32, DType::kInt16, {4}, {},
                               Quant(1.0f / 1024, 0));
  auto out16 = testing::RunMai(
      model16,
      {HostTensor::From<float>({4}, {1.0f, -0.5f, 40.0f, 3.0f / 2048})});
  ASSERT_TRUE(out16.ok()) << out16.status().message();
  EXPECT_EQ(out16->at(0).values<int16_t>(),
            (std::vector<int16_t>{1024, -512, 32767, 2}));
}

template <typename Q>
void FloatToQuantized(uint32_t seed, float scale, int64_t zp) {
  Rng rng(seed);
  const Shape shape = {2, 5, 7};
  const std::vector<float> x = rng.Floats(70, -200 * scale, 200 * scale);
  auto model =
      BuildQuantize(DType::kFloat32, DTypeOf<Q>(), shape, {}, Quant(scale, zp));
  const std::vector<HostTensor> inputs = {HostTensor::From<float>(shape, x)};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  const std::vector<Q> got = ours->at(0).template values<Q>();
  ASSERT_EQ(got.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(std::llabs(got[i] - ExpectedQuantized<Q>(x[i], scale, zp)), 1)
        << "element " << i;
  }
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
}

TEST(QuantizeTest, FloatToInt8) { FloatToQuantized<int8_t>(101, 0.37f, -7); }
TEST(QuantizeTest, FloatToUint8) { FloatToQuantized<uint8_t>(102, 0.05f, 131); }
TEST(QuantizeTest, FloatToInt16) {
  // int16 keeps zero point 0 (TFLite requires it).
  Rng rng(103);
  const std::vector<float> x = rng.Floats(64, -3, 3);
  auto model =
      BuildQuantize(DType::kFloat32, DType::kInt16, {64}, {}, Quant(1e-4f, 0));
  auto out = testing::RunMai(model, {HostTensor::From<float>({64}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<int16_t> got = out->at(0).values<int16_t>();
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(std::llabs(got[i] - ExpectedQuantized<int16_t>(x[i], 1e-4f, 0)),
              1);
  }
}

TEST(QuantizeTest, PerChannelFloatToInt8) {
  Rng rng(104);
  const Shape shape = {3, 4, 2};
  const std::vector<float> x = rng.Floats(24, -2, 2);
  for (int dim = 0; dim < 3; ++dim) {
    std::vector<float> scales(shape[dim]);
    for (size_t c = 0; c < scales.size(); ++c) scales[c] = 0.01f * (1 + 2 * c);
    ir::QuantParams q = testing::PerChannelQuant(scales, dim);
    for (size_t c = 0; c < scales.size(); ++c)
      q.zero_point[c] = static_cast<int64_t>(c) - 1;
    auto model = BuildQuantize(DType::kFloat32, DType::kInt8, shape, {}, q);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<int8_t> got = out->at(0).values<int8_t>();
    for (int i = 0; i < 24; ++i) {
      const int coord[3] = {i / 8, (i / 2) % 4, i % 2};
      const int c = coord[dim];
      EXPECT_LE(std::llabs(got[i] -
                           ExpectedQuantized<int8_t>(x[i], scales[c], c - 1)),
                1)
          << "dim " << dim << " element " << i;
    }
  }
}

template <typename In, typename Out>
void Requantize(uint32_t seed, float in_scale, int64_t in_zp, float out_scale,
                int64_t out_zp, bool oracle = true) {
  Rng rng(seed);
  const Shape shape = {1, 6, 6, 3};
  const int lo = static_cast<int>(QMin<In>()),
            hi = static_cast<int>(QMax<In>());
  const std::vector<In> x = rng.Ints<In>(108, lo, hi);
  auto model = BuildQuantize(DTypeOf<In>(), DTypeOf<Out>(), shape,
                             Quant(in_scale, in_zp), Quant(out_scale, out_zp));
  const std::vector<HostTensor> inputs = {HostTensor::From<In>(shape, x)};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  const std::vector<Out> got = ours->at(0).template values<Out>();
  for (size_t i = 0; i < x.size(); ++i) {
    const double real = (static_cast<double>(x[i]) - in_zp) * in_scale;
    EXPECT_LE(
        std::llabs(got[i] - ExpectedQuantized<Out>(real, out_scale, out_zp)), 1)
        << "element " << i << " input " << static_cast<int>(x[i]);
  }
  if (!oracle) return;
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
}

TEST(QuantizeTest, RequantizeInt8ToInt8) {
  Requantize<int8_t, int8_t>(111, 0.1f, 3, 0.07f, -5);
}
TEST(QuantizeTest, RequantizeInt8ToInt8Upscale) {
  Requantize<int8_t, int8_t>(112, 0.05f, 0, 0.2f, 10);
}
TEST(QuantizeTest, RequantizeUint8ToUint8) {
  Requantize<uint8_t, uint8_t>(113, 0.02f, 128, 0.03f, 100);
}
TEST(QuantizeTest, RequantizeInt8ToUint8) {
  Requantize<int8_t, uint8_t>(114, 0.1f, 3, 0.1f, 131);
}
TEST(QuantizeTest, RequantizeUint8ToInt8) {
  Requantize<uint8_t, int8_t>(115, 0.1f, 128, 0.08f, 0);
}
TEST(QuantizeTest, RequantizeInt16) {
  Requantize<int16_t, int16_t>(116, 1e-3f, 0, 7e-4f, 0, /*oracle=*/false);
  Requantize<int16_t, int8_t>(117, 1e-3f, 0, 0.1f, -3, /*oracle=*/false);
}

TEST(QuantizeTest, RequantizeShiftBy128IsExact) {
  // Same scale, zero points 128 apart: q + 128 exactly.
  auto model = BuildQuantize(DType::kInt8, DType::kUInt8, {4}, Quant(0.5f, -3),
                             Quant(0.5f, 125));
  auto out = testing::RunMai(
      model, {HostTensor::From<int8_t>({4}, {-128, -1, 0, 127})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<uint8_t>(),
            (std::vector<uint8_t>{0, 127, 128, 255}));
}

TEST(QuantizeTest, RejectsUnquantizedOutput) {
  ModelBuilder b;
  const int x = b.AddInput("x", DType::kFloat32, {4});
  const int y = b.AddTensor("y", DType::kInt8, Shape{4});
  b.AddOp(ir::OpCode::kQuantize, {x}, {y});
  b.MarkOutput(y);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE(
      testing::RunMai(*model, {HostTensor::From<float>({4}, {1, 2, 3, 4})})
          .ok());
}

}  // namespace
}  // namespace mai

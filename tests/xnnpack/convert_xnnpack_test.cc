// XNNPACK QUANTIZE / DEQUANTIZE against the reference backend: float32 ->
// int8/uint8 within one step (XNNPACK rounds ties to even, TFLite away from
// zero), int8/uint8/float16 -> float32 exactly, int8/uint8 requantization
// byte for byte; per-channel nodes fall back.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai::testing {
namespace {

std::vector<uint8_t> OneOpModel(ir::OpCode op, DType in_type,
                                const ir::QuantParams& in_q, DType out_type,
                                const ir::QuantParams& out_q,
                                const Shape& shape) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", in_type, shape, in_q);
  int y = b.AddTensor("y", out_type, shape, out_q);
  b.AddOp(op, {x}, {y});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

Shape RandomShape(Rng& rng) {
  Shape s(rng.Int(1, 4));
  for (int& d : s) d = rng.Int(1, 40);
  return s;
}

TEST(XnnConvertTest, QuantizeWithinOneStep) {
  Rng rng(9201);
  for (int iter = 0; iter < 16; ++iter) {
    const bool int8 = iter % 2 == 0;
    const float scale = rng.Uniform(0.005f, 0.2f);
    const int zp = int8 ? rng.Int(-20, 20) : rng.Int(100, 150);
    Shape shape = RandomShape(rng);
    auto model = OneOpModel(ir::OpCode::kQuantize, DType::kFloat32, {},
                            int8 ? DType::kInt8 : DType::kUInt8,
                            Quant(scale, zp), shape);
    // Values past the int range too: both must saturate.
    std::vector<float> xs =
        rng.Floats(NumElementsUnchecked(shape), -200 * scale, 200 * scale);
    SCOPED_TRACE(::testing::Message() << iter << " " << ShapeToString(shape));
    EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
    ExpectXnnMatchesRefQuantized(model, {HostTensor::From<float>(shape, xs)},
                                 1);
  }
}

TEST(XnnConvertTest, QuantizeHandValues) {
  // scale 0.5, zero point 3: 1.0 -> 5, -1.0 -> 1, 100 -> 127 (saturated),
  // -100 -> -128, 0.2 -> 3 (0.4 rounds to 0).
  auto model = OneOpModel(ir::OpCode::kQuantize, DType::kFloat32, {},
                          DType::kInt8, Quant(0.5f, 3), {5});
  auto y =
      RunMai(model, {HostTensor::From<float>({5}, {1, -1, 100, -100, 0.2f})},
             XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ((*y)[0].values<int8_t>(),
            (std::vector<int8_t>{5, 1, 127, -128, 3}));
}

TEST(XnnConvertTest, DequantizeExactly) {
  Rng rng(9202);
  for (int iter = 0; iter < 12; ++iter) {
    const bool int8 = iter % 2 == 0;
    const float scale = rng.Uniform(0.005f, 0.2f);
    const int zp = int8 ? rng.Int(-20, 20) : rng.Int(100, 150);
    Shape shape = RandomShape(rng);
    auto model =
        OneOpModel(ir::OpCode::kDequantize, int8 ? DType::kInt8 : DType::kUInt8,
                   Quant(scale, zp), DType::kFloat32, {}, shape);
    const int64_t n = NumElementsUnchecked(shape);
    HostTensor x;
    if (int8) {
      std::vector<int8_t> q(n);
      for (auto& v : q) v = static_cast<int8_t>(rng.Int(-128, 127));
      x = HostTensor::From<int8_t>(shape, q);
    } else {
      std::vector<uint8_t> q(n);
      for (auto& v : q) v = static_cast<uint8_t>(rng.Int(0, 255));
      x = HostTensor::From<uint8_t>(shape, q);
    }
    SCOPED_TRACE(iter);
    EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
    ExpectXnnMatchesRefFloat(model, {x}, 1e-7);
  }
}

TEST(XnnConvertTest, DequantizeFloat16Input) {
  // A float16 graph input (not a constant, so not folded at prepare).
  Shape shape = {3, 5};
  std::vector<uint16_t> halves = {0x3c00, 0xbc00, 0x3800, 0x0000, 0x7bff,
                                  0x4248, 0xc000, 0x3555, 0x0001, 0x8000,
                                  0x4900, 0x5640, 0xd640, 0x2e66, 0x3e00};
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat16, shape);
  int y = b.AddTensor("y", DType::kFloat32, shape);
  b.AddOp(ir::OpCode::kDequantize, {x}, {y});
  b.MarkOutput(y);
  auto model = *b.Build();
  HostTensor in;
  in.dtype = DType::kFloat16;
  in.shape = shape;
  in.bytes.resize(halves.size() * 2);
  std::memcpy(in.bytes.data(), halves.data(), in.bytes.size());
  EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
  ExpectXnnMatchesRefFloat(model, {in}, 0);
  auto out = RunMai(model, {in}, XnnOptions());
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<float> v = (*out)[0].values<float>();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -1.0f);
  EXPECT_EQ(v[2], 0.5f);
  EXPECT_EQ(v[4], 65504.0f);
}

// int8/uint8 -> int8/uint8 QUANTIZE (requantization): on the xnnpack
// backend through a table, byte for byte the reference kernel's values, for
// every input byte and scale ratios above and below 1.
TEST(XnnConvertTest, RequantizeMatchesReferenceExactly) {
  struct Case {
    DType in, out;
    float in_scale, out_scale;
    int in_zp, out_zp;
  };
  const Case cases[] = {
      {DType::kInt8, DType::kInt8, 0.1f, 0.2f, 2, -3},
      {DType::kInt8, DType::kInt8, 0.05f, 0.013f, -128, 10},
      {DType::kUInt8, DType::kInt8, 0.1f, 0.07f, 128, 0},
      {DType::kInt8, DType::kUInt8, 0.02f, 0.5f, 5, 100},
      {DType::kUInt8, DType::kUInt8, 0.3f, 0.3f, 7, 9},
  };
  const Shape shape = {2, 128};  // every byte value once
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.in_scale << " -> " << c.out_scale);
    auto model =
        OneOpModel(ir::OpCode::kQuantize, c.in, Quant(c.in_scale, c.in_zp),
                   c.out, Quant(c.out_scale, c.out_zp), shape);
    HostTensor x;
    x.dtype = c.in;
    x.shape = shape;
    x.bytes.resize(256);
    for (int i = 0; i < 256; ++i) x.bytes[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
    ExpectXnnMatchesRefExactly(model, {x});
  }
}

TEST(XnnConvertTest, PerChannelFallsBack) {
  Rng rng(9203);
  Shape shape = {2, 6};
  std::vector<int8_t> q(12);
  for (auto& v : q) v = static_cast<int8_t>(rng.Int(-128, 127));
  ExpectFallsBack(
      OneOpModel(ir::OpCode::kDequantize, DType::kInt8,
                 PerChannelQuant({0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f},
                                 /*dim=*/1),
                 DType::kFloat32, {}, shape),
      {HostTensor::From<int8_t>(shape, q)});
}

}  // namespace
}  // namespace mai::testing

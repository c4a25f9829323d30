// RESHAPE, SQUEEZE and EXPAND_DIMS on the xnnpack backend: the output holds
// the input's bytes, whether or not the planner shares the buffer, and the
// nodes run on xnnpack (not as fallbacks).
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

TEST(XnnCopyTest, ReshapeSqueezeExpandDimsKeepBytes) {
  Rng rng(7801);
  const Shape in = {1, 3, 1, 4};
  const std::vector<float> values = rng.Floats(12);
  HostTensor x = HostTensor::From<float>(in, values);
  {
    tflite::ModelBuilder m;
    const int a = m.AddInput("x", DType::kFloat32, in);
    const int s = m.AddConstant<int32_t>("shape", {2}, {4, 3});
    const int y = m.AddTensor("y", DType::kFloat32, std::nullopt);
    m.AddOp(ir::OpCode::kReshape, {a, s}, {y});
    m.MarkOutput(y);
    auto model = BuildModel(m);
    EXPECT_EQ(testing::AutoNodeBackend(model), "xnnpack");
    auto out = testing::RunMai(model, {x}, testing::XnnOptions());
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, (Shape{4, 3}));
    EXPECT_EQ(out->at(0).values<float>(), values);
  }
  {
    tflite::ModelBuilder m;
    const int a = m.AddInput("x", DType::kFloat32, in);
    const int y = m.AddTensor("y", DType::kFloat32, std::nullopt);
    m.AddOp(ir::OpCode::kSqueeze, {a}, {y}, ir::SqueezeParams{{0, 2}});
    m.MarkOutput(y);
    auto model = BuildModel(m);
    EXPECT_EQ(testing::AutoNodeBackend(model), "xnnpack");
    auto out = testing::RunMai(model, {x}, testing::XnnOptions());
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, (Shape{3, 4}));
    EXPECT_EQ(out->at(0).values<float>(), values);
  }
  {
    tflite::ModelBuilder m;
    const int a =
        m.AddInput("x", DType::kInt8, {3, 4}, testing::Quant(0.1f, 2));
    const int axis = m.AddConstant<int32_t>("axis", {1}, {-1});
    const int y =
        m.AddTensor("y", DType::kInt8, std::nullopt, testing::Quant(0.1f, 2));
    m.AddOp(ir::OpCode::kExpandDims, {a, axis}, {y});
    m.MarkOutput(y);
    auto model = BuildModel(m);
    EXPECT_EQ(testing::AutoNodeBackend(model), "xnnpack");
    HostTensor x8 =
        HostTensor::From<int8_t>({3, 4}, rng.Ints<int8_t>(12, -128, 127));
    auto out = testing::RunMai(model, {x8}, testing::XnnOptions());
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).shape, (Shape{3, 4, 1}));
    EXPECT_EQ(out->at(0).bytes, x8.bytes);
  }
}

TEST(XnnCopyTest, ChainBetweenComputeOpsMatchesReference) {
  // ADD -> RESHAPE -> RELU: the reshape sits between two arena tensors.
  Rng rng(7802);
  tflite::ModelBuilder m;
  const int a = m.AddInput("a", DType::kFloat32, {2, 6});
  const int b = m.AddInput("b", DType::kFloat32, {2, 6});
  const int sum = m.AddTensor("sum", DType::kFloat32, std::nullopt);
  m.AddOp(ir::OpCode::kAdd, {a, b}, {sum}, ir::BinaryParams{});
  const int s = m.AddConstant<int32_t>("shape", {3}, {3, 2, 2});
  const int r = m.AddTensor("r", DType::kFloat32, std::nullopt);
  m.AddOp(ir::OpCode::kReshape, {sum, s}, {r});
  const int y = m.AddTensor("y", DType::kFloat32, std::nullopt);
  m.AddOp(ir::OpCode::kRelu, {r}, {y});
  m.MarkOutput(y);
  auto model = BuildModel(m);
  HostTensor xa = HostTensor::From<float>({2, 6}, rng.Floats(12));
  HostTensor xb = HostTensor::From<float>({2, 6}, rng.Floats(12));
  testing::ExpectXnnMatchesRefExactly(model, {xa, xb});
}

TEST(XnnCopyTest, ReshapeWithRunTimeShapeFallsBack) {
  tflite::ModelBuilder m;
  const int a = m.AddInput("x", DType::kFloat32, {2, 6});
  const int s = m.AddInput("s", DType::kInt32, {2});
  const int y = m.AddTensor("y", DType::kFloat32, Shape{3, 4});
  m.AddOp(ir::OpCode::kReshape, {a, s}, {y});
  m.MarkOutput(y);
  auto model = BuildModel(m);
  HostTensor x = HostTensor::From<float>({2, 6}, std::vector<float>(12, 1.0f));
  HostTensor shape = HostTensor::From<int32_t>({2}, {3, 4});
  testing::ExpectFallsBack(model, {x, shape});
}

}  // namespace
}  // namespace mai

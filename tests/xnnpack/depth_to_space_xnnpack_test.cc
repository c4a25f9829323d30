// XNNPACK DEPTH_TO_SPACE against the reference backend (byte-exact) for
// float32 and int32, blocks 2..4; 1-byte types fall back.
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

std::vector<uint8_t> DepthToSpaceModel(DType dtype, const Shape& in, int block,
                                       const ir::QuantParams& q = {}) {
  tflite::ModelBuilder m;
  const int x = m.AddInput("x", dtype, in, q);
  const int y = m.AddTensor("y", dtype, std::nullopt, q);
  m.AddOp(ir::OpCode::kDepthToSpace, {x}, {y}, ir::BlockSizeParams{block});
  m.MarkOutput(y);
  return BuildModel(m);
}

TEST(XnnDepthToSpaceTest, MatchesReference) {
  Rng rng(7701);
  for (int iter = 0; iter < 30; ++iter) {
    const int block = rng.Int(2, 4);
    const Shape in = {rng.Int(1, 2), rng.Int(1, 6), rng.Int(1, 6),
                      block * block * rng.Int(1, 5)};
    SCOPED_TRACE(::testing::Message()
                 << ShapeToString(in) << " block " << block);
    if (iter % 2 == 0) {
      auto model = DepthToSpaceModel(DType::kFloat32, in, block);
      HostTensor x =
          HostTensor::From<float>(in, rng.Floats(NumElementsUnchecked(in)));
      testing::ExpectXnnMatchesRefExactly(model, {x});
    } else {
      auto model = DepthToSpaceModel(DType::kInt32, in, block);
      HostTensor x = HostTensor::From<int32_t>(
          in, rng.Ints<int32_t>(NumElementsUnchecked(in), -1000, 1000));
      testing::ExpectXnnMatchesRefExactly(model, {x});
    }
  }
}

TEST(XnnDepthToSpaceTest, HandComputedOrder) {
  // One pixel of 4 channels becomes a 2x2 block in row-major order.
  auto model = DepthToSpaceModel(DType::kFloat32, {1, 1, 1, 4}, 2);
  HostTensor x = HostTensor::From<float>({1, 1, 1, 4}, {1, 2, 3, 4});
  auto y = testing::RunMai(model, {x}, testing::XnnOptions());
  ASSERT_TRUE(y.ok()) << y.status().message();
  EXPECT_EQ(y->at(0).shape, (Shape{1, 2, 2, 1}));
  EXPECT_EQ(y->at(0).values<float>(), (std::vector<float>{1, 2, 3, 4}));
}

// XNNPACK has only a 4-byte operator: int8/uint8 (and block size 1) run on
// mai's strided-copy kernel, still on the xnnpack backend, byte for byte.
TEST(XnnDepthToSpaceTest, Int8AndUInt8RunOnTheFastKernel) {
  Rng rng(7702);
  for (int iter = 0; iter < 12; ++iter) {
    const int b = rng.Int(1, 4);
    const Shape in = {rng.Int(1, 2), rng.Int(1, 7), rng.Int(1, 7),
                      rng.Int(1, 5) * b * b};
    const bool int8 = iter % 2 == 0;
    auto model = DepthToSpaceModel(int8 ? DType::kInt8 : DType::kUInt8, in, b,
                                   testing::Quant(0.1f, int8 ? -3 : 128));
    const int64_t n = NumElementsUnchecked(in);
    HostTensor x =
        int8 ? HostTensor::From<int8_t>(in, rng.Ints<int8_t>(n, -128, 127))
             : HostTensor::From<uint8_t>(in, rng.Ints<uint8_t>(n, 0, 255));
    SCOPED_TRACE(::testing::Message() << ShapeToString(in) << " block " << b);
    EXPECT_EQ(testing::AutoNodeBackend(model), "xnnpack");
    testing::ExpectXnnMatchesRefExactly(model, {x});
  }
}

}  // namespace
}  // namespace mai

// SELECT_V2 with three-way broadcasting and SELECT (same shapes, scalar or
// rank-1 condition) for float32, int32, int8 and int64, against values
// picked here element by element and against the TFLite oracle.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::OpCode;
using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

int64_t BroadcastSource(const Shape& out, const Shape& in, int64_t flat) {
  const int rank = static_cast<int>(out.size());
  const int offset = rank - static_cast<int>(in.size());
  int64_t src = 0;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t coord = flat % out[d];
    flat /= out[d];
    if (d >= offset) {
      const int32_t dim = in[d - offset];
      src += (dim == 1 ? 0 : coord) * stride;
      stride *= dim;
    }
  }
  return src;
}

HostTensor BoolTensor(const Shape& shape, const std::vector<uint8_t>& values) {
  HostTensor t = HostTensor::From<uint8_t>(shape, values);
  t.dtype = DType::kBool;
  return t;
}

std::vector<uint8_t> BuildSelect(OpCode op, DType dt, const Shape& c,
                                 const Shape& x, const Shape& y,
                                 const ir::QuantParams& q = {}) {
  ModelBuilder b;
  const int ci = b.AddInput("cond", DType::kBool, c);
  const int xi = b.AddInput("x", dt, x, q);
  const int yi = b.AddInput("y", dt, y, q);
  const int out = b.AddTensor("out", dt, std::nullopt, q);
  b.AddOp(op, {ci, xi, yi}, {out});
  b.MarkOutput(out);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<uint8_t> RandomBools(Rng& rng, int64_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng.Int(0, 1));
  return v;
}

template <typename T>
void CheckSelectV2(uint32_t seed, int lo, int hi, bool with_oracle,
                   const ir::QuantParams& q = {}) {
  Rng rng(seed);
  struct Case {
    Shape c, x, y, out;
  };
  const std::vector<Case> cases = {
      {{2, 3}, {2, 3}, {2, 3}, {2, 3}},
      {{3}, {2, 3}, {2, 1}, {2, 3}},
      {{}, {4}, {4}, {4}},
      {{2, 1, 4}, {3, 1}, {1, 1, 1}, {2, 3, 4}},
      {{1, 2, 1, 1, 3}, {2, 1, 2, 1, 1}, {5, 1}, {2, 2, 2, 5, 3}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& cs = cases[k];
    auto model =
        BuildSelect(OpCode::kSelectV2, DTypeOf<T>(), cs.c, cs.x, cs.y, q);
    const std::vector<uint8_t> c = RandomBools(rng, NumElementsUnchecked(cs.c));
    const std::vector<T> x = rng.Ints<T>(NumElementsUnchecked(cs.x), lo, hi);
    const std::vector<T> y = rng.Ints<T>(NumElementsUnchecked(cs.y), lo, hi);
    const std::vector<HostTensor> inputs = {BoolTensor(cs.c, c),
                                            HostTensor::From<T>(cs.x, x),
                                            HostTensor::From<T>(cs.y, y)};
    auto out = testing::RunMai(model, inputs);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->at(0).shape, cs.out) << "case " << k;
    const std::vector<T> got = out->at(0).template values<T>();
    for (int64_t i = 0; i < NumElementsUnchecked(cs.out); ++i) {
      const T e = c[BroadcastSource(cs.out, cs.c, i)]
                      ? x[BroadcastSource(cs.out, cs.x, i)]
                      : y[BroadcastSource(cs.out, cs.y, i)];
      ASSERT_EQ(got[i], e) << "case " << k << " element " << i;
    }
    if (with_oracle && cs.out.size() <= 4) {
      auto theirs = testing::RunTflite(model, inputs);
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      EXPECT_EQ(out->at(0).bytes, theirs->at(0).bytes) << "case " << k;
    }
  }
}

TEST(SelectTest, SelectV2Int32Broadcast) {
  CheckSelectV2<int32_t>(1, -1000, 1000, false);
}
TEST(SelectTest, SelectV2Int64Broadcast) {
  CheckSelectV2<int64_t>(2, -1000, 1000, false);
}
TEST(SelectTest, SelectV2Int8MatchesTflite) {
  CheckSelectV2<int8_t>(3, -128, 127, true, Quant(0.1f, 2));
}

TEST(SelectTest, SelectV2Float32MatchesTflite) {
  Rng rng(4);
  const Shape c_shape = {2, 1, 3}, x_shape = {4, 1}, y_shape = {2, 4, 3};
  auto model = BuildSelect(OpCode::kSelectV2, DType::kFloat32, c_shape, x_shape,
                           y_shape);
  const std::vector<HostTensor> inputs = {
      BoolTensor(c_shape, RandomBools(rng, 6)),
      HostTensor::From<float>(x_shape, rng.Floats(4)),
      HostTensor::From<float>(y_shape, rng.Floats(24))};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ(ours->at(0).shape, (Shape{2, 4, 3}));
  EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes);
}

TEST(SelectTest, SelectV1SameShapeScalarAndRankOne) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::vector<float> y = {-1, -2, -3, -4, -5, -6};
  {
    auto model =
        BuildSelect(OpCode::kSelect, DType::kFloat32, {2, 3}, {2, 3}, {2, 3});
    auto out = testing::RunMai(model, {BoolTensor({2, 3}, {1, 0, 1, 0, 1, 0}),
                                       HostTensor::From<float>({2, 3}, x),
                                       HostTensor::From<float>({2, 3}, y)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<float>(),
              (std::vector<float>{1, -2, 3, -4, 5, -6}));
  }
  {  // rank-1 condition selects whole rows
    auto model =
        BuildSelect(OpCode::kSelect, DType::kFloat32, {2}, {2, 3}, {2, 3});
    auto out = testing::RunMai(
        model, {BoolTensor({2}, {0, 1}), HostTensor::From<float>({2, 3}, x),
                HostTensor::From<float>({2, 3}, y)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<float>(),
              (std::vector<float>{-1, -2, -3, 4, 5, 6}));
  }
  {  // scalar condition selects everything
    auto model =
        BuildSelect(OpCode::kSelect, DType::kFloat32, {}, {2, 3}, {2, 3});
    auto out = testing::RunMai(
        model, {BoolTensor({}, {1}), HostTensor::From<float>({2, 3}, x),
                HostTensor::From<float>({2, 3}, y)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->at(0).values<float>(), x);
  }
}

TEST(SelectTest, SelectV1RankOneMatchesTflite) {
  Rng rng(6);
  auto model =
      BuildSelect(OpCode::kSelect, DType::kInt32, {3}, {3, 2, 2}, {3, 2, 2});
  const std::vector<HostTensor> inputs = {
      BoolTensor({3}, {1, 0, 1}),
      HostTensor::From<int32_t>({3, 2, 2}, rng.Ints<int32_t>(12, -9, 9)),
      HostTensor::From<int32_t>({3, 2, 2}, rng.Ints<int32_t>(12, -9, 9))};
  auto ours = testing::RunMai(model, inputs);
  ASSERT_TRUE(ours.ok()) << ours.status().message();
  auto theirs = testing::RunTflite(model, inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.status().message();
  EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes);
}

TEST(SelectTest, BadShapesAreRejected) {
  ModelBuilder b;
  const int c = b.AddInput("cond", DType::kBool, {3});
  const int x = b.AddInput("x", DType::kFloat32, {2, 3});
  const int y = b.AddInput("y", DType::kFloat32, {2, 3});
  const int out = b.AddTensor("out", DType::kFloat32, Shape{2, 3});
  b.AddOp(OpCode::kSelect, {c, x, y},
          {out});  // v1: rank-1 cond must match dim 0
  b.MarkOutput(out);
  auto bytes = b.Build();
  if (!bytes.ok()) return;
  auto r = testing::RunMai(
      *bytes, {BoolTensor({3}, {1, 0, 1}),
               HostTensor::From<float>({2, 3}, std::vector<float>(6)),
               HostTensor::From<float>({2, 3}, std::vector<float>(6))});
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace mai

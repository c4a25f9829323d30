// ARG_MAX / ARG_MIN: every input dtype and both index dtypes against a scan
// written here; a sample against TensorFlow Lite.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> BuildModel(bool is_max, DType dtype, const Shape& shape,
                                int32_t axis, DType out_dtype,
                                DType axis_dtype = DType::kInt32) {
  tflite::ModelBuilder b;
  ir::QuantParams q;
  if (dtype == DType::kInt8 || dtype == DType::kUInt8) {
    q = testing::Quant(0.1f, dtype == DType::kInt8 ? 0 : 128);
  }
  int x = b.AddInput("x", dtype, shape, q);
  int a = axis_dtype == DType::kInt32
              ? b.AddConstant<int32_t>("axis", {1}, {axis})
              : b.AddConstant<int64_t>("axis", {1}, {int64_t{axis}});
  int y = b.AddTensor("y", out_dtype, std::nullopt);
  b.AddOp(is_max ? ir::OpCode::kArgMax : ir::OpCode::kArgMin, {x, a}, {y},
          ir::ArgMinMaxParams{out_dtype});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Index of the first extreme element along `axis`.
template <typename T>
std::vector<int64_t> Reference(bool is_max, const Shape& shape, int axis,
                               const std::vector<T>& x) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t n = shape[axis];
  std::vector<int64_t> y;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        const T v = x[(o * n + k) * inner + i];
        const T b = x[(o * n + best) * inner + i];
        if (is_max ? v > b : v < b) best = k;
      }
      y.push_back(best);
    }
  }
  return y;
}

template <typename T>
std::vector<T> RandomValues(Rng& rng, size_t n) {
  if constexpr (std::is_same_v<T, float>) {
    // Few distinct values, so ties are common.
    std::vector<float> v(n);
    for (float& f : v) f = static_cast<float>(rng.Int(-4, 4)) * 0.5f;
    return v;
  } else {
    return rng.Ints<T>(n, std::is_same_v<T, uint8_t> ? 0 : -5, 5);
  }
}

template <typename T>
void RunRandom(uint32_t seed) {
  Rng rng(seed);
  for (int iter = 0; iter < 24; ++iter) {
    const bool is_max = iter % 2 == 0;
    const DType out_dtype = (iter / 2) % 2 ? DType::kInt64 : DType::kInt32;
    Shape shape;
    const int rank = rng.Int(1, 4);
    for (int d = 0; d < rank; ++d) shape.push_back(rng.Int(1, 6));
    const int axis = rng.Int(-rank, rank - 1);
    const DType axis_dtype = iter % 3 == 0 ? DType::kInt64 : DType::kInt32;
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " shape " << ShapeToString(shape)
                 << " axis " << axis);
    auto model =
        BuildModel(is_max, DTypeOf<T>(), shape, axis, out_dtype, axis_dtype);
    std::vector<T> x = RandomValues<T>(rng, NumElementsUnchecked(shape));
    auto out = testing::RunMai(model, {HostTensor::From<T>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const int ax = axis < 0 ? axis + rank : axis;
    Shape want_shape;
    for (int d = 0; d < rank; ++d) {
      if (d != ax) want_shape.push_back(shape[d]);
    }
    EXPECT_EQ(out->at(0).shape, want_shape);
    EXPECT_EQ(out->at(0).dtype, out_dtype);
    std::vector<int64_t> want = Reference(is_max, shape, ax, x);
    std::vector<int64_t> got;
    if (out_dtype == DType::kInt32) {
      for (int32_t v : out->at(0).template values<int32_t>()) got.push_back(v);
    } else {
      got = out->at(0).template values<int64_t>();
    }
    EXPECT_EQ(got, want);
  }
}

TEST(ArgMinMaxTest, Float32) { RunRandom<float>(5001); }
TEST(ArgMinMaxTest, Int8) { RunRandom<int8_t>(5002); }
TEST(ArgMinMaxTest, UInt8) { RunRandom<uint8_t>(5003); }
TEST(ArgMinMaxTest, Int32) { RunRandom<int32_t>(5004); }

TEST(ArgMinMaxTest, FirstOccurrenceWinsTies) {
  auto model = BuildModel(true, DType::kFloat32, {1, 5}, 1, DType::kInt32);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({1, 5}, {1, 3, 2, 3, 0})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int32_t>(), (std::vector<int32_t>{1}));
  auto model_min =
      BuildModel(false, DType::kFloat32, {1, 5}, -1, DType::kInt64);
  auto out_min = testing::RunMai(
      model_min, {HostTensor::From<float>({1, 5}, {1, 0, 2, 0, 3})});
  ASSERT_TRUE(out_min.ok()) << out_min.status().message();
  EXPECT_EQ(out_min->at(0).values<int64_t>(), (std::vector<int64_t>{1}));
}

TEST(ArgMinMaxTest, MatchesTflite) {
  Rng rng(5100);
  for (int iter = 0; iter < 8; ++iter) {
    const bool is_max = iter % 2 == 0;
    const DType dtype = iter < 4 ? DType::kFloat32 : DType::kInt8;
    Shape shape = {rng.Int(1, 3), rng.Int(1, 5), rng.Int(2, 7)};
    const int axis = rng.Int(-3, 2);
    auto model = BuildModel(is_max, dtype, shape, axis, DType::kInt32);
    const size_t n = NumElementsUnchecked(shape);
    HostTensor x =
        dtype == DType::kFloat32
            ? HostTensor::From<float>(shape, RandomValues<float>(rng, n))
            : HostTensor::From<int8_t>(shape, RandomValues<int8_t>(rng, n));
    auto ours = testing::RunMai(model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 0))
        << "iter " << iter;
  }
}

TEST(ArgMinMaxTest, RejectsBadAxis) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 3});
  int a = b.AddConstant<int32_t>("axis", {1}, {2});
  int y = b.AddTensor("y", DType::kInt32, Shape{2});
  b.AddOp(ir::OpCode::kArgMax, {x, a}, {y}, ir::ArgMinMaxParams{DType::kInt32});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(!bytes.ok() ||
              !testing::RunMai(*bytes, {HostTensor::From<float>(
                                           {2, 3}, {1, 2, 3, 4, 5, 6})})
                   .ok());
}

}  // namespace
}  // namespace mai

// SLICE: random boxes (size -1 included, int32 and int64 begin/size) for
// every dtype against a coordinate reference, agreement with TFLite, and
// out-of-range boxes rejected.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Quant;
using testing::Rng;
using tflite::ModelBuilder;

const DType kDTypes[] = {DType::kFloat32, DType::kInt8,  DType::kUInt8,
                         DType::kInt16,   DType::kInt32, DType::kInt64,
                         DType::kBool};

HostTensor RandomTensor(Rng& rng, DType dtype, const Shape& shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  const int64_t n = NumElementsUnchecked(shape);
  t.bytes.resize(n * DTypeSize(dtype));
  if (dtype == DType::kFloat32) {
    std::vector<float> v = rng.Floats(n, -10, 10);
    if (n) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  } else {
    for (uint8_t& b : t.bytes)
      b = dtype == DType::kBool ? rng.Int(0, 1) : rng.Int(0, 255);
  }
  return t;
}

ir::QuantParams QuantFor(DType dtype) {
  if (dtype == DType::kInt8) return Quant(0.5f, 4);
  if (dtype == DType::kUInt8) return Quant(0.5f, 120);
  return {};
}

Result<std::vector<uint8_t>> BuildSlice(
    DType dtype, const Shape& shape, const std::vector<int32_t>& begin,
    const std::vector<int32_t>& size, bool int64_indices,
    std::optional<Shape> out_shape = std::nullopt) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int32_t rank = static_cast<int32_t>(begin.size());
  int bi, si;
  if (int64_indices) {
    bi = b.AddConstant<int64_t>(
        "begin", {rank}, std::vector<int64_t>(begin.begin(), begin.end()));
    si = b.AddConstant<int64_t>("size", {rank},
                                std::vector<int64_t>(size.begin(), size.end()));
  } else {
    bi = b.AddConstant<int32_t>("begin", {rank}, begin);
    si = b.AddConstant<int32_t>("size", {rank}, size);
  }
  const int y = b.AddTensor("y", dtype, out_shape, QuantFor(dtype));
  b.AddOp(ir::OpCode::kSlice, {x, bi, si}, {y});
  b.MarkOutput(y);
  return b.Build();
}

HostTensor ReferenceSlice(const HostTensor& in,
                          const std::vector<int32_t>& begin,
                          const std::vector<int32_t>& size) {
  const int rank = static_cast<int>(in.shape.size());
  HostTensor out;
  out.dtype = in.dtype;
  out.shape.resize(rank);
  for (int d = 0; d < rank; ++d)
    out.shape[d] = size[d] == -1 ? in.shape[d] - begin[d] : size[d];
  const size_t es = DTypeSize(in.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  std::vector<int64_t> c(rank);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = rank - 1; d >= 0; --d) {
      c[d] = rem % out.shape[d];
      rem /= out.shape[d];
    }
    int64_t offset = 0;
    for (int d = 0; d < rank; ++d)
      offset = offset * in.shape[d] + begin[d] + c[d];
    std::memcpy(out.bytes.data() + k * es, in.bytes.data() + offset * es, es);
  }
  return out;
}

TEST(SliceTest, HandExample) {
  // Rows 1.., columns 1..2 of a 3x4 iota.
  auto model = BuildSlice(DType::kFloat32, {3, 4}, {1, 1}, {-1, 2}, false);
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<float> x(12);
  for (int i = 0; i < 12; ++i) x[i] = i;
  auto out = testing::RunMai(*model, {HostTensor::From<float>({3, 4}, x)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 2}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{5, 6, 9, 10}));
}

TEST(SliceTest, RandomBoxesEveryDType) {
  Rng rng(601);
  for (int iter = 0; iter < 56; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 5;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 5);
    std::vector<int32_t> begin(rank), size(rank);
    for (int d = 0; d < rank; ++d) {
      begin[d] = rng.Int(0, shape[d]);
      size[d] = rng.Int(0, 3) == 0 ? -1 : rng.Int(0, shape[d] - begin[d]);
    }
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildSlice(dtype, shape, begin, size, iter % 2 == 1);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto out = testing::RunMai(*model, {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected = ReferenceSlice(x, begin, size);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes) << "iteration " << iter;
  }
}

TEST(SliceTest, MatchesTflite) {
  Rng rng(602);
  for (int iter = 0; iter < 12; ++iter) {
    const DType dtype = std::vector<DType>{
        DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}[iter % 4];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 6);
    std::vector<int32_t> begin(rank), size(rank);
    for (int d = 0; d < rank; ++d) {
      begin[d] = rng.Int(0, shape[d] - 1);
      size[d] = rng.Int(0, 2) == 0 ? -1 : rng.Int(1, shape[d] - begin[d]);
    }
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildSlice(dtype, shape, begin, size, iter % 3 == 0);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ours = testing::RunMai(*model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(*model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape) << "iteration " << iter;
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << "iteration " << iter;
  }
}

TEST(SliceTest, RejectsOutOfRangeBoxes) {
  struct Case {
    std::vector<int32_t> begin, size;
  };
  for (const Case& c :
       {Case{{-1, 0}, {1, 1}}, Case{{2, 0}, {2, 1}}, Case{{0, 0}, {1, -2}},
        Case{{4, 0}, {-1, 1}}, Case{{0}, {1}}}) {
    auto model = BuildSlice(DType::kFloat32, {3, 4}, c.begin, c.size, false,
                            Shape{1, 1});
    if (!model.ok()) continue;
    auto out = testing::RunMai(
        *model, {HostTensor::From<float>({3, 4}, std::vector<float>(12))});
    EXPECT_FALSE(out.ok()) << "begin " << c.begin[0] << " size " << c.size[0];
  }
}

}  // namespace
}  // namespace mai

// SPLIT (axis is input 0) and SPLIT_V (size_splits with one -1, zero-sized
// pieces): random shapes/axes for every dtype against a coordinate
// reference, agreement with TFLite, and bad splits rejected.
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

std::vector<uint8_t> BuildSplit(DType dtype, const Shape& shape, int axis,
                                int num) {
  ModelBuilder b;
  const int a = b.AddConstant<int32_t>("axis", {}, {axis});
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  std::vector<int> outputs;
  for (int i = 0; i < num; ++i) {
    outputs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                  QuantFor(dtype)));
  }
  b.AddOp(ir::OpCode::kSplit, {a, x}, outputs, ir::SplitParams{num});
  for (int y : outputs) b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

std::vector<uint8_t> BuildSplitV(DType dtype, const Shape& shape, int axis,
                                 const std::vector<int32_t>& sizes) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  const int s = b.AddConstant<int32_t>(
      "sizes", {static_cast<int32_t>(sizes.size())}, sizes);
  const int a = b.AddConstant<int32_t>("axis", {}, {axis});
  std::vector<int> outputs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    outputs.push_back(b.AddTensor("y" + std::to_string(i), dtype, std::nullopt,
                                  QuantFor(dtype)));
  }
  b.AddOp(ir::OpCode::kSplitV, {x, s, a}, outputs,
          ir::SplitParams{static_cast<int32_t>(sizes.size())});
  for (int y : outputs) b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Piece i holds input coordinates whose axis index is in [start_i, start_i +
// size_i).
std::vector<HostTensor> ReferenceSplit(const HostTensor& in, int axis,
                                       const std::vector<int32_t>& sizes) {
  const int rank = static_cast<int>(in.shape.size());
  if (axis < 0) axis += rank;
  const size_t es = DTypeSize(in.dtype);
  std::vector<HostTensor> pieces;
  int32_t start = 0;
  for (int32_t size : sizes) {
    HostTensor p;
    p.dtype = in.dtype;
    p.shape = in.shape;
    p.shape[axis] = size;
    const int64_t n = NumElementsUnchecked(p.shape);
    p.bytes.resize(n * es);
    std::vector<int64_t> c(rank);
    for (int64_t k = 0; k < n; ++k) {
      int64_t rem = k;
      for (int d = rank - 1; d >= 0; --d) {
        c[d] = rem % p.shape[d];
        rem /= p.shape[d];
      }
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d) {
        offset = offset * in.shape[d] + (d == axis ? c[d] + start : c[d]);
      }
      std::memcpy(p.bytes.data() + k * es, in.bytes.data() + offset * es, es);
    }
    pieces.push_back(p);
    start += size;
  }
  return pieces;
}

void ExpectPieces(const std::vector<HostTensor>& got,
                  const std::vector<HostTensor>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].shape, want[i].shape) << what << " piece " << i;
    EXPECT_EQ(got[i].bytes, want[i].bytes) << what << " piece " << i;
  }
}

TEST(SplitTest, HandExample) {
  auto model = BuildSplit(DType::kFloat32, {2, 4}, 1, 2);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{0, 1, 4, 5}));
  EXPECT_EQ(out->at(1).values<float>(), (std::vector<float>{2, 3, 6, 7}));
}

TEST(SplitTest, RandomEveryDType) {
  Rng rng(501);
  for (int iter = 0; iter < 35; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 3);
    const int axis = rng.Int(-rank, rank - 1);
    const int num = rng.Int(1, 3);
    shape[axis < 0 ? axis + rank : axis] *= num;
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto out = testing::RunMai(BuildSplit(dtype, shape, axis, num), {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<int32_t> sizes(
        num, shape[axis < 0 ? axis + rank : axis] / num);
    ExpectPieces(*out, ReferenceSplit(x, axis, sizes),
                 "iteration " + std::to_string(iter));
  }
}

TEST(SplitVTest, RandomSizesWithInferredAndZeroPieces) {
  Rng rng(502);
  for (int iter = 0; iter < 35; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 3);
    const int axis = rng.Int(-rank, rank - 1);
    const int num = rng.Int(1, 4);
    std::vector<int32_t> sizes(num);
    int32_t total = 0;
    for (int32_t& s : sizes) total += (s = rng.Int(0, 3));
    shape[axis < 0 ? axis + rank : axis] = total;
    std::vector<int32_t> spec = sizes;
    if (iter % 2 == 0) spec[rng.Int(0, num - 1)] = -1;
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto out = testing::RunMai(BuildSplitV(dtype, shape, axis, spec), {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ExpectPieces(*out, ReferenceSplit(x, axis, sizes),
                 "iteration " + std::to_string(iter));
  }
}

TEST(SplitTest, MatchesTflite) {
  Rng rng(503);
  for (DType dtype :
       {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}) {
    const HostTensor x = RandomTensor(rng, dtype, {2, 6, 3});
    for (const auto& model : {BuildSplit(dtype, x.shape, -2, 3),
                              BuildSplitV(dtype, x.shape, 1, {1, -1, 2})}) {
      auto ours = testing::RunMai(model, {x});
      ASSERT_TRUE(ours.ok()) << ours.status().message();
      auto theirs = testing::RunTflite(model, {x});
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      ExpectPieces(*ours, *theirs, std::string(DTypeName(dtype)));
    }
  }
}

TEST(SplitTest, RejectsBadSplits) {
  // SPLIT of 5 into 2.
  {
    ModelBuilder b;
    const int a = b.AddConstant<int32_t>("axis", {}, {0});
    const int x = b.AddInput("x", DType::kFloat32, {5});
    const int y0 = b.AddTensor("y0", DType::kFloat32, Shape{2});
    const int y1 = b.AddTensor("y1", DType::kFloat32, Shape{2});
    b.AddOp(ir::OpCode::kSplit, {a, x}, {y0, y1}, ir::SplitParams{2});
    b.MarkOutput(y0);
    b.MarkOutput(y1);
    auto model = b.Build();
    if (model.ok()) {
      EXPECT_FALSE(testing::RunMai(*model, {HostTensor::From<float>(
                                               {5}, std::vector<float>(5))})
                       .ok());
    }
  }
  // SPLIT_V: two -1, a sum that differs, an axis out of range.
  struct Case {
    std::vector<int32_t> sizes;
    int axis;
  };
  for (const Case& c : {Case{{-1, -1}, 0}, Case{{2, 2}, 0}, Case{{1, 2}, 0},
                        Case{{2, 3}, 2}, Case{{-2, 7}, 0}}) {
    ModelBuilder b;
    const int x = b.AddInput("x", DType::kFloat32, {5, 1});
    const int s = b.AddConstant<int32_t>("sizes", {2}, c.sizes);
    const int a = b.AddConstant<int32_t>("axis", {}, {c.axis});
    const int y0 = b.AddTensor("y0", DType::kFloat32, Shape{2, 1});
    const int y1 = b.AddTensor("y1", DType::kFloat32, Shape{3, 1});
    b.AddOp(ir::OpCode::kSplitV, {x, s, a}, {y0, y1}, ir::SplitParams{2});
    b.MarkOutput(y0);
    b.MarkOutput(y1);
    auto model = b.Build();
    if (!model.ok()) continue;
    EXPECT_FALSE(testing::RunMai(*model, {HostTensor::From<float>(
                                             {5, 1}, std::vector<float>(5))})
                     .ok())
        << c.sizes[0] << "," << c.sizes[1] << " axis " << c.axis;
  }
}

}  // namespace
}  // namespace mai

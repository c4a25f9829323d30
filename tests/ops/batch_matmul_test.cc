// BATCH_MATMUL: fp32 against double-precision math written here (adjoints,
// broadcast batch dims, ranks 2 to 5); int8 against real TensorFlow Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

struct BmmCase {
  Shape batch_a, batch_b;  // leading dims of lhs / rhs
  int m = 2, k = 3, n = 4;
  bool adj_x = false, adj_y = false;
};

Shape LhsShape(const BmmCase& c) {
  Shape s = c.batch_a;
  s.push_back(c.adj_x ? c.k : c.m);
  s.push_back(c.adj_x ? c.m : c.k);
  return s;
}
Shape RhsShape(const BmmCase& c) {
  Shape s = c.batch_b;
  s.push_back(c.adj_y ? c.n : c.k);
  s.push_back(c.adj_y ? c.k : c.n);
  return s;
}
Shape OutBatch(const BmmCase& c) {
  const size_t r = std::max(c.batch_a.size(), c.batch_b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const size_t ia = i + c.batch_a.size(), ib = i + c.batch_b.size();
    const int a = ia >= r ? c.batch_a[ia - r] : 1;
    const int b = ib >= r ? c.batch_b[ib - r] : 1;
    out[i] = std::max(a, b);
  }
  return out;
}
Shape OutShape(const BmmCase& c) {
  Shape s = OutBatch(c);
  s.push_back(c.m);
  s.push_back(c.n);
  return s;
}

// Flat offset of batch index `idx` (of the broadcast output batch) in an
// operand with batch dims `dims`.
int64_t BatchOffset(const Shape& out_batch, const Shape& dims, int64_t idx,
                    int64_t matrix) {
  std::vector<int> coord(out_batch.size());
  for (int i = static_cast<int>(out_batch.size()) - 1; i >= 0; --i) {
    coord[i] = static_cast<int>(idx % out_batch[i]);
    idx /= out_batch[i];
  }
  int64_t off = 0;
  const size_t shift = out_batch.size() - dims.size();
  for (size_t i = 0; i < dims.size(); ++i) {
    off = off * dims[i] + (dims[i] == 1 ? 0 : coord[i + shift]);
  }
  return off * matrix;
}

std::vector<double> ReferenceBmm(const BmmCase& c, const std::vector<double>& a,
                                 const std::vector<double>& b) {
  const Shape ob = OutBatch(c);
  const int64_t batches = NumElementsUnchecked(ob);
  std::vector<double> out;
  for (int64_t t = 0; t < batches; ++t) {
    const int64_t ao = BatchOffset(ob, c.batch_a, t, c.m * c.k);
    const int64_t bo = BatchOffset(ob, c.batch_b, t, c.k * c.n);
    for (int i = 0; i < c.m; ++i)
      for (int j = 0; j < c.n; ++j) {
        double acc = 0;
        for (int kk = 0; kk < c.k; ++kk) {
          const double x =
              c.adj_x ? a[ao + kk * c.m + i] : a[ao + i * c.k + kk];
          const double y =
              c.adj_y ? b[bo + j * c.k + kk] : b[bo + kk * c.n + j];
          acc += x * y;
        }
        out.push_back(acc);
      }
  }
  return out;
}

::testing::Message Describe(const BmmCase& c) {
  return ::testing::Message()
         << "lhs " << ShapeToString(LhsShape(c)) << " rhs "
         << ShapeToString(RhsShape(c)) << " adj " << c.adj_x << c.adj_y;
}

void RunFloatCase(const BmmCase& c, Rng& rng, bool rhs_constant) {
  SCOPED_TRACE(Describe(c) << " const rhs " << rhs_constant);
  std::vector<float> a = rng.Floats(NumElementsUnchecked(LhsShape(c)));
  std::vector<float> bv = rng.Floats(NumElementsUnchecked(RhsShape(c)));
  tflite::ModelBuilder b;
  int x = b.AddInput("a", DType::kFloat32, LhsShape(c));
  int yin = rhs_constant ? b.AddConstant<float>("b", RhsShape(c), bv)
                         : b.AddInput("b", DType::kFloat32, RhsShape(c));
  int out = b.AddTensor("out", DType::kFloat32, OutShape(c));
  ir::BatchMatMulParams p;
  p.adj_x = c.adj_x;
  p.adj_y = c.adj_y;
  b.AddOp(ir::OpCode::kBatchMatmul, {x, yin}, {out}, p);
  b.MarkOutput(out);
  auto model = b.Build();
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<HostTensor> inputs = {HostTensor::From<float>(LhsShape(c), a)};
  if (!rhs_constant) inputs.push_back(HostTensor::From<float>(RhsShape(c), bv));
  auto res = testing::RunMai(*model, inputs);
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->at(0).shape, OutShape(c));
  EXPECT_TRUE(testing::NearRelative(
      res->at(0).values<float>(),
      ReferenceBmm(c, std::vector<double>(a.begin(), a.end()),
                   std::vector<double>(bv.begin(), bv.end()))));
}

TEST(BatchMatMulTest, HandComputed) {
  // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]; with adj_y the rhs
  // is transposed: [[1,2],[3,4]] x [[5,7],[6,8]] = [[17,23],[39,53]].
  for (bool adj_y : {false, true}) {
    tflite::ModelBuilder b;
    int x = b.AddInput("a", DType::kFloat32, {2, 2});
    int y = b.AddInput("b", DType::kFloat32, {2, 2});
    int out = b.AddTensor("out", DType::kFloat32, Shape{2, 2});
    ir::BatchMatMulParams p;
    p.adj_y = adj_y;
    b.AddOp(ir::OpCode::kBatchMatmul, {x, y}, {out}, p);
    b.MarkOutput(out);
    auto model = b.Build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto res = testing::RunMai(*model,
                               {HostTensor::From<float>({2, 2}, {1, 2, 3, 4}),
                                HostTensor::From<float>({2, 2}, {5, 6, 7, 8})});
    ASSERT_TRUE(res.ok()) << res.status().message();
    EXPECT_EQ(res->at(0).values<float>(),
              adj_y ? (std::vector<float>{17, 23, 39, 53})
                    : (std::vector<float>{19, 22, 43, 50}));
  }
}

BmmCase RandomCase(Rng& rng) {
  BmmCase c;
  const int ra = rng.Int(0, 3), rb = rng.Int(0, 3);
  const int r = std::max(ra, rb);
  Shape full(r);
  for (int& d : full) d = rng.Int(1, 3);
  for (int i = r - ra; i < r; ++i)
    c.batch_a.push_back(rng.Int(0, 2) ? full[i] : 1);
  for (int i = r - rb; i < r; ++i)
    c.batch_b.push_back(rng.Int(0, 2) ? full[i] : 1);
  c.m = rng.Int(1, 6);
  c.k = rng.Int(1, 7);
  c.n = rng.Int(1, 6);
  c.adj_x = rng.Int(0, 1) == 1;
  c.adj_y = rng.Int(0, 1) == 1;
  return c;
}

TEST(BatchMatMulTest, FloatRandomBroadcastAndAdjoint) {
  Rng rng(4711);
  for (int iter = 0; iter < 60; ++iter) {
    RunFloatCase(RandomCase(rng), rng, /*rhs_constant=*/iter % 2 == 0);
  }
}

TEST(BatchMatMulTest, Rank5) {
  Rng rng(9);
  BmmCase c;
  c.batch_a = {2, 1, 3};
  c.batch_b = {1, 2, 1};
  c.adj_x = true;
  RunFloatCase(c, rng, false);
}

TEST(BatchMatMulTest, Int8MatchesTflite) {
  Rng rng(314);
  for (int iter = 0; iter < 12; ++iter) {
    BmmCase c = RandomCase(rng);
    SCOPED_TRACE(Describe(c));
    const float sa = rng.Uniform(0.01f, 0.05f), sb = rng.Uniform(0.01f, 0.05f);
    const int za = rng.Int(-20, 20), zb = rng.Int(-20, 20);
    std::vector<int8_t> a =
        rng.Ints<int8_t>(NumElementsUnchecked(LhsShape(c)), -128, 127);
    std::vector<int8_t> bv =
        rng.Ints<int8_t>(NumElementsUnchecked(RhsShape(c)), -128, 127);
    std::vector<double> ar, br;
    for (int8_t v : a) ar.push_back(sa * (v - za));
    for (int8_t v : bv) br.push_back(sb * (v - zb));
    double max_abs = 1e-3;
    for (double v : ReferenceBmm(c, ar, br))
      max_abs = std::max(max_abs, std::fabs(v));
    const float so = static_cast<float>(max_abs / 100.0);
    const int zo = rng.Int(-10, 10);

    tflite::ModelBuilder b;
    int x = b.AddInput("a", DType::kInt8, LhsShape(c), testing::Quant(sa, za));
    int y = iter % 2 == 0 ? b.AddConstant<int8_t>("b", RhsShape(c), bv,
                                                  testing::Quant(sb, zb))
                          : b.AddInput("b", DType::kInt8, RhsShape(c),
                                       testing::Quant(sb, zb));
    int out =
        b.AddTensor("out", DType::kInt8, OutShape(c), testing::Quant(so, zo));
    ir::BatchMatMulParams p;
    p.adj_x = c.adj_x;
    p.adj_y = c.adj_y;
    b.AddOp(ir::OpCode::kBatchMatmul, {x, y}, {out}, p);
    b.MarkOutput(out);
    auto model = b.Build();
    ASSERT_TRUE(model.ok()) << model.status().message();
    std::vector<HostTensor> inputs = {HostTensor::From<int8_t>(LhsShape(c), a)};
    if (iter % 2 == 1)
      inputs.push_back(HostTensor::From<int8_t>(RhsShape(c), bv));
    auto ours = testing::RunMai(*model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(*model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  }
}

TEST(BatchMatMulTest, RejectsInnerDimMismatch) {
  tflite::ModelBuilder b;
  int x = b.AddInput("a", DType::kFloat32, {2, 3});
  int y = b.AddInput("b", DType::kFloat32, {4, 2});
  int out = b.AddTensor("out", DType::kFloat32, Shape{2, 2});
  b.AddOp(ir::OpCode::kBatchMatmul, {x, y}, {out}, ir::BatchMatMulParams{});
  b.MarkOutput(out);
  auto model = b.Build();
  if (!model.ok()) return;
  auto res = testing::RunMai(
      *model, {HostTensor::From<float>({2, 3}, std::vector<float>(6)),
               HostTensor::From<float>({4, 2}, std::vector<float>(8))});
  EXPECT_FALSE(res.ok());
}

TEST(BatchMatMulTest, RejectsNonBroadcastableBatch) {
  tflite::ModelBuilder b;
  int x = b.AddInput("a", DType::kFloat32, {2, 2, 3});
  int y = b.AddInput("b", DType::kFloat32, {3, 3, 2});
  int out = b.AddTensor("out", DType::kFloat32, Shape{3, 2, 2});
  b.AddOp(ir::OpCode::kBatchMatmul, {x, y}, {out}, ir::BatchMatMulParams{});
  b.MarkOutput(out);
  auto model = b.Build();
  if (!model.ok()) return;
  auto res = testing::RunMai(
      *model, {HostTensor::From<float>({2, 2, 3}, std::vector<float>(12)),
               HostTensor::From<float>({3, 3, 2}, std::vector<float>(18))});
  EXPECT_FALSE(res.ok());
}

}  // namespace
}  // namespace mai

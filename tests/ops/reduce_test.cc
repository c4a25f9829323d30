// MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD: fp32 and int32 against
// reductions written here (double precision), int8/uint8 against TensorFlow
// Lite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using testing::HostTensor;
using testing::Rng;

std::vector<uint8_t> BuildReduceModel(ir::OpCode op, DType dtype,
                                      const Shape& input,
                                      const std::vector<int32_t>& axes,
                                      bool keep_dims,
                                      const ir::QuantParams& in_quant = {},
                                      const ir::QuantParams& out_quant = {}) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", dtype, input, in_quant);
  int a =
      b.AddConstant<int32_t>("axes", {static_cast<int32_t>(axes.size())}, axes);
  int y = b.AddTensor("y", dtype, std::nullopt, out_quant);
  b.AddOp(op, {x, a}, {y}, ir::ReducerParams{keep_dims});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Reference reduction in double: returns the output values and shape.
std::vector<double> Reference(ir::OpCode op, const Shape& shape,
                              const std::vector<double>& x,
                              const std::vector<int32_t>& axes, bool keep_dims,
                              Shape* out_shape) {
  const int rank = static_cast<int>(shape.size());
  std::vector<bool> reduced(rank, false);
  for (int a : axes) reduced[a < 0 ? a + rank : a] = true;
  out_shape->clear();
  Shape kept;  // output dims in full rank (1 for reduced)
  for (int d = 0; d < rank; ++d) {
    kept.push_back(reduced[d] ? 1 : shape[d]);
    if (!reduced[d])
      out_shape->push_back(shape[d]);
    else if (keep_dims)
      out_shape->push_back(1);
  }
  const int64_t n_out = NumElementsUnchecked(kept);
  std::vector<double> acc(n_out);
  std::vector<int64_t> count(n_out, 0);
  std::vector<int> idx(rank, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < rank; ++d) o = o * kept[d] + (reduced[d] ? 0 : idx[d]);
    if (count[o] == 0) {
      acc[o] = x[i];
    } else if (op == ir::OpCode::kReduceMax) {
      acc[o] = std::max(acc[o], x[i]);
    } else if (op == ir::OpCode::kReduceMin) {
      acc[o] = std::min(acc[o], x[i]);
    } else if (op == ir::OpCode::kReduceProd) {
      acc[o] *= x[i];
    } else {
      acc[o] += x[i];
    }
    ++count[o];
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  if (op == ir::OpCode::kMean) {
    for (int64_t o = 0; o < n_out; ++o) acc[o] /= count[o];
  }
  return acc;
}

// Random shape of rank 1..4 and a random set of axes (possibly negative or
// duplicated).
void RandomProblem(Rng& rng, Shape* shape, std::vector<int32_t>* axes) {
  const int rank = rng.Int(1, 4);
  shape->clear();
  for (int d = 0; d < rank; ++d) shape->push_back(rng.Int(1, 5));
  axes->clear();
  const int n = rng.Int(1, rank + 1);
  for (int i = 0; i < n; ++i) {
    int a = rng.Int(0, rank - 1);
    if (rng.Int(0, 1)) a -= rank;
    axes->push_back(a);
  }
}

const ir::OpCode kAllOps[] = {ir::OpCode::kMean, ir::OpCode::kSum,
                              ir::OpCode::kReduceMax, ir::OpCode::kReduceMin,
                              ir::OpCode::kReduceProd};

class ReduceFloatTest : public ::testing::TestWithParam<ir::OpCode> {};

TEST_P(ReduceFloatTest, RandomAxesMatchDoubleReference) {
  const ir::OpCode op = GetParam();
  Rng rng(2000 + static_cast<int>(op));
  for (int iter = 0; iter < 30; ++iter) {
    Shape shape;
    std::vector<int32_t> axes;
    RandomProblem(rng, &shape, &axes);
    const bool keep = rng.Int(0, 1);
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " shape " << ShapeToString(shape)
                 << " axes " << ::testing::PrintToString(axes) << " keep "
                 << keep);
    auto model = BuildReduceModel(op, DType::kFloat32, shape, axes, keep);
    const float lo = op == ir::OpCode::kReduceProd ? 0.5f : -4.0f;
    const float hi = op == ir::OpCode::kReduceProd ? 1.5f : 4.0f;
    std::vector<float> x = rng.Floats(NumElementsUnchecked(shape), lo, hi);
    auto out = testing::RunMai(model, {HostTensor::From<float>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    Shape want_shape;
    std::vector<double> want =
        Reference(op, shape, std::vector<double>(x.begin(), x.end()), axes,
                  keep, &want_shape);
    EXPECT_EQ(out->at(0).shape, want_shape);
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), want, 1e-5));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, ReduceFloatTest, ::testing::ValuesIn(kAllOps));

class ReduceInt32Test : public ::testing::TestWithParam<ir::OpCode> {};

TEST_P(ReduceInt32Test, RandomAxesMatchExactReference) {
  const ir::OpCode op = GetParam();
  Rng rng(2100 + static_cast<int>(op));
  for (int iter = 0; iter < 20; ++iter) {
    Shape shape;
    std::vector<int32_t> axes;
    RandomProblem(rng, &shape, &axes);
    const bool keep = rng.Int(0, 1);
    auto model = BuildReduceModel(op, DType::kInt32, shape, axes, keep);
    const int lim = op == ir::OpCode::kReduceProd ? 1 : 1000;
    std::vector<int32_t> x =
        rng.Ints<int32_t>(NumElementsUnchecked(shape), -lim, lim);
    auto out = testing::RunMai(model, {HostTensor::From<int32_t>(shape, x)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    Shape want_shape;
    std::vector<double> want =
        Reference(op, shape, std::vector<double>(x.begin(), x.end()), axes,
                  keep, &want_shape);
    EXPECT_EQ(out->at(0).shape, want_shape);
    std::vector<int32_t> got = out->at(0).values<int32_t>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      // Integer MEAN truncates toward zero.
      EXPECT_EQ(got[i], static_cast<int32_t>(std::trunc(want[i]))) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, ReduceInt32Test, ::testing::ValuesIn(kAllOps));

struct QuantReduceParam {
  ir::OpCode op;
  DType dtype;
  bool same_quant;  // output quantization equal to the input's
};

class ReduceQuantizedTest : public ::testing::TestWithParam<QuantReduceParam> {
};

TEST_P(ReduceQuantizedTest, RandomAxesMatchTflite) {
  const QuantReduceParam p = GetParam();
  Rng rng(2200 + static_cast<int>(p.op) * 4 + static_cast<int>(p.dtype) +
          (p.same_quant ? 100 : 0));
  const bool is_int8 = p.dtype == DType::kInt8;
  for (int iter = 0; iter < 20; ++iter) {
    Shape shape;
    std::vector<int32_t> axes;
    RandomProblem(rng, &shape, &axes);
    // 4D spatial means take special paths in TFLite: cover them too.
    if (iter % 5 == 0) {
      shape = {rng.Int(1, 2), rng.Int(1, 6), rng.Int(1, 6), rng.Int(1, 6)};
      axes = {1, 2};
    }
    const bool keep = iter % 5 == 0 ? true : rng.Int(0, 1);
    SCOPED_TRACE(::testing::Message()
                 << "iter " << iter << " shape " << ShapeToString(shape)
                 << " axes " << ::testing::PrintToString(axes) << " keep "
                 << keep);
    const float in_scale = rng.Uniform(0.01f, 0.05f);
    const int in_zp = is_int8 ? rng.Int(-10, 10) : rng.Int(118, 138);
    ir::QuantParams in_q = testing::Quant(in_scale, in_zp);
    ir::QuantParams out_q = in_q;
    const int64_t n = NumElementsUnchecked(shape);
    int64_t count = 1;  // elements per output
    {
      std::vector<bool> reduced(shape.size(), false);
      for (int a : axes) reduced[a < 0 ? a + shape.size() : a] = true;
      for (size_t d = 0; d < shape.size(); ++d) {
        if (reduced[d]) count *= shape[d];
      }
    }
    int lo = is_int8 ? -128 : 0, hi = is_int8 ? 127 : 255;
    if (!p.same_quant) {
      // A SUM output scale that holds any sum without saturating (TFLite
      // wraps sums that overflow).
      const float ratio =
          p.op == ir::OpCode::kSum
              ? 1.25f * static_cast<float>(count) * rng.Uniform(1.0f, 1.6f)
              : rng.Uniform(0.6f, 1.6f);
      out_q = testing::Quant(in_scale * ratio,
                             is_int8 ? rng.Int(-10, 10) : rng.Int(118, 138));
    } else if (p.op == ir::OpCode::kSum) {
      // Raw sums of the quantized values must stay in range.
      const int m = static_cast<int>(100 / count);
      if (m == 0) continue;
      lo = is_int8 ? -std::min(m, 128) : 0;
      hi = std::min(m, 127);
    }
    auto model =
        BuildReduceModel(p.op, p.dtype, shape, axes, keep, in_q, out_q);
    HostTensor x =
        is_int8
            ? HostTensor::From<int8_t>(shape, rng.Ints<int8_t>(n, lo, hi))
            : HostTensor::From<uint8_t>(shape, rng.Ints<uint8_t>(n, lo, hi));
    auto ours = testing::RunMai(model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, ReduceQuantizedTest,
    ::testing::Values(
        QuantReduceParam{ir::OpCode::kMean, DType::kInt8, false},
        QuantReduceParam{ir::OpCode::kMean, DType::kInt8, true},
        QuantReduceParam{ir::OpCode::kMean, DType::kUInt8, false},
        QuantReduceParam{ir::OpCode::kMean, DType::kUInt8, true},
        QuantReduceParam{ir::OpCode::kSum, DType::kInt8, false},
        QuantReduceParam{ir::OpCode::kSum, DType::kInt8, true},
        QuantReduceParam{ir::OpCode::kSum, DType::kUInt8, false},
        QuantReduceParam{ir::OpCode::kSum, DType::kUInt8, true},
        QuantReduceParam{ir::OpCode::kReduceMax, DType::kInt8, true},
        QuantReduceParam{ir::OpCode::kReduceMax, DType::kUInt8, true},
        QuantReduceParam{ir::OpCode::kReduceMin, DType::kInt8, true},
        QuantReduceParam{ir::OpCode::kReduceMin, DType::kUInt8, true}));

TEST(ReduceQuantizedTest, Int8ProdMatchesTflite) {
  Rng rng(2300);
  for (int iter = 0; iter < 15; ++iter) {
    Shape shape = {rng.Int(1, 3), rng.Int(1, 4), rng.Int(1, 3)};
    std::vector<int32_t> axes = {rng.Int(-3, 2)};
    const bool keep = rng.Int(0, 1);
    // TFLite computes a reduction over size-1 axes only (a no-op) while
    // preparing, before the input is set, and returns garbage: keep the
    // reduced axis longer than 1 for the comparison.
    int& reduced = shape[axes[0] < 0 ? axes[0] + 3 : axes[0]];
    reduced = std::max(reduced, 2);
    const int64_t n = NumElementsUnchecked(shape);
    // Values in [-2, 2] real; the product of up to 4 stays within [-16, 16].
    ir::QuantParams in_q = testing::Quant(2.0f / 127, 0);
    ir::QuantParams out_q = testing::Quant(
        std::pow(2.0f, static_cast<float>(reduced)) / 127, rng.Int(-3, 3));
    auto model = BuildReduceModel(ir::OpCode::kReduceProd, DType::kInt8, shape,
                                  axes, keep, in_q, out_q);
    HostTensor x =
        HostTensor::From<int8_t>(shape, rng.Ints<int8_t>(n, -127, 127));
    auto ours = testing::RunMai(model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 1))
        << "iter " << iter << " shape " << ShapeToString(shape);
  }
}

TEST(ReduceQuantizedTest, ProdOverSizeOneAxisRequantizes) {
  // Reducing a size-1 axis multiplies nothing: each value is requantized
  // from scale 0.1 to 0.2 (zero point 3): q -> round(q / 2) + 3.
  auto model =
      BuildReduceModel(ir::OpCode::kReduceProd, DType::kInt8, {2, 1}, {1},
                       false, testing::Quant(0.1f, 0), testing::Quant(0.2f, 3));
  auto out =
      testing::RunMai(model, {HostTensor::From<int8_t>({2, 1}, {40, -60})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(), (std::vector<int8_t>{23, -27}));
}

TEST(ReduceQuantizedTest, MeanWithSameQuantizationTruncates) {
  // TFLite divides the raw sum, truncating toward zero: (-1 - 2) / 2 -> -1,
  // (5 + 6) / 2 -> 5.
  const ir::QuantParams q = testing::Quant(0.5f, 0);
  auto model = BuildReduceModel(ir::OpCode::kMean, DType::kInt8, {2, 2}, {1},
                                false, q, q);
  auto out = testing::RunMai(
      model, {HostTensor::From<int8_t>({2, 2}, {-1, -2, 5, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int8_t>(), (std::vector<int8_t>{-1, 5}));
}

TEST(ReduceQuantizedTest, MeanRequantizes) {
  // uint8 scale 0.5 zp 128 -> scale 0.25 zp 100: values 130, 136 are 1.0
  // and 4.0, mean 2.5 -> 10 steps + 100 = 110.
  auto model =
      BuildReduceModel(ir::OpCode::kMean, DType::kUInt8, {1, 2}, {-1}, true,
                       testing::Quant(0.5f, 128), testing::Quant(0.25f, 100));
  auto out =
      testing::RunMai(model, {HostTensor::From<uint8_t>({1, 2}, {130, 136})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{1, 1}));
  EXPECT_EQ(out->at(0).values<uint8_t>(), (std::vector<uint8_t>{110}));
}

TEST(ReduceQuantizedTest, MaxRejectsDifferentQuantization) {
  auto model =
      BuildReduceModel(ir::OpCode::kReduceMax, DType::kInt8, {2, 2}, {0}, false,
                       testing::Quant(0.5f, 0), testing::Quant(0.25f, 0));
  EXPECT_FALSE(
      testing::RunMai(model, {HostTensor::From<int8_t>({2, 2}, {1, 2, 3, 4})})
          .ok());
}

TEST(ReduceTest, MeanOfKnownValues) {
  // [[1, 2, 3], [4, 5, 6]]: mean over axis -1 with keep_dims -> [[2], [5]].
  auto model =
      BuildReduceModel(ir::OpCode::kMean, DType::kFloat32, {2, 3}, {-1}, true);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 1}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{2, 5}));
}

TEST(ReduceTest, DuplicateAxesReduceOnce) {
  auto model = BuildReduceModel(ir::OpCode::kSum, DType::kFloat32, {2, 3},
                                {0, -2, 0}, false);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{5, 7, 9}));
}

TEST(ReduceTest, AllAxesGiveScalar) {
  auto model = BuildReduceModel(ir::OpCode::kReduceMax, DType::kFloat32, {2, 2},
                                {0, 1}, false);
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({2, 2}, {-3, 7, 2, -9})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{7}));
}

TEST(ReduceTest, RejectsOutOfRangeAxis) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 3});
  int a = b.AddConstant<int32_t>("axes", {1}, {2});
  int y = b.AddTensor("y", DType::kFloat32, Shape{2});
  b.AddOp(ir::OpCode::kMean, {x, a}, {y}, ir::ReducerParams{false});
  b.MarkOutput(y);
  auto bytes = b.Build();
  // Refused at build time or by mai.
  EXPECT_TRUE(!bytes.ok() ||
              !testing::RunMai(*bytes, {HostTensor::From<float>(
                                           {2, 3}, {1, 2, 3, 4, 5, 6})})
                   .ok());
}

TEST(ReduceTest, RejectsNonConstantAxis) {
  tflite::ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2, 3});
  int a = b.AddInput("axes", DType::kInt32, {1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{2});
  b.AddOp(ir::OpCode::kSum, {x, a}, {y}, ir::ReducerParams{false});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(!bytes.ok() ||
              !testing::RunMai(
                   *bytes, {HostTensor::From<float>({2, 3}, {1, 2, 3, 4, 5, 6}),
                            HostTensor::From<int32_t>({1}, {1})})
                   .ok());
}

}  // namespace
}  // namespace mai

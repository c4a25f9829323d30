// CONCATENATION: random ranks/axes (negative too) and input counts for every
// dtype against a coordinate-by-coordinate reference; fused activations
// against double math; quantized inputs with other scales/zero points
// against double math and (uint8) against TFLite; bad shapes rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
    std::vector<float> v = rng.Floats(n, -8, 8);
    if (n) std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  } else {
    for (uint8_t& b : t.bytes)
      b = dtype == DType::kBool ? rng.Int(0, 1) : rng.Int(0, 255);
  }
  return t;
}

std::vector<uint8_t> BuildConcat(DType dtype, const std::vector<Shape>& shapes,
                                 int axis,
                                 ir::Activation act = ir::Activation::kNone,
                                 const std::vector<ir::QuantParams>& in_q = {},
                                 const ir::QuantParams& out_q = {}) {
  ModelBuilder b;
  std::vector<int> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(b.AddInput("x" + std::to_string(i), dtype, shapes[i],
                                in_q.empty() ? ir::QuantParams{} : in_q[i]));
  }
  const int y = b.AddTensor("y", dtype, std::nullopt, out_q);
  b.AddOp(ir::OpCode::kConcatenation, inputs, {y},
          ir::ConcatenationParams{axis, act});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// Output coordinate c comes from the input whose axis range holds c[axis].
HostTensor ReferenceConcat(const std::vector<HostTensor>& ins, int axis) {
  const int rank = static_cast<int>(ins[0].shape.size());
  if (axis < 0) axis += rank;
  HostTensor out;
  out.dtype = ins[0].dtype;
  out.shape = ins[0].shape;
  out.shape[axis] = 0;
  for (const HostTensor& t : ins) out.shape[axis] += t.shape[axis];
  const size_t es = DTypeSize(out.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  std::vector<int64_t> c(rank);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = rank - 1; d >= 0; --d) {
      c[d] = rem % out.shape[d];
      rem /= out.shape[d];
    }
    int64_t a = c[axis];
    size_t which = 0;
    while (a >= ins[which].shape[axis]) a -= ins[which++].shape[axis];
    const HostTensor& src = ins[which];
    int64_t offset = 0;
    for (int d = 0; d < rank; ++d)
      offset = offset * src.shape[d] + (d == axis ? a : c[d]);
    std::memcpy(out.bytes.data() + k * es, src.bytes.data() + offset * es, es);
  }
  return out;
}

std::vector<HostTensor> RandomInputs(Rng& rng, DType dtype, const Shape& base,
                                     int axis, int count,
                                     std::vector<Shape>* shapes) {
  std::vector<HostTensor> ins;
  const int rank = static_cast<int>(base.size());
  for (int i = 0; i < count; ++i) {
    Shape s = base;
    s[axis < 0 ? axis + rank : axis] = rng.Int(i == 0 ? 1 : 0, 3);
    shapes->push_back(s);
    ins.push_back(RandomTensor(rng, dtype, s));
  }
  return ins;
}

TEST(ConcatTest, HandExample) {
  auto model = BuildConcat(DType::kFloat32, {{2, 1}, {2, 2}}, -1);
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({2, 1}, {1, 2}),
                              HostTensor::From<float>({2, 2}, {3, 4, 5, 6})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 3}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{1, 3, 4, 2, 5, 6}));
}

TEST(ConcatTest, RandomAxesEveryDType) {
  Rng rng(301);
  for (int iter = 0; iter < 56; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape base(rank);
    for (int32_t& d : base) d = rng.Int(1, 3);
    const int axis = rng.Int(-rank, rank - 1);
    std::vector<Shape> shapes;
    const std::vector<HostTensor> ins =
        RandomInputs(rng, dtype, base, axis, rng.Int(1, 4), &shapes);
    auto out = testing::RunMai(BuildConcat(dtype, shapes, axis), ins);
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected = ReferenceConcat(ins, axis);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes)
        << "iteration " << iter << " " << DTypeName(dtype) << " axis " << axis;
  }
}

TEST(ConcatTest, Float32FusedActivations) {
  Rng rng(302);
  const std::vector<std::pair<ir::Activation, std::pair<double, double>>> acts =
      {{ir::Activation::kRelu, {0.0, INFINITY}},
       {ir::Activation::kRelu6, {0.0, 6.0}},
       {ir::Activation::kReluN1To1, {-1.0, 1.0}}};
  for (const auto& [act, range] : acts) {
    const std::vector<Shape> shapes = {{2, 3, 2}, {2, 3, 1}};
    const std::vector<HostTensor> ins = {
        RandomTensor(rng, DType::kFloat32, shapes[0]),
        RandomTensor(rng, DType::kFloat32, shapes[1])};
    auto out =
        testing::RunMai(BuildConcat(DType::kFloat32, shapes, 2, act), ins);
    ASSERT_TRUE(out.ok()) << out.status().message();
    const std::vector<float> plain = ReferenceConcat(ins, 2).values<float>();
    std::vector<double> expected(plain.size());
    for (size_t i = 0; i < plain.size(); ++i) {
      expected[i] = std::min(
          std::max(static_cast<double>(plain[i]), range.first), range.second);
    }
    EXPECT_TRUE(testing::NearRelative(out->at(0).values<float>(), expected))
        << "activation " << static_cast<int>(act);
  }
}

// q_out = clamp(round((q - zp_in) * s_in / s_out) + zp_out), in doubles.
template <typename T>
std::vector<T> ReferenceRequantConcat(const std::vector<HostTensor>& ins,
                                      const std::vector<ir::QuantParams>& qs,
                                      const ir::QuantParams& out_q, int axis,
                                      double lo_real = -INFINITY) {
  std::vector<HostTensor> real;
  for (size_t i = 0; i < ins.size(); ++i) {
    std::vector<T> q = ins[i].values<T>();
    std::vector<double> r(q.size());
    for (size_t k = 0; k < q.size(); ++k) {
      r[k] = (static_cast<double>(q[k]) - qs[i].zero_point[0]) * qs[i].scale[0];
    }
    HostTensor t;
    t.dtype = DType::kFloat64;
    t.shape = ins[i].shape;
    t.bytes.resize(r.size() * 8);
    if (!r.empty()) std::memcpy(t.bytes.data(), r.data(), t.bytes.size());
    real.push_back(t);
  }
  const std::vector<double> joined =
      ReferenceConcat(real, axis).values<double>();
  std::vector<T> out(joined.size());
  for (size_t k = 0; k < joined.size(); ++k) {
    const double v = std::max(joined[k], lo_real);
    const double q = std::round(v / out_q.scale[0]) + out_q.zero_point[0];
    out[k] = static_cast<T>(std::clamp<double>(q, std::numeric_limits<T>::min(),
                                               std::numeric_limits<T>::max()));
  }
  return out;
}

template <typename T>
void CheckRequantized(uint32_t seed, bool against_tflite, ir::Activation act) {
  Rng rng(seed);
  const int lo = std::numeric_limits<T>::min() < -1000
                     ? -1000
                     : std::numeric_limits<T>::min();
  const int hi = std::numeric_limits<T>::max() > 1000
                     ? 1000
                     : std::numeric_limits<T>::max();
  const bool is_int16 = sizeof(T) == 2;
  for (int iter = 0; iter < 6; ++iter) {
    const int rank = 1 + iter % 4;
    Shape base(rank);
    for (int32_t& d : base) d = rng.Int(1, 4);
    const int axis = rng.Int(-rank, rank - 1);
    // The oracle's XNNPACK delegate takes concatenations of up to 5 inputs
    // and copies them without requantizing; 6+ inputs run TFLite's own
    // kernel, which requantizes.
    const int count = against_tflite ? rng.Int(6, 7) : rng.Int(2, 4);
    std::vector<Shape> shapes;
    std::vector<HostTensor> ins;
    std::vector<ir::QuantParams> qs;
    for (int i = 0; i < count; ++i) {
      Shape s = base;
      s[axis < 0 ? axis + rank : axis] = rng.Int(1, 2);
      shapes.push_back(s);
      HostTensor t =
          HostTensor::From<T>(s, rng.Ints<T>(NumElementsUnchecked(s), lo, hi));
      ins.push_back(t);
      // Input 0 shares the output's params (plain copy), the others differ.
      qs.push_back(i == 0 ? Quant(0.05f, is_int16 ? 0 : (lo + hi) / 2)
                          : Quant(rng.Uniform(0.01f, 0.2f),
                                  is_int16 ? 0 : rng.Int(lo / 2, hi / 2)));
    }
    const ir::QuantParams out_q = qs[0];
    auto model = BuildConcat(DTypeOf<T>(), shapes, axis, act, qs, out_q);
    auto ours = testing::RunMai(model, ins);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    const double lo_real = act == ir::Activation::kRelu ? 0.0 : -INFINITY;
    const std::vector<T> expected =
        ReferenceRequantConcat<T>(ins, qs, out_q, axis, lo_real);
    HostTensor want = HostTensor::From<T>(ours->at(0).shape, expected);
    EXPECT_TRUE(testing::QuantizedNear(ours->at(0), want, 1))
        << "iteration " << iter;
    if (against_tflite) {
      auto theirs = testing::RunTflite(model, ins);
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      EXPECT_TRUE(testing::QuantizedNear(ours->at(0), theirs->at(0), 0))
          << "iteration " << iter;
    }
  }
}

TEST(ConcatTest, Uint8RequantizesLikeTflite) {
  CheckRequantized<uint8_t>(303, /*against_tflite=*/true,
                            ir::Activation::kNone);
}
TEST(ConcatTest, Int8Requantizes) {
  // TFLite refuses int8 inputs whose params differ; mai follows the uint8 rule.
  CheckRequantized<int8_t>(304, /*against_tflite=*/false,
                           ir::Activation::kNone);
}
TEST(ConcatTest, Int16Requantizes) {
  CheckRequantized<int16_t>(305, /*against_tflite=*/false,
                            ir::Activation::kNone);
}
TEST(ConcatTest, Int8FusedRelu) {
  CheckRequantized<int8_t>(306, /*against_tflite=*/false,
                           ir::Activation::kRelu);
}

TEST(ConcatTest, SameParamsMatchTflite) {
  Rng rng(307);
  for (DType dtype :
       {DType::kInt8, DType::kUInt8, DType::kFloat32, DType::kInt32}) {
    const ir::QuantParams q = dtype == DType::kInt8    ? Quant(0.1f, -7)
                              : dtype == DType::kUInt8 ? Quant(0.1f, 130)
                                                       : ir::QuantParams{};
    const std::vector<Shape> shapes = {
        {1, 3, 4, 2}, {1, 3, 4, 5}, {1, 3, 4, 1}};
    std::vector<HostTensor> ins;
    for (const Shape& s : shapes) ins.push_back(RandomTensor(rng, dtype, s));
    auto model =
        BuildConcat(dtype, shapes, 3, ir::Activation::kNone, {q, q, q}, q);
    auto ours = testing::RunMai(model, ins);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, ins);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape);
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << DTypeName(dtype);
  }
}

TEST(ConcatTest, RejectsMismatchedShapesAndAxes) {
  struct Case {
    std::vector<Shape> shapes;
    int axis;
  };
  for (const Case& c :
       {Case{{{2, 3}, {3, 3}}, 1}, Case{{{2, 3}, {2, 3, 1}}, 0},
        Case{{{2, 3}, {2, 3}}, 2}, Case{{{2, 3}, {2, 3}}, -3}}) {
    ModelBuilder b;
    std::vector<int> inputs;
    std::vector<HostTensor> values;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      inputs.push_back(
          b.AddInput("x" + std::to_string(i), DType::kFloat32, c.shapes[i]));
      values.push_back(HostTensor::From<float>(
          c.shapes[i], std::vector<float>(NumElementsUnchecked(c.shapes[i]))));
    }
    const int y = b.AddTensor("y", DType::kFloat32, Shape{4, 3});
    b.AddOp(ir::OpCode::kConcatenation, inputs, {y},
            ir::ConcatenationParams{c.axis, ir::Activation::kNone});
    b.MarkOutput(y);
    auto model = b.Build();
    if (!model.ok()) continue;
    EXPECT_FALSE(testing::RunMai(*model, values).ok()) << "axis " << c.axis;
  }
}

}  // namespace
}  // namespace mai

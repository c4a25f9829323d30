// ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, POW, FLOOR_DIV,
// FLOOR_MOD on float32, int32 and int64 (MAXIMUM/MINIMUM also int16) with NumPy
// broadcasting up to rank 6, fused activations, against element-by-element
// expectations computed here in double precision (float) or exactly (integers);
// bad shapes and integer division by zero.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "testing/op_test_util.h"
#include "tflite/model_builder.h"

namespace mai {
namespace {

using ir::Activation;
using ir::OpCode;
using testing::HostTensor;
using testing::Rng;
using tflite::ModelBuilder;

// Index into an input of shape `in` for output position `flat` of shape
// `out` under NumPy broadcasting.
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

Shape BroadcastOf(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = std::max(da, db);
  }
  return out;
}

ir::OpParams ParamsFor(OpCode op, Activation act) {
  if (op == OpCode::kAdd || op == OpCode::kSub || op == OpCode::kMul ||
      op == OpCode::kDiv) {
    ir::BinaryParams p;
    p.activation = act;
    return p;
  }
  return std::monostate{};
}

// One binary op; input 1 is a constant when `const_b` holds values.
template <typename T>
std::vector<uint8_t> BuildBinary(
    OpCode op, const Shape& a_shape, const Shape& b_shape,
    Activation act = Activation::kNone,
    const std::optional<std::vector<T>>& const_b = std::nullopt) {
  ModelBuilder b;
  const DType dt = DTypeOf<T>();
  const int x = b.AddInput("a", dt, a_shape);
  const int y = const_b ? b.AddConstant<T>("b", b_shape, *const_b)
                        : b.AddInput("b", dt, b_shape);
  const int z = b.AddTensor("out", dt, std::nullopt);
  b.AddOp(op, {x, y}, {z}, ParamsFor(op, act));
  b.MarkOutput(z);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

double ApplyActivation(double v, Activation act) {
  switch (act) {
    case Activation::kRelu:
      return std::max(v, 0.0);
    case Activation::kRelu6:
      return std::min(std::max(v, 0.0), 6.0);
    case Activation::kReluN1To1:
      return std::min(std::max(v, -1.0), 1.0);
    default:
      return v;
  }
}

double FloatExpected(OpCode op, double a, double b) {
  switch (op) {
    case OpCode::kAdd:
      return a + b;
    case OpCode::kSub:
      return a - b;
    case OpCode::kMul:
      return a * b;
    case OpCode::kDiv:
      return a / b;
    case OpCode::kMaximum:
      return std::max(a, b);
    case OpCode::kMinimum:
      return std::min(a, b);
    case OpCode::kSquaredDifference:
      return (a - b) * (a - b);
    case OpCode::kPow:
      return std::pow(a, b);
    case OpCode::kFloorDiv:
      return std::floor(a / b);
    case OpCode::kFloorMod: {
      const double m = std::fmod(a, b);
      return (m != 0 && ((b < 0) != (m < 0))) ? m + b : m;
    }
    default:
      return 0;
  }
}

Shape RandomShape(Rng& rng, int rank, int max_dim) {
  Shape s(rank);
  for (int32_t& d : s) d = rng.Int(1, max_dim);
  return s;
}

// A random pair of shapes that broadcast: b takes a suffix of a's dims and
// replaces some by 1; a also gets some 1s that b fills in.
std::pair<Shape, Shape> RandomBroadcastPair(Rng& rng, int rank) {
  Shape full = RandomShape(rng, rank, 4);
  Shape a = full;
  const int b_rank = rng.Int(0, rank);
  Shape b(full.end() - b_rank, full.end());
  for (int32_t& d : b) {
    if (rng.Int(0, 2) == 0) d = 1;
  }
  for (int i = 0; i < rank; ++i) {
    const int bi = i - (rank - b_rank);
    if (bi >= 0 && b[bi] != 1 && rng.Int(0, 3) == 0) a[i] = 1;
  }
  if (rng.Int(0, 1)) std::swap(a, b);
  return {a, b};
}

struct FloatCase {
  OpCode op;
  float a_lo, a_hi, b_lo, b_hi;
  bool b_sign_random;  // DIV: |b| in [b_lo, b_hi] with a random sign
};

void RunFloatCase(const FloatCase& c, uint32_t seed) {
  Rng rng(seed);
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 18; ++iter) {
    const int rank = iter % 7;  // 0 (scalars) .. 6
    auto [a_shape, b_shape] = RandomBroadcastPair(rng, rank);
    const Shape out_shape = BroadcastOf(a_shape, b_shape);
    const bool fused = c.op == OpCode::kAdd || c.op == OpCode::kSub ||
                       c.op == OpCode::kMul || c.op == OpCode::kDiv;
    const Activation act = fused ? acts[iter % 4] : Activation::kNone;
    std::vector<float> a =
        rng.Floats(NumElementsUnchecked(a_shape), c.a_lo, c.a_hi);
    std::vector<float> b =
        rng.Floats(NumElementsUnchecked(b_shape), c.b_lo, c.b_hi);
    if (c.b_sign_random) {
      for (float& v : b) v = rng.Int(0, 1) ? v : -v;
    }
    const bool b_const = iter % 3 == 2;
    auto model = b_const ? BuildBinary<float>(c.op, a_shape, b_shape, act, b)
                         : BuildBinary<float>(c.op, a_shape, b_shape, act);
    std::vector<HostTensor> inputs = {HostTensor::From<float>(a_shape, a)};
    if (!b_const) inputs.push_back(HostTensor::From<float>(b_shape, b));
    auto out = testing::RunMai(model, inputs);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->at(0).shape, out_shape) << "iteration " << iter;
    const int64_t n = NumElementsUnchecked(out_shape);
    std::vector<double> expected(n);
    for (int64_t i = 0; i < n; ++i) {
      const double va = a[BroadcastSource(out_shape, a_shape, i)];
      const double vb = b[BroadcastSource(out_shape, b_shape, i)];
      expected[i] = ApplyActivation(FloatExpected(c.op, va, vb), act);
    }
    EXPECT_TRUE(
        testing::NearRelative(out->at(0).values<float>(), expected, 1e-5))
        << "iteration " << iter << " a " << ShapeToString(a_shape) << " b "
        << ShapeToString(b_shape);
  }
}

TEST(BinaryTest, AddFloatBroadcast) {
  RunFloatCase({OpCode::kAdd, -4, 4, -4, 4, false}, 1);
}
TEST(BinaryTest, SubFloatBroadcast) {
  RunFloatCase({OpCode::kSub, -4, 4, -4, 4, false}, 2);
}
TEST(BinaryTest, MulFloatBroadcast) {
  RunFloatCase({OpCode::kMul, -3, 3, -3, 3, false}, 3);
}
TEST(BinaryTest, DivFloatBroadcast) {
  RunFloatCase({OpCode::kDiv, -3, 3, 0.5f, 2, true}, 4);
}
TEST(BinaryTest, MaximumFloatBroadcast) {
  RunFloatCase({OpCode::kMaximum, -2, 2, -2, 2, false}, 5);
}
TEST(BinaryTest, MinimumFloatBroadcast) {
  RunFloatCase({OpCode::kMinimum, -2, 2, -2, 2, false}, 6);
}
TEST(BinaryTest, SquaredDifferenceFloatBroadcast) {
  RunFloatCase({OpCode::kSquaredDifference, -3, 3, -3, 3, false}, 7);
}
TEST(BinaryTest, PowFloatBroadcast) {
  RunFloatCase({OpCode::kPow, 0.1f, 3, -2, 2, false}, 8);
}
TEST(BinaryTest, FloorDivFloatBroadcast) {
  RunFloatCase({OpCode::kFloorDiv, -9, 9, 0.5f, 3, true}, 9);
}
TEST(BinaryTest, FloorModFloatBroadcast) {
  RunFloatCase({OpCode::kFloorMod, -9, 9, 0.5f, 3, true}, 10);
}

TEST(BinaryTest, AddHandExampleWithRelu) {
  // [2,3] + [3] -> rows plus the vector, then RELU.
  auto model = BuildBinary<float>(OpCode::kAdd, {2, 3}, {3}, Activation::kRelu);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({2, 3}, {1, -2, 3, -4, 5, -6}),
              HostTensor::From<float>({3}, {0.5f, 1, -1})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1.5f, 0, 2, 0, 6, 0}));
}

TEST(BinaryTest, OuterBroadcastOfBothInputs) {
  // [3,1] * [1,4] -> [3,4] multiplication table.
  auto model = BuildBinary<float>(OpCode::kMul, {3, 1}, {1, 4});
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({3, 1}, {1, 2, 3}),
              HostTensor::From<float>({1, 4}, {1, 10, 100, 1000})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{3, 4}));
  EXPECT_EQ(out->at(0).values<float>(),
            (std::vector<float>{1, 10, 100, 1000, 2, 20, 200, 2000, 3, 30, 300,
                                3000}));
}

TEST(BinaryTest, MaximumPropagatesLikeTflite) {
  // TFLite picks the second operand unless the first is strictly greater.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto model = BuildBinary<float>(OpCode::kMaximum, {3}, {3});
  auto out =
      testing::RunMai(model, {HostTensor::From<float>({3}, {nan, 1, 2}),
                              HostTensor::From<float>({3}, {5, nan, 1})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::vector<float> v = out->at(0).values<float>();
  EXPECT_EQ(v[0], 5);
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_EQ(v[2], 2);
}

template <typename T>
T IntExpected(OpCode op, T a, T b) {
  switch (op) {
    case OpCode::kAdd:
      return a + b;
    case OpCode::kSub:
      return a - b;
    case OpCode::kMul:
      return a * b;
    case OpCode::kDiv:
      return a / b;  // truncates toward zero
    case OpCode::kMaximum:
      return std::max(a, b);
    case OpCode::kMinimum:
      return std::min(a, b);
    case OpCode::kSquaredDifference:
      return (a - b) * (a - b);
    case OpCode::kPow: {
      T r = 1;
      for (T i = 0; i < b; ++i) r *= a;
      return r;
    }
    case OpCode::kFloorDiv:
      return static_cast<T>(
          std::floor(static_cast<double>(a) / static_cast<double>(b)));
    case OpCode::kFloorMod:
      return a - static_cast<T>(std::floor(static_cast<double>(a) /
                                           static_cast<double>(b))) *
                     b;
    default:
      return 0;
  }
}

template <typename T>
void RunIntCase(OpCode op, int a_lo, int a_hi, int b_lo, int b_hi,
                uint32_t seed) {
  Rng rng(seed);
  const Activation acts[] = {Activation::kNone, Activation::kRelu,
                             Activation::kRelu6, Activation::kReluN1To1};
  for (int iter = 0; iter < 10; ++iter) {
    auto [a_shape, b_shape] = RandomBroadcastPair(rng, 1 + iter % 5);
    const Shape out_shape = BroadcastOf(a_shape, b_shape);
    const bool fused = (op == OpCode::kAdd || op == OpCode::kSub ||
                        op == OpCode::kMul || op == OpCode::kDiv) &&
                       DTypeOf<T>() == DType::kInt32;
    const Activation act = fused ? acts[iter % 4] : Activation::kNone;
    std::vector<T> a = rng.Ints<T>(NumElementsUnchecked(a_shape), a_lo, a_hi);
    std::vector<T> b = rng.Ints<T>(NumElementsUnchecked(b_shape), b_lo, b_hi);
    if (op == OpCode::kDiv || op == OpCode::kFloorDiv ||
        op == OpCode::kFloorMod) {
      for (T& v : b) v = v == 0 ? 3 : v;
    }
    auto model = BuildBinary<T>(op, a_shape, b_shape, act);
    auto out = testing::RunMai(model, {HostTensor::From<T>(a_shape, a),
                                       HostTensor::From<T>(b_shape, b)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->at(0).shape, out_shape);
    const std::vector<T> got = out->at(0).template values<T>();
    for (int64_t i = 0; i < NumElementsUnchecked(out_shape); ++i) {
      T e = IntExpected<T>(op, a[BroadcastSource(out_shape, a_shape, i)],
                           b[BroadcastSource(out_shape, b_shape, i)]);
      e = static_cast<T>(ApplyActivation(static_cast<double>(e), act));
      ASSERT_EQ(got[i], e) << "iteration " << iter << " element " << i;
    }
  }
}

TEST(BinaryTest, Int32Arithmetic) {
  RunIntCase<int32_t>(OpCode::kAdd, -1000, 1000, -1000, 1000, 11);
  RunIntCase<int32_t>(OpCode::kSub, -1000, 1000, -1000, 1000, 12);
  RunIntCase<int32_t>(OpCode::kMul, -1000, 1000, -1000, 1000, 13);
  RunIntCase<int32_t>(OpCode::kDiv, -1000, 1000, -20, 20, 14);
  RunIntCase<int32_t>(OpCode::kMaximum, -1000, 1000, -1000, 1000, 15);
  RunIntCase<int32_t>(OpCode::kMinimum, -1000, 1000, -1000, 1000, 16);
  RunIntCase<int32_t>(OpCode::kSquaredDifference, -1000, 1000, -1000, 1000, 17);
  RunIntCase<int32_t>(OpCode::kPow, -5, 5, 0, 6, 18);
  RunIntCase<int32_t>(OpCode::kFloorDiv, -1000, 1000, -20, 20, 19);
  RunIntCase<int32_t>(OpCode::kFloorMod, -1000, 1000, -20, 20, 20);
}

TEST(BinaryTest, Int16MaximumMinimum) {
  RunIntCase<int16_t>(OpCode::kMaximum, -30000, 30000, -30000, 30000, 26);
  RunIntCase<int16_t>(OpCode::kMinimum, -30000, 30000, -30000, 30000, 27);
}

TEST(BinaryTest, Int64Arithmetic) {
  RunIntCase<int64_t>(OpCode::kAdd, -100000, 100000, -100000, 100000, 21);
  RunIntCase<int64_t>(OpCode::kSub, -100000, 100000, -100000, 100000, 22);
  RunIntCase<int64_t>(OpCode::kMul, -100000, 100000, -100000, 100000, 23);
  RunIntCase<int64_t>(OpCode::kMaximum, -100000, 100000, -100000, 100000, 24);
  RunIntCase<int64_t>(OpCode::kMinimum, -100000, 100000, -100000, 100000, 25);
  RunIntCase<int64_t>(OpCode::kFloorDiv, -100000, 100000, -50, 50, 28);
  RunIntCase<int64_t>(OpCode::kFloorMod, -100000, 100000, -50, 50, 29);
}

TEST(BinaryTest, FloorDivModHandValues) {
  // Python semantics: the quotient rounds down, the remainder takes the
  // divisor's sign.
  const std::vector<int32_t> a = {7, -7, 7, -7, 6, -6};
  const std::vector<int32_t> b = {2, 2, -2, -2, 3, -4};
  auto div = testing::RunMai(
      BuildBinary<int32_t>(OpCode::kFloorDiv, {6}, {6}),
      {HostTensor::From<int32_t>({6}, a), HostTensor::From<int32_t>({6}, b)});
  ASSERT_TRUE(div.ok()) << div.status().message();
  EXPECT_EQ(div->at(0).values<int32_t>(),
            (std::vector<int32_t>{3, -4, -4, 3, 2, 1}));
  auto mod = testing::RunMai(
      BuildBinary<int32_t>(OpCode::kFloorMod, {6}, {6}),
      {HostTensor::From<int32_t>({6}, a), HostTensor::From<int32_t>({6}, b)});
  ASSERT_TRUE(mod.ok()) << mod.status().message();
  EXPECT_EQ(mod->at(0).values<int32_t>(),
            (std::vector<int32_t>{1, 1, -1, -1, 0, -2}));
}

TEST(BinaryTest, FloorDivModInt32MatchTflite) {
  Rng rng(32);
  for (OpCode op : {OpCode::kFloorDiv, OpCode::kFloorMod}) {
    std::vector<int32_t> b = rng.Ints<int32_t>(6, -9, 9);
    for (int32_t& v : b) v = v == 0 ? 4 : v;
    auto model = BuildBinary<int32_t>(op, {4, 6}, {6});
    const std::vector<HostTensor> inputs = {
        HostTensor::From<int32_t>({4, 6}, rng.Ints<int32_t>(24, -100, 100)),
        HostTensor::From<int32_t>({6}, b)};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).values<int32_t>(), theirs->at(0).values<int32_t>());
  }
}

TEST(BinaryTest, Int32DivTruncatesAndRejectsZero) {
  auto model = BuildBinary<int32_t>(OpCode::kDiv, {4}, {4});
  auto out =
      testing::RunMai(model, {HostTensor::From<int32_t>({4}, {7, -7, 7, -7}),
                              HostTensor::From<int32_t>({4}, {2, 2, -2, -2})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).values<int32_t>(), (std::vector<int32_t>{3, -3, -3, 3}));

  auto zero =
      testing::RunMai(model, {HostTensor::From<int32_t>({4}, {1, 2, 3, 4}),
                              HostTensor::From<int32_t>({4}, {1, 0, 1, 1})});
  EXPECT_FALSE(zero.ok());
}

TEST(BinaryTest, Int32PowRejectsNegativeExponent) {
  auto model = BuildBinary<int32_t>(OpCode::kPow, {2}, {2});
  auto out = testing::RunMai(model, {HostTensor::From<int32_t>({2}, {2, 3}),
                                     HostTensor::From<int32_t>({2}, {2, -1})});
  EXPECT_FALSE(out.ok());
}

TEST(BinaryTest, FusedActivationsMatchTflite) {
  Rng rng(33);
  const Activation acts[] = {Activation::kRelu, Activation::kRelu6,
                             Activation::kReluN1To1};
  for (OpCode op : {OpCode::kAdd, OpCode::kSub, OpCode::kMul, OpCode::kDiv}) {
    for (Activation act : acts) {
      auto fmodel = BuildBinary<float>(op, {2, 3, 4}, {3, 1}, act);
      std::vector<float> fb = rng.Floats(3, 0.5f, 2);
      const std::vector<HostTensor> finputs = {
          HostTensor::From<float>({2, 3, 4}, rng.Floats(24, -8, 8)),
          HostTensor::From<float>({3, 1}, fb)};
      auto fours = testing::RunMai(fmodel, finputs);
      ASSERT_TRUE(fours.ok()) << fours.status().message();
      auto ftheirs = testing::RunTflite(fmodel, finputs);
      ASSERT_TRUE(ftheirs.ok()) << ftheirs.status().message();
      EXPECT_TRUE(testing::NearRelative(fours->at(0).values<float>(),
                                        ftheirs->at(0).values<float>(), 1e-5));

      auto imodel = BuildBinary<int32_t>(op, {2, 3, 4}, {3, 1}, act);
      const std::vector<HostTensor> iinputs = {
          HostTensor::From<int32_t>({2, 3, 4}, rng.Ints<int32_t>(24, -9, 9)),
          HostTensor::From<int32_t>({3, 1}, rng.Ints<int32_t>(3, 1, 3))};
      auto iours = testing::RunMai(imodel, iinputs);
      ASSERT_TRUE(iours.ok()) << iours.status().message();
      auto itheirs = testing::RunTflite(imodel, iinputs);
      ASSERT_TRUE(itheirs.ok()) << itheirs.status().message();
      EXPECT_EQ(iours->at(0).values<int32_t>(),
                itheirs->at(0).values<int32_t>())
          << ir::OpCodeName(op) << " activation " << static_cast<int>(act);
    }
  }
}

TEST(BinaryTest, RankAboveSixIsUnsupported) {
  const Shape shape = {1, 2, 1, 2, 1, 2, 2};
  auto model = BuildBinary<float>(OpCode::kAdd, shape, {2});
  auto out = testing::RunMai(
      model, {HostTensor::From<float>(shape, std::vector<float>(16)),
              HostTensor::From<float>({2}, {1, 2})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnimplemented)
      << out.status().message();
}

TEST(BinaryTest, IncompatibleShapesAreRejected) {
  ModelBuilder b;
  const int x = b.AddInput("a", DType::kFloat32, {2, 3});
  const int y = b.AddInput("b", DType::kFloat32, {4});
  const int z = b.AddTensor("out", DType::kFloat32, Shape{2, 3});
  b.AddOp(OpCode::kAdd, {x, y}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  auto bytes = b.Build();
  if (!bytes.ok()) return;  // the builder may already refuse it
  auto out = testing::RunMai(
      *bytes, {HostTensor::From<float>({2, 3}, std::vector<float>(6)),
               HostTensor::From<float>({4}, std::vector<float>(4))});
  EXPECT_FALSE(out.ok());
}

TEST(BinaryTest, MixedDtypesAreRejected) {
  ModelBuilder b;
  const int x = b.AddInput("a", DType::kFloat32, {2});
  const int y = b.AddInput("b", DType::kInt32, {2});
  const int z = b.AddTensor("out", DType::kFloat32, Shape{2});
  b.AddOp(OpCode::kMul, {x, y}, {z}, ir::BinaryParams{});
  b.MarkOutput(z);
  auto bytes = b.Build();
  if (!bytes.ok()) return;
  auto out = testing::RunMai(*bytes, {HostTensor::From<float>({2}, {1, 2}),
                                      HostTensor::From<int32_t>({2}, {1, 2})});
  EXPECT_FALSE(out.ok());
}

TEST(BinaryTest, Float32MatchesTflite) {
  Rng rng(31);
  for (OpCode op : {OpCode::kAdd, OpCode::kMul, OpCode::kSub, OpCode::kMaximum,
                    OpCode::kSquaredDifference, OpCode::kFloorMod}) {
    const Shape a_shape = {1, 4, 5, 3};
    const Shape b_shape = {5, 1};
    auto model = BuildBinary<float>(op, a_shape, b_shape);
    const std::vector<HostTensor> inputs = {
        HostTensor::From<float>(a_shape, rng.Floats(60, -3, 3)),
        HostTensor::From<float>(b_shape, rng.Floats(5, -3, 3))};
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_TRUE(testing::NearRelative(ours->at(0).values<float>(),
                                      theirs->at(0).values<float>(), 1e-5));
  }
}

}  // namespace
}  // namespace mai

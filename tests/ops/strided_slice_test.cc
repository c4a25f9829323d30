// STRIDED_SLICE: hand-derived numpy results for every mask kind, seeded
// random specs (negative strides, begin/end/shrink/new_axis/ellipsis masks,
// out-of-range bounds) against a slice-by-slice reference and against
// TFLite, every dtype, and invalid specs rejected.
#include <gtest/gtest.h>

#include <algorithm>
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

struct Spec {
  std::vector<int32_t> begin, end, strides;
  ir::StridedSliceParams params;
};

Result<std::vector<uint8_t>> BuildStridedSlice(
    DType dtype, const Shape& shape, const Spec& spec,
    std::optional<Shape> out_shape = std::nullopt) {
  ModelBuilder b;
  const int x = b.AddInput("x", dtype, shape, QuantFor(dtype));
  auto len = [](const std::vector<int32_t>& v) {
    return static_cast<int32_t>(v.size());
  };
  const int bi = b.AddConstant<int32_t>("begin", {len(spec.begin)}, spec.begin);
  const int ei = b.AddConstant<int32_t>("end", {len(spec.end)}, spec.end);
  const int si =
      b.AddConstant<int32_t>("strides", {len(spec.strides)}, spec.strides);
  const int y = b.AddTensor("y", dtype, out_shape, QuantFor(dtype));
  b.AddOp(ir::OpCode::kStridedSlice, {x, bi, ei, si}, {y}, spec.params);
  b.MarkOutput(y);
  return b.Build();
}

// Python-style slicing, one spec entry at a time: the input indices taken
// along every axis of the expanded output (-1 marks an inserted axis).
HostTensor ReferenceStridedSlice(const HostTensor& in, const Spec& s) {
  const ir::StridedSliceParams& p = s.params;
  const int rank = static_cast<int>(in.shape.size());
  const int n = static_cast<int>(s.begin.size());
  auto has = [](int32_t mask, int i) { return ((mask >> i) & 1) != 0; };
  int consuming = 0;
  for (int i = 0; i < n; ++i) {
    if (!has(p.ellipsis_mask, i) && !has(p.new_axis_mask, i)) ++consuming;
  }
  std::vector<std::vector<int64_t>> taken;  // per expanded axis
  std::vector<int> source_axis;
  std::vector<bool> kept;
  int axis = 0;
  auto take_all = [&] {
    std::vector<int64_t> all(in.shape[axis]);
    for (int64_t i = 0; i < in.shape[axis]; ++i) all[i] = i;
    taken.push_back(all);
    source_axis.push_back(axis++);
    kept.push_back(true);
  };
  bool seen_ellipsis = false;
  for (int i = 0; i < n; ++i) {
    if (has(p.ellipsis_mask, i) && !seen_ellipsis) {
      seen_ellipsis = true;
      for (int k = 0; k < rank - consuming; ++k) take_all();
      continue;
    }
    if (has(p.new_axis_mask, i)) {
      taken.push_back({0});
      source_axis.push_back(-1);
      kept.push_back(true);
      continue;
    }
    const int64_t dim = in.shape[axis];
    const int64_t step = s.strides[i];
    if (has(p.shrink_axis_mask, i)) {
      int64_t at = has(p.begin_mask, i) ? (step > 0 ? 0 : dim - 1) : s.begin[i];
      if (at < 0) at += dim;
      taken.push_back({at});
      source_axis.push_back(axis++);
      kept.push_back(false);
      continue;
    }
    auto bound = [&](int64_t v) {
      if (v < 0) v += dim;
      return step > 0 ? std::clamp<int64_t>(v, 0, dim)
                      : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t start =
        has(p.begin_mask, i) ? (step > 0 ? 0 : dim - 1) : bound(s.begin[i]);
    int64_t stop = p.offset ? bound(start + s.end[i]) : bound(s.end[i]);
    if (has(p.end_mask, i)) stop = step > 0 ? dim : -1;
    std::vector<int64_t> idx;
    for (int64_t v = start; step > 0 ? v < stop : v > stop; v += step)
      idx.push_back(v);
    taken.push_back(idx);
    source_axis.push_back(axis++);
    kept.push_back(true);
  }
  while (axis < rank) take_all();

  HostTensor out;
  out.dtype = in.dtype;
  for (size_t a = 0; a < taken.size(); ++a) {
    if (kept[a]) out.shape.push_back(static_cast<int32_t>(taken[a].size()));
  }
  const size_t es = DTypeSize(in.dtype);
  int64_t total = 1;
  for (const auto& t : taken) total *= static_cast<int64_t>(t.size());
  out.bytes.resize(total * es);
  std::vector<int64_t> c(taken.size(), 0), src(rank);
  for (int64_t k = 0; k < total; ++k) {
    int64_t rem = k;
    for (int a = static_cast<int>(taken.size()) - 1; a >= 0; --a) {
      c[a] = rem % static_cast<int64_t>(taken[a].size());
      rem /= static_cast<int64_t>(taken[a].size());
    }
    for (size_t a = 0; a < taken.size(); ++a) {
      if (source_axis[a] >= 0) src[source_axis[a]] = taken[a][c[a]];
    }
    int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset = offset * in.shape[d] + src[d];
    std::memcpy(out.bytes.data() + k * es, in.bytes.data() + offset * es, es);
  }
  return out;
}

HostTensor Iota34() {
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = static_cast<float>(i);
  return HostTensor::From<float>({3, 4}, v);
}

ir::StridedSliceParams Masks(int32_t begin, int32_t end, int32_t ellipsis = 0,
                             int32_t new_axis = 0, int32_t shrink = 0,
                             bool offset = false) {
  ir::StridedSliceParams p;
  p.begin_mask = begin;
  p.end_mask = end;
  p.ellipsis_mask = ellipsis;
  p.new_axis_mask = new_axis;
  p.shrink_axis_mask = shrink;
  p.offset = offset;
  return p;
}

// x = arange(12).reshape(3, 4); results as numpy computes them.
TEST(StridedSliceTest, HandDerivedNumpyResults) {
  struct Case {
    const char* what;
    Spec spec;
    Shape shape;
    std::vector<float> values;
  };
  const std::vector<Case> cases = {
      {"x[::-1, 1::2]",
       {{0, 1}, {0, 0}, {-1, 2}, Masks(1, 3)},
       {3, 2},
       {9, 11, 5, 7, 1, 3}},
      {"x[1]",
       {{1, 0}, {2, 0}, {1, 1}, Masks(2, 2, 0, 0, 1)},
       {4},
       {4, 5, 6, 7}},
      {"x[..., None, -1]",
       {{0, 0, -1}, {0, 0, 0}, {1, 1, 1}, Masks(0, 0, 1, 2, 4)},
       {3, 1},
       {3, 7, 11}},
      {"x[-1:0:-1, -2:]",
       {{-1, -2}, {0, 0}, {-1, 1}, Masks(0, 2)},
       {2, 2},
       {10, 11, 6, 7}},
      {"x[-100:100, 5:1:-1]",
       {{-100, 5}, {100, 1}, {1, -1}, Masks(0, 0)},
       {3, 2},
       {3, 2, 7, 6, 11, 10}},
      {"x[2:1]", {{2}, {1}, {1}, Masks(0, 0)}, {0, 4}, {}},
      {"x[None, :, 2]",
       {{0, 0, 2}, {0, 0, 3}, {1, 1, 1}, Masks(2, 2, 0, 1, 4)},
       {1, 3},
       {2, 6, 10}},
      {"x[-2, ::-3]",
       {{-2, 0}, {0, 0}, {1, -3}, Masks(2, 2, 0, 0, 1)},
       {2},
       {7, 4}},
      {"offset: x[1:1+2, 1:1+2]",
       {{1, 1}, {2, 2}, {1, 1}, Masks(0, 0, 0, 0, 0, true)},
       {2, 2},
       {5, 6, 9, 10}},
  };
  for (const Case& c : cases) {
    auto model = BuildStridedSlice(DType::kFloat32, {3, 4}, c.spec);
    ASSERT_TRUE(model.ok()) << c.what << ": " << model.status().message();
    auto out = testing::RunMai(*model, {Iota34()});
    ASSERT_TRUE(out.ok()) << c.what << ": " << out.status().message();
    EXPECT_EQ(out->at(0).shape, c.shape) << c.what;
    EXPECT_EQ(out->at(0).values<float>(), c.values) << c.what;
    // The reference agrees with the hand results too.
    const HostTensor ref = ReferenceStridedSlice(Iota34(), c.spec);
    EXPECT_EQ(ref.shape, c.shape) << c.what;
    EXPECT_EQ(ref.values<float>(), c.values) << c.what;
  }
}

// A random spec over `shape` that TFLite accepts (at most 5 expanded axes).
Spec RandomSpec(Rng& rng, const Shape& shape) {
  Spec s;
  const int rank = static_cast<int>(shape.size());
  int expanded = rank;
  const bool use_ellipsis = rank >= 2 && rng.Int(0, 3) == 0;
  const int ellipsis_at = use_ellipsis ? rng.Int(0, rank - 1) : -1;
  const int ellipsis_span = use_ellipsis ? rng.Int(1, rank - ellipsis_at) : 0;
  int axis = 0;
  auto bit = [&](int i) { return int32_t{1} << i; };
  while (axis < rank) {
    const int i = static_cast<int>(s.begin.size());
    if (axis == ellipsis_at) {
      s.begin.push_back(0);
      s.end.push_back(0);
      s.strides.push_back(1);
      s.params.ellipsis_mask |= bit(i);
      axis += ellipsis_span;
      continue;
    }
    if (expanded < 5 && rng.Int(0, 5) == 0) {
      s.begin.push_back(0);
      s.end.push_back(0);
      s.strides.push_back(1);
      s.params.new_axis_mask |= bit(i);
      ++expanded;
      continue;
    }
    const int32_t dim = shape[axis];
    int32_t stride = rng.Int(1, 3) * (rng.Int(0, 1) ? 1 : -1);
    if (rng.Int(0, 5) == 0) {
      s.begin.push_back(rng.Int(-dim, dim - 1));
      s.end.push_back(0);
      s.strides.push_back(1);
      s.params.shrink_axis_mask |= bit(i);
    } else {
      s.begin.push_back(rng.Int(-dim - 2, dim + 2));
      s.end.push_back(rng.Int(-dim - 2, dim + 2));
      s.strides.push_back(stride);
      if (rng.Int(0, 3) == 0) s.params.begin_mask |= bit(i);
      if (rng.Int(0, 3) == 0) s.params.end_mask |= bit(i);
    }
    ++axis;
  }
  // Sometimes leave trailing axes unspecified.
  if (!use_ellipsis && s.params.new_axis_mask == 0 && s.begin.size() > 1 &&
      rng.Int(0, 3) == 0) {
    s.begin.pop_back();
    s.end.pop_back();
    s.strides.pop_back();
    const int32_t keep = (int32_t{1} << s.begin.size()) - 1;
    s.params.begin_mask &= keep;
    s.params.end_mask &= keep;
    s.params.shrink_axis_mask &= keep;
  }
  return s;
}

TEST(StridedSliceTest, RandomSpecsEveryDType) {
  Rng rng(701);
  for (int iter = 0; iter < 140; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 5);
    const Spec spec = RandomSpec(rng, shape);
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildStridedSlice(dtype, shape, spec);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto out = testing::RunMai(*model, {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected = ReferenceStridedSlice(x, spec);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes) << "iteration " << iter;
  }
}

TEST(StridedSliceTest, RandomSpecsMatchTflite) {
  Rng rng(702);
  for (int iter = 0; iter < 60; ++iter) {
    const DType dtype = std::vector<DType>{
        DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}[iter % 4];
    const int rank = 1 + iter % 4;
    Shape shape(rank);
    for (int32_t& d : shape) d = rng.Int(1, 5);
    const Spec spec = RandomSpec(rng, shape);
    const HostTensor x = RandomTensor(rng, dtype, shape);
    auto model = BuildStridedSlice(dtype, shape, spec);
    ASSERT_TRUE(model.ok()) << model.status().message();
    auto ours = testing::RunMai(*model, {x});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(*model, {x});
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape)
        << "iteration " << iter << " masks b" << spec.params.begin_mask << " e"
        << spec.params.end_mask << " ell" << spec.params.ellipsis_mask << " new"
        << spec.params.new_axis_mask << " shr" << spec.params.shrink_axis_mask;
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << "iteration " << iter;
  }
}

TEST(StridedSliceTest, RejectsInvalidSpecs) {
  const std::vector<std::pair<const char*, Spec>> cases = {
      {"zero stride", {{0, 0}, {3, 4}, {1, 0}, Masks(0, 0)}},
      {"shrink out of range", {{3, 0}, {4, 4}, {1, 1}, Masks(0, 0, 0, 0, 1)}},
      {"shrink below range", {{-4, 0}, {0, 4}, {1, 1}, Masks(0, 0, 0, 0, 1)}},
      {"two ellipses", {{0, 0}, {0, 0}, {1, 1}, Masks(0, 0, 3)}},
      {"too many entries", {{0, 0, 0}, {1, 1, 1}, {1, 1, 1}, Masks(0, 0)}},
      {"length mismatch", {{0, 0}, {1}, {1, 1}, Masks(0, 0)}},
  };
  for (const auto& [what, spec] : cases) {
    auto model = BuildStridedSlice(DType::kFloat32, {3, 4}, spec, Shape{1, 1});
    if (!model.ok()) continue;
    auto out = testing::RunMai(*model, {Iota34()});
    EXPECT_FALSE(out.ok()) << what;
  }
}

}  // namespace
}  // namespace mai

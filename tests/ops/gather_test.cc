// GATHER: random axes (negative too), batch_dims, int32/int64 indices for
// every dtype against a coordinate reference, agreement with TFLite, and
// out-of-range indices reported as errors at invoke.
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

HostTensor Indices(DType dtype, const Shape& shape,
                   const std::vector<int64_t>& v) {
  if (dtype == DType::kInt64) return HostTensor::From<int64_t>(shape, v);
  return HostTensor::From<int32_t>(shape,
                                   std::vector<int32_t>(v.begin(), v.end()));
}

// Indices are a graph input, or constant when `const_indices` is given.
std::vector<uint8_t> BuildGather(
    DType dtype, const Shape& params, DType index_dtype, const Shape& indices,
    int axis, int batch_dims, std::optional<Shape> out_shape = std::nullopt,
    const std::vector<int64_t>* const_indices = nullptr) {
  ModelBuilder b;
  const int p = b.AddInput("params", dtype, params, QuantFor(dtype));
  int i;
  if (const_indices == nullptr) {
    i = b.AddInput("indices", index_dtype, indices);
  } else if (index_dtype == DType::kInt64) {
    i = b.AddConstant<int64_t>("indices", indices, *const_indices);
  } else {
    i = b.AddConstant<int32_t>(
        "indices", indices,
        std::vector<int32_t>(const_indices->begin(), const_indices->end()));
  }
  const int y = b.AddTensor("y", dtype, out_shape, QuantFor(dtype));
  b.AddOp(ir::OpCode::kGather, {p, i}, {y}, ir::GatherParams{axis, batch_dims});
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// out[b.., i.., j.., k..] = params[b.., i.., idx[b.., j..], k..].
HostTensor ReferenceGather(const HostTensor& params, const Shape& ishape,
                           const std::vector<int64_t>& idx, int axis,
                           int batch_dims) {
  const int rank = static_cast<int>(params.shape.size());
  const int irank = static_cast<int>(ishape.size());
  if (axis < 0) axis += rank;
  if (batch_dims < 0) batch_dims += irank;
  HostTensor out;
  out.dtype = params.dtype;
  out.shape.assign(params.shape.begin(), params.shape.begin() + axis);
  out.shape.insert(out.shape.end(), ishape.begin() + batch_dims, ishape.end());
  out.shape.insert(out.shape.end(), params.shape.begin() + axis + 1,
                   params.shape.end());
  const int orank = static_cast<int>(out.shape.size());
  const size_t es = DTypeSize(params.dtype);
  const int64_t n = NumElementsUnchecked(out.shape);
  out.bytes.resize(n * es);
  std::vector<int64_t> c(orank);
  for (int64_t k = 0; k < n; ++k) {
    int64_t rem = k;
    for (int d = orank - 1; d >= 0; --d) {
      c[d] = rem % out.shape[d];
      rem /= out.shape[d];
    }
    // Index coordinate: batch dims then the indices' own dims.
    int64_t ioff = 0;
    for (int d = 0; d < batch_dims; ++d) ioff = ioff * ishape[d] + c[d];
    for (int d = batch_dims; d < irank; ++d)
      ioff = ioff * ishape[d] + c[axis + d - batch_dims];
    const int64_t chosen = idx[ioff];
    int64_t poff = 0;
    for (int d = 0; d < rank; ++d) {
      int64_t v;
      if (d < axis) {
        v = c[d];
      } else if (d == axis) {
        v = chosen;
      } else {
        v = c[d - 1 + irank - batch_dims];
      }
      poff = poff * params.shape[d] + v;
    }
    std::memcpy(out.bytes.data() + k * es, params.bytes.data() + poff * es, es);
  }
  return out;
}

TEST(GatherTest, HandExamples) {
  // Rows 2 and 0 of a 3x2 matrix.
  auto model = BuildGather(DType::kFloat32, {3, 2}, DType::kInt32, {2}, 0, 0);
  auto out = testing::RunMai(
      model, {HostTensor::From<float>({3, 2}, {0, 1, 2, 3, 4, 5}),
              HostTensor::From<int32_t>({2}, {2, 0})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape, (Shape{2, 2}));
  EXPECT_EQ(out->at(0).values<float>(), (std::vector<float>{4, 5, 0, 1}));

  // batch_dims 1: row b picks its own columns.
  auto batched =
      BuildGather(DType::kInt32, {2, 3}, DType::kInt64, {2, 2}, 1, 1);
  auto bout = testing::RunMai(
      batched, {HostTensor::From<int32_t>({2, 3}, {0, 1, 2, 3, 4, 5}),
                HostTensor::From<int64_t>({2, 2}, {2, 0, 1, 1})});
  ASSERT_TRUE(bout.ok()) << bout.status().message();
  EXPECT_EQ(bout->at(0).shape, (Shape{2, 2}));
  EXPECT_EQ(bout->at(0).values<int32_t>(), (std::vector<int32_t>{2, 0, 4, 4}));
}

TEST(GatherTest, RandomAxesAndBatchDimsEveryDType) {
  Rng rng(801);
  for (int iter = 0; iter < 70; ++iter) {
    const DType dtype = kDTypes[iter % 7];
    const DType index_dtype = iter % 2 ? DType::kInt64 : DType::kInt32;
    const int rank = 1 + iter % 4;
    Shape pshape(rank);
    for (int32_t& d : pshape) d = rng.Int(1, 4);
    const int axis = rng.Int(0, rank - 1);
    const int batch_dims = rng.Int(0, axis);
    Shape ishape(pshape.begin(), pshape.begin() + batch_dims);
    const int extra = rng.Int(0, 2);
    for (int e = 0; e < extra; ++e) ishape.push_back(rng.Int(1, 3));
    std::vector<int64_t> idx(NumElementsUnchecked(ishape));
    for (int64_t& v : idx) v = rng.Int(0, pshape[axis] - 1);
    // Negative forms of axis and batch_dims mean the same.
    const int axis_arg = rng.Int(0, 1) ? axis - rank : axis;
    const int irank = static_cast<int>(ishape.size());
    const int bd_arg = (batch_dims > 0 && batch_dims < irank && rng.Int(0, 1))
                           ? batch_dims - irank
                           : batch_dims;
    const HostTensor params = RandomTensor(rng, dtype, pshape);
    auto model =
        BuildGather(dtype, pshape, index_dtype, ishape, axis_arg, bd_arg);
    auto out =
        testing::RunMai(model, {params, Indices(index_dtype, ishape, idx)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor expected =
        ReferenceGather(params, ishape, idx, axis, batch_dims);
    EXPECT_EQ(out->at(0).shape, expected.shape) << "iteration " << iter;
    EXPECT_EQ(out->at(0).bytes, expected.bytes) << "iteration " << iter;
  }
}

TEST(GatherTest, MatchesTflite) {
  Rng rng(802);
  for (int iter = 0; iter < 16; ++iter) {
    const DType dtype = std::vector<DType>{
        DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt32}[iter % 4];
    const DType index_dtype = iter % 3 == 0 ? DType::kInt64 : DType::kInt32;
    const Shape pshape = {2, 5, 3};
    const int axis = 1 + iter % 2;
    const int batch_dims = iter % 4 < 2 ? 0 : 1;
    Shape ishape(pshape.begin(), pshape.begin() + batch_dims);
    ishape.push_back(4);
    std::vector<int64_t> idx(NumElementsUnchecked(ishape));
    for (int64_t& v : idx) v = rng.Int(0, pshape[axis] - 1);
    // The oracle cannot take int64 inputs: int64 indices are constants.
    std::vector<HostTensor> inputs = {RandomTensor(rng, dtype, pshape)};
    const bool constant = index_dtype == DType::kInt64;
    if (!constant) inputs.push_back(Indices(index_dtype, ishape, idx));
    auto model =
        BuildGather(dtype, pshape, index_dtype, ishape, axis, batch_dims,
                    std::nullopt, constant ? &idx : nullptr);
    auto ours = testing::RunMai(model, inputs);
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto theirs = testing::RunTflite(model, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.status().message();
    EXPECT_EQ(ours->at(0).shape, theirs->at(0).shape) << "iteration " << iter;
    EXPECT_EQ(ours->at(0).bytes, theirs->at(0).bytes) << "iteration " << iter;
  }
}

TEST(GatherTest, OutOfRangeIndexIsAnErrorAtInvoke) {
  for (DType index_dtype : {DType::kInt32, DType::kInt64}) {
    auto model = BuildGather(DType::kFloat32, {3, 2}, index_dtype, {2}, 0, 0);
    const HostTensor params =
        HostTensor::From<float>({3, 2}, {0, 1, 2, 3, 4, 5});
    for (int64_t bad :
         {int64_t{3}, int64_t{-1}, int64_t{1} << 40, int64_t{-(1LL << 40)}}) {
      if (index_dtype == DType::kInt32 && (bad > INT32_MAX || bad < INT32_MIN))
        continue;
      auto out =
          testing::RunMai(model, {params, Indices(index_dtype, {2}, {0, bad})});
      ASSERT_FALSE(out.ok()) << "index " << bad;
      EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange)
          << out.status().message();
    }
  }
}

TEST(GatherTest, RejectsBadAxisAndBatchDims) {
  struct Case {
    int axis, batch_dims;
  };
  for (const Case& c : {Case{2, 0}, Case{-3, 0}, Case{0, 1}, Case{1, 2}}) {
    auto model = BuildGather(DType::kFloat32, {2, 3}, DType::kInt32, {2, 2},
                             c.axis, c.batch_dims, Shape{2, 2});
    if (model.empty()) continue;
    auto out = testing::RunMai(
        model, {HostTensor::From<float>({2, 3}, std::vector<float>(6)),
                HostTensor::From<int32_t>({2, 2}, {0, 0, 0, 0})});
    EXPECT_FALSE(out.ok()) << "axis " << c.axis << " batch_dims "
                           << c.batch_dims;
  }
}

}  // namespace
}  // namespace mai

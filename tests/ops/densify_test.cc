// DENSIFY and DensifyToBytes: hand-built sparse constants (CSR rows, CSR
// columns, compressed conv input channels as in
// face_detection_full_range_sparse, 1-D and 2-D blocks, permuted block
// order) against their dense values, through the kernel, prepare-time
// folding and the TFLite oracle; the real model's weights against TFLite;
// malformed encodings are errors, never crashes.
#include "backends/ref/densify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mai/session.h"
#include "oracle/tflite_oracle.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "tflite/model_reader.h"

namespace mai {
namespace {

using backends::ref::DensifyToBytes;
using ir::SparseDimension;
using ir::SparsityParams;
using testing::HostTensor;
using tflite::ModelBuilder;

SparseDimension Dense(int32_t size) {
  SparseDimension d;
  d.dense = true;
  d.dense_size = size;
  return d;
}

SparseDimension Csr(std::vector<int32_t> segments,
                    std::vector<int32_t> indices) {
  SparseDimension d;
  d.dense = false;
  d.segments = std::move(segments);
  d.indices = std::move(indices);
  return d;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A sparse constant as an ir::Tensor (for calling DensifyToBytes directly).
template <typename T>
ir::Tensor SparseTensor(const Shape& shape, const std::vector<T>& values,
                        SparsityParams sp) {
  ir::Tensor t;
  t.name = "w";
  t.dtype = DTypeOf<T>();
  t.shape = shape;
  t.sparsity = std::move(sp);
  auto owned = std::make_shared<const std::vector<uint8_t>>(Bytes(values));
  t.data = owned->data();
  t.data_bytes = owned->size();
  t.owned_data = std::move(owned);
  return t;
}

template <typename T>
std::vector<T> DensifyDirect(const Shape& shape, const std::vector<T>& values,
                             const SparsityParams& sp) {
  auto dense = DensifyToBytes(SparseTensor<T>(shape, values, sp));
  EXPECT_TRUE(dense.ok()) << dense.status().message();
  if (!dense.ok()) return {};
  std::vector<T> out(dense->size() / sizeof(T));
  std::memcpy(out.data(), dense->data(), dense->size());
  return out;
}

// Sparse constant -> DENSIFY -> output, or with `consumer`, sparse constant
// -> DENSIFY -> PAD (by nothing) -> output: the form TFLite's default
// delegate accepts (it densifies the weights of the ops it takes over, and
// fails when DENSIFY itself produces a graph output), and which mai folds
// at prepare time.
template <typename T>
std::vector<uint8_t> BuildDensify(const Shape& shape,
                                  const std::vector<T>& values,
                                  const SparsityParams& sp,
                                  const ir::QuantParams& q = {},
                                  bool consumer = false) {
  ModelBuilder b;
  const int w =
      b.AddSparseConstant("w", DTypeOf<T>(), shape, Bytes(values), sp, q);
  int y = b.AddTensor("y", DTypeOf<T>(), std::nullopt, q);
  b.AddOp(ir::OpCode::kDensify, {w}, {y});
  if (consumer) {
    const int rank = static_cast<int>(shape.size());
    const int pads = b.AddConstant<int32_t>("paddings", {rank, 2},
                                            std::vector<int32_t>(2 * rank, 0));
    const int padded = b.AddTensor("padded", DTypeOf<T>(), std::nullopt, q);
    b.AddOp(ir::OpCode::kPad, {y, pads}, {padded});
    y = padded;
  }
  b.MarkOutput(y);
  auto bytes = b.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>{};
}

// The 4x4 matrix [[1 0 0 0] [0 0 2 3] [0 0 0 0] [4 0 0 0]].
const std::vector<float> kMatrix = {1, 0, 0, 0, 0, 0, 2, 3,
                                    0, 0, 0, 0, 4, 0, 0, 0};

SparsityParams CsrRows() {
  SparsityParams sp;
  sp.traversal_order = {0, 1};
  sp.dim_metadata = {Dense(4), Csr({0, 1, 3, 3, 4}, {0, 2, 3, 0})};
  return sp;
}

SparsityParams CsrColumns() {
  SparsityParams sp;
  sp.traversal_order = {1, 0};
  sp.dim_metadata = {Dense(4), Csr({0, 2, 2, 3, 4}, {0, 3, 1, 1})};
  return sp;
}

// The layout of the convolution weights of face_detection_full_range_sparse:
// OHWI with dense O, H, W and compressed input channels.
SparsityParams ChannelCsr() {
  SparsityParams sp;
  sp.traversal_order = {0, 1, 2, 3};
  // Output channel 0 keeps input channels 1 and 6, channel 1 keeps none,
  // channel 2 keeps 0, 3 and 7.
  sp.dim_metadata = {Dense(3), Dense(1), Dense(1),
                     Csr({0, 2, 2, 5}, {1, 6, 0, 3, 7})};
  return sp;
}
const std::vector<float> kChannelCsrValues = {1, 2, 3, 4, 5};
const std::vector<float> kChannelCsrDense = {0, 1, 0, 0, 0, 0, 2, 0,   // o = 0
                                             0, 0, 0, 0, 0, 0, 0, 0,   // o = 1
                                             3, 0, 0, 4, 0, 0, 0, 5};  // o = 2

// The same weights with the input-channel dim split into dense blocks of 4
// and the blocks stored compressed per output channel (block sparsity).
SparsityParams ChannelBlocks() {
  SparsityParams sp;
  sp.traversal_order = {0, 1, 2, 3, 4};
  sp.block_map = {3};
  // Output channel 0 keeps block 1, output channel 1 keeps blocks 0 and 1,
  // output channel 2 keeps none.
  sp.dim_metadata = {Dense(3), Dense(1), Dense(1), Csr({0, 1, 3, 3}, {1, 0, 1}),
                     Dense(4)};
  return sp;
}
const std::vector<float> kChannelBlockValues = {1, 2, 3, 4,  5,  6,
                                                7, 8, 9, 10, 11, 12};
const std::vector<float> kChannelBlockDense = {
    0, 0, 0, 0, 1, 2,  3,  4,   // o = 0
    5, 6, 7, 8, 9, 10, 11, 12,  // o = 1
    0, 0, 0, 0, 0, 0,  0,  0};  // o = 2

// 4x4 with 2x2 blocks; blocks (0,0) and (1,1) present.
SparsityParams SquareBlocks(bool column_major_blocks) {
  SparsityParams sp;
  sp.traversal_order = column_major_blocks ? std::vector<int32_t>{0, 1, 3, 2}
                                           : std::vector<int32_t>{0, 1, 2, 3};
  sp.block_map = {0, 1};
  sp.dim_metadata = {Dense(2), Csr({0, 1, 2}, {0, 1}), Dense(2), Dense(2)};
  return sp;
}
const std::vector<float> kSquareBlockDense = {1, 2, 0, 0, 3, 4, 0, 0,
                                              0, 0, 5, 6, 0, 0, 7, 8};

TEST(DensifyTest, CsrRowsAndColumns) {
  EXPECT_EQ(DensifyDirect<float>({4, 4}, {1, 2, 3, 4}, CsrRows()), kMatrix);
  EXPECT_EQ(DensifyDirect<float>({4, 4}, {1, 4, 2, 3}, CsrColumns()), kMatrix);
}

TEST(DensifyTest, ConvWeightsWithCompressedChannelsAndChannelBlocks) {
  EXPECT_EQ(DensifyDirect<float>({3, 1, 1, 8}, kChannelCsrValues, ChannelCsr()),
            kChannelCsrDense);
  EXPECT_EQ(
      DensifyDirect<float>({3, 1, 1, 8}, kChannelBlockValues, ChannelBlocks()),
      kChannelBlockDense);
}

TEST(DensifyTest, SquareBlocksInBothInnerOrders) {
  EXPECT_EQ(DensifyDirect<float>({4, 4}, {1, 2, 3, 4, 5, 6, 7, 8},
                                 SquareBlocks(false)),
            kSquareBlockDense);
  // Inner block traversed column by column: values of each block transposed.
  EXPECT_EQ(DensifyDirect<float>({4, 4}, {1, 3, 2, 4, 5, 7, 6, 8},
                                 SquareBlocks(true)),
            kSquareBlockDense);
}

TEST(DensifyTest, AllDenseLevelsIsACopy) {
  SparsityParams sp;
  sp.traversal_order = {0, 1};
  sp.dim_metadata = {Dense(2), Dense(3)};
  const std::vector<int8_t> v = {1, -2, 3, -4, 5, -6};
  EXPECT_EQ(DensifyDirect<int8_t>({2, 3}, v, sp), v);
}

TEST(DensifyTest, KernelMatchesDenseValues) {
  struct Case {
    Shape shape;
    std::vector<float> values;
    SparsityParams sp;
    std::vector<float> dense;
  };
  const std::vector<Case> cases = {
      {{4, 4}, {1, 2, 3, 4}, CsrRows(), kMatrix},
      {{4, 4}, {1, 4, 2, 3}, CsrColumns(), kMatrix},
      {{3, 1, 1, 8}, kChannelCsrValues, ChannelCsr(), kChannelCsrDense},
      {{3, 1, 1, 8}, kChannelBlockValues, ChannelBlocks(), kChannelBlockDense},
      {{4, 4},
       {1, 2, 3, 4, 5, 6, 7, 8},
       SquareBlocks(false),
       kSquareBlockDense},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // The kernel at run time (DENSIFY's output is the graph output).
    auto model = BuildDensify<float>(c.shape, c.values, c.sp);
    auto ours = testing::RunMai(model, {});
    ASSERT_TRUE(ours.ok()) << "case " << i << ": " << ours.status().message();
    EXPECT_EQ(ours->at(0).shape, c.shape) << "case " << i;
    EXPECT_EQ(ours->at(0).values<float>(), c.dense) << "case " << i;
    // Folded at prepare time, and TFLite on the same model.
    auto folded_model =
        BuildDensify<float>(c.shape, c.values, c.sp, {}, /*consumer=*/true);
    auto folded = testing::RunMai(folded_model, {});
    ASSERT_TRUE(folded.ok())
        << "case " << i << ": " << folded.status().message();
    EXPECT_EQ(folded->at(0).values<float>(), c.dense)
        << "case " << i << " (folded)";
    auto theirs = testing::RunTflite(folded_model, {});
    ASSERT_TRUE(theirs.ok())
        << "case " << i << ": " << theirs.status().message();
    EXPECT_EQ(theirs->at(0).values<float>(), c.dense)
        << "case " << i << " (TFLite)";
  }
}

TEST(DensifyTest, Int8AndFloat16Kernels) {
  // int8 with a zero point: absent elements are the raw value 0, as TFLite.
  const std::vector<int8_t> v8 = {7, -8, 9, -10};
  auto m8 =
      BuildDensify<int8_t>({4, 4}, v8, CsrRows(), testing::Quant(0.5f, 3));
  auto o8 = testing::RunMai(m8, {});
  ASSERT_TRUE(o8.ok()) << o8.status().message();
  EXPECT_EQ(
      o8->at(0).values<int8_t>(),
      (std::vector<int8_t>{7, 0, 0, 0, 0, 0, -8, 9, 0, 0, 0, 0, -10, 0, 0, 0}));
  auto t8 = testing::RunTflite(
      BuildDensify<int8_t>({4, 4}, v8, CsrRows(), testing::Quant(0.5f, 3),
                           /*consumer=*/true),
      {});
  ASSERT_TRUE(t8.ok()) << t8.status().message();
  EXPECT_TRUE(testing::QuantizedNear(o8->at(0), t8->at(0), 0));

  // float16 bits move unchanged: 1.0, -2.0, 0.5, 65504.
  const std::vector<uint16_t> h = {0x3C00, 0xC000, 0x3800, 0x7BFF};
  ModelBuilder b;
  const int w =
      b.AddSparseConstant("w", DType::kFloat16, {4, 4}, Bytes(h), CsrRows());
  const int y = b.AddTensor("y", DType::kFloat16, std::nullopt);
  b.AddOp(ir::OpCode::kDensify, {w}, {y});
  const int y32 = b.AddTensor("y32", DType::kFloat32, std::nullopt);
  b.AddOp(ir::OpCode::kDequantize, {y}, {y32});
  b.MarkOutput(y32);
  auto m16 = b.Build();
  ASSERT_TRUE(m16.ok()) << m16.status().message();
  auto o16 = testing::RunMai(*m16, {});
  ASSERT_TRUE(o16.ok()) << o16.status().message();
  EXPECT_EQ(o16->at(0).values<float>(),
            (std::vector<float>{1, 0, 0, 0, 0, 0, -2, 0.5f, 0, 0, 0, 0, 65504,
                                0, 0, 0}));
}

TEST(DensifyTest, DensifyFeedingAnOpIsFoldedAtPrepare) {
  auto model = BuildDensify<float>({3, 1, 1, 8}, kChannelBlockValues,
                                   ChannelBlocks(), {},
                                   /*consumer=*/true);
  auto session = Session::LoadBytes(model);
  ASSERT_TRUE(session.ok()) << session.status().message();
  ASSERT_TRUE((*session)->Prepare().ok());
  // The 24 float32 dense values became a constant.
  EXPECT_GE((*session)->memory().folded_bytes, 24 * sizeof(float));
}

// Every sparse weight of the real face_detection_full_range_sparse model
// (float16, compressed input channels), densified and dequantized by mai and
// by TFLite in a small model of its own.
TEST(DensifyTest, RealModelWeightsMatchTflite) {
  const std::string path =
      testing::OracleModelsDir() + "/face_detection_full_range_sparse.tflite";
  auto real = tflite::ReadModelFile(path);
  ASSERT_TRUE(real.ok()) << real.status().message()
                         << " (run scripts/fetch_models.sh)";
  int checked = 0;
  for (const ir::Tensor& t : real->main_graph().tensors) {
    if (!t.sparsity.has_value()) continue;
    ModelBuilder b;
    const int w = b.AddSparseConstant(
        "w", t.dtype, t.shape,
        std::vector<uint8_t>(t.data, t.data + t.data_bytes), *t.sparsity);
    const int dense = b.AddTensor("dense", t.dtype, std::nullopt);
    b.AddOp(ir::OpCode::kDensify, {w}, {dense});
    const int f32 = b.AddTensor("f32", DType::kFloat32, std::nullopt);
    b.AddOp(ir::OpCode::kDequantize, {dense}, {f32});
    const int rank = static_cast<int>(t.shape.size());
    const int pads = b.AddConstant<int32_t>("paddings", {rank, 2},
                                            std::vector<int32_t>(2 * rank, 0));
    const int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
    b.AddOp(ir::OpCode::kPad, {f32, pads}, {y});
    b.MarkOutput(y);
    auto model = b.Build();
    ASSERT_TRUE(model.ok()) << t.name << ": " << model.status().message();
    auto ours = testing::RunMai(*model, {});
    ASSERT_TRUE(ours.ok()) << t.name << ": " << ours.status().message();
    auto theirs = testing::RunTflite(*model, {});
    ASSERT_TRUE(theirs.ok()) << t.name << ": " << theirs.status().message();
    ASSERT_EQ(ours->at(0).shape, t.shape) << t.name;
    EXPECT_EQ(ours->at(0).values<float>(), theirs->at(0).values<float>())
        << t.name;
    // No more non-zeros than stored values.
    const std::vector<float> v = ours->at(0).values<float>();
    const int64_t nonzero =
        std::count_if(v.begin(), v.end(), [](float f) { return f != 0; });
    EXPECT_LE(nonzero, static_cast<int64_t>(t.data_bytes / DTypeSize(t.dtype)))
        << t.name;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// Random corruptions of valid encodings: each is either rejected or yields
// a tensor of the dense size (run under the sanitizers to catch stray
// accesses).
TEST(DensifyTest, RandomCorruptionsNeverReadOutOfRange) {
  testing::Rng rng(4242);
  struct Base {
    Shape shape;
    std::vector<float> values;
    SparsityParams sp;
  };
  const std::vector<Base> bases = {
      {{4, 4}, {1, 2, 3, 4}, CsrRows()},
      {{3, 1, 1, 8}, kChannelCsrValues, ChannelCsr()},
      {{3, 1, 1, 8}, kChannelBlockValues, ChannelBlocks()},
      {{4, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, SquareBlocks(true)},
  };
  int rejected = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    Base c = bases[iter % bases.size()];
    auto pick = [&](std::vector<int32_t>& v) -> int32_t* {
      return v.empty() ? nullptr
                       : &v[rng.Int(0, static_cast<int>(v.size()) - 1)];
    };
    int32_t* target = nullptr;
    SparseDimension& level =
        c.sp.dim_metadata[rng.Int(0, c.sp.dim_metadata.size() - 1)];
    switch (rng.Int(0, 5)) {
      case 0:
        target = pick(c.sp.traversal_order);
        break;
      case 1:
        target = pick(c.sp.block_map);
        break;
      case 2:
        target = &level.dense_size;
        break;
      case 3:
        target = pick(level.segments);
        break;
      case 4:
        target = pick(level.indices);
        break;
      default:
        level.dense = !level.dense;
        break;
    }
    if (target != nullptr) *target = rng.Int(-2, 9);
    if (rng.Int(0, 3) == 0) c.values.resize(rng.Int(0, c.values.size()));
    auto dense = DensifyToBytes(SparseTensor<float>(c.shape, c.values, c.sp));
    if (dense.ok()) {
      EXPECT_EQ(dense->size(), NumElementsUnchecked(c.shape) * sizeof(float));
    } else {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(DensifyTest, MalformedEncodingsAreErrors) {
  const Shape shape = {4, 4};
  const std::vector<float> four = {1, 2, 3, 4};
  auto expect_error = [&](const SparsityParams& sp,
                          const std::vector<float>& values, const char* what) {
    auto r = DensifyToBytes(SparseTensor<float>(shape, values, sp));
    EXPECT_FALSE(r.ok()) << what;
  };
  SparsityParams sp = CsrRows();
  sp.dim_metadata[1].indices[1] = 4;  // column 4 of 4
  expect_error(sp, four, "index out of range");
  sp = CsrRows();
  sp.dim_metadata[1].indices[1] = -1;
  expect_error(sp, four, "negative index");
  sp = CsrRows();
  sp.dim_metadata[1].segments = {0, 3, 1, 3, 4};
  expect_error(sp, four, "decreasing segments");
  sp = CsrRows();
  sp.dim_metadata[1].segments = {0, 1, 3};
  expect_error(sp, four, "too few segments");
  sp = CsrRows();
  sp.dim_metadata[1].segments = {0, 1, 3, 3, 9};
  expect_error(sp, four, "segment beyond the indices");
  expect_error(CsrRows(), {1, 2, 3}, "too few values");
  sp = CsrRows();
  sp.traversal_order = {0, 0};
  expect_error(sp, four, "traversal order not a permutation");
  sp = CsrRows();
  sp.dim_metadata[0] = Dense(5);
  expect_error(sp, four, "dense size mismatch");
  sp = SquareBlocks(false);
  sp.dim_metadata[2] = Dense(3);
  expect_error(sp, {1, 2, 3, 4, 5, 6, 7, 8}, "block size does not divide");
  sp = SquareBlocks(false);
  sp.block_map = {0, 0};
  expect_error(sp, {1, 2, 3, 4, 5, 6, 7, 8}, "repeated block dim");
  sp = CsrRows();
  sp.dim_metadata.pop_back();
  expect_error(sp, four, "missing level");

  ir::Tensor dense_tensor = SparseTensor<float>(shape, four, CsrRows());
  dense_tensor.sparsity.reset();
  EXPECT_FALSE(DensifyToBytes(dense_tensor).ok()) << "no sparsity";
}

}  // namespace
}  // namespace mai

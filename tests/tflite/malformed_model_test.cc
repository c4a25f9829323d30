// Hostile and broken .tflite files: every one must end in a Status (an
// error naming the problem, or a valid model), never a crash, an
// out-of-bounds read or an allocation the file does not justify. Run under
// -DMAI_SANITIZE=ON to make "never crash" mean "no sanitizer report".
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <string>

#include "ir/graph.h"
#include "oracle/tflite_oracle.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/schema/tflite_schema_generated.h"

namespace mai::tflite {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using ir::OpCode;

std::vector<uint8_t> RealModelBytes(const std::string& name) {
  std::string path = testing::OracleModelsDir() + "/" + name;
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  EXPECT_FALSE(bytes.empty())
      << path << " is missing: run scripts/fetch_models.sh";
  return bytes;
}

// Touches everything a valid model promises: indices in range, constant
// bytes readable (a sanitizer catches a bad pointer here).
void CheckInvariants(const ir::Model& model) {
  ASSERT_FALSE(model.subgraphs.empty());
  for (const ir::Graph& g : model.subgraphs) {
    const int n = static_cast<int>(g.tensors.size());
    uint64_t sum = 0;
    for (const ir::Tensor& t : g.tensors) {
      ASSERT_TRUE(IsValidDType(static_cast<int>(t.dtype)));
      ASSERT_TRUE(NumElements(t.shape).ok());
      for (size_t i = 0; i < t.data_bytes; ++i) sum += t.data[i];
    }
    for (const ir::Node& node : g.nodes) {
      for (int32_t i : node.inputs)
        ASSERT_TRUE(i == ir::kNoTensor || (i >= 0 && i < n));
      for (int32_t o : node.outputs) ASSERT_TRUE(o >= 0 && o < n);
    }
    for (int32_t i : g.inputs) ASSERT_TRUE(i >= 0 && i < n);
    for (int32_t o : g.outputs) ASSERT_TRUE(o >= 0 && o < n);
    (void)sum;
  }
}

// --- truncation, random bytes, bit flips ----------------------------------

TEST(MalformedModelTest, TruncatedFilesAreErrors) {
  std::vector<uint8_t> full =
      RealModelBytes("face_detection_short_range.tflite");
  ASSERT_FALSE(full.empty());
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 256; ++n) lengths.push_back(n);
  for (size_t n = 256; n < full.size(); n += 1021) lengths.push_back(n);
  for (size_t k = 1; k <= 64; ++k) lengths.push_back(full.size() - k);
  for (size_t n : lengths) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    Result<ir::Model> model = ReadModelBytes(std::move(cut));
    ASSERT_FALSE(model.ok()) << "length " << n;
    EXPECT_EQ(model.status().code(), StatusCode::kInvalidModel)
        << "length " << n;
  }
  Result<ir::Model> whole = ReadModelBytes(full);
  EXPECT_TRUE(whole.ok()) << whole.status().message();
}

TEST(MalformedModelTest, RandomBytesAreErrors) {
  std::mt19937 rng(20240611);
  for (int iter = 0; iter < 500; ++iter) {
    size_t size = std::uniform_int_distribution<size_t>(0, 4096)(rng);
    std::vector<uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    if (iter % 2 == 0 && size >= 8) {
      // A plausible header: small root offset and the file identifier.
      uint32_t root = std::uniform_int_distribution<uint32_t>(8, 64)(rng) & ~3u;
      std::memcpy(bytes.data(), &root, 4);
      std::memcpy(bytes.data() + 4, "TFL3", 4);
    }
    Result<ir::Model> model = ReadModelBytes(std::move(bytes));
    EXPECT_FALSE(model.ok()) << "iteration " << iter;
  }
}

// Seeded bit flips in real models: each result is an error or a model that
// keeps all its promises. Both outcomes must occur, or the test is vacuous.
TEST(MalformedModelTest, BitFlippedRealModelsNeverCrash) {
  for (const char* name : {"face_detection_short_range.tflite",
                           "face_detection_full_range_sparse.tflite",
                           "selfie_segmentation.tflite"}) {
    SCOPED_TRACE(name);
    std::vector<uint8_t> original = RealModelBytes(name);
    ASSERT_FALSE(original.empty());
    // Constant data makes up most of the file; aim most flips at the graph
    // part, found as the bytes outside every buffer's data.
    const fb::Model* m = fb::GetModel(original.data());
    std::vector<bool> in_data(original.size(), false);
    for (const fb::Buffer* b : *m->buffers()) {
      if (b->data() == nullptr) continue;
      size_t begin = b->data()->data() - original.data();
      std::fill(in_data.begin() + begin,
                in_data.begin() + begin + b->data()->size(), true);
    }
    std::vector<size_t> graph_bytes;
    for (size_t i = 0; i < original.size(); ++i) {
      if (!in_data[i]) graph_bytes.push_back(i);
    }
    std::mt19937 rng(7767517);
    int errors = 0, valid = 0;
    for (int iter = 0; iter < 1500; ++iter) {
      std::vector<uint8_t> bytes = original;
      int flips = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int f = 0; f < flips; ++f) {
        size_t pos = iter % 8 == 0
                         ? std::uniform_int_distribution<size_t>(
                               0, bytes.size() - 1)(rng)
                         : graph_bytes[std::uniform_int_distribution<size_t>(
                               0, graph_bytes.size() - 1)(rng)];
        bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      Result<ir::Model> model = ReadModelBytes(std::move(bytes));
      if (model.ok()) {
        ++valid;
        CheckInvariants(*model);
      } else {
        ++errors;
        EXPECT_FALSE(model.status().message().empty());
        EXPECT_EQ(model.status().message().find('\n'), std::string::npos);
      }
    }
    EXPECT_GT(errors, 100);
    EXPECT_GT(valid, 10);
  }
}

// --- hostile models built from IR
// ---------------------------------------------

// x[1,4] + c[1,4] -> y[1,4]; tests break one thing at a time.
ir::Model AddModel() {
  ir::Model model;
  ir::Graph& g = model.subgraphs.emplace_back();
  g.name = "main";
  auto add_tensor = [&](const std::string& name) {
    ir::Tensor t;
    t.name = name;
    t.shape = {1, 4};
    g.tensors.push_back(std::move(t));
  };
  add_tensor("x");
  add_tensor("c");
  add_tensor("y");
  g.tensors[1].SetOwnedData(std::vector<uint8_t>(16, 0));
  ir::Node node;
  node.op = OpCode::kAdd;
  node.inputs = {0, 1};
  node.outputs = {2};
  node.params = ir::BinaryParams{};
  g.nodes.push_back(node);
  g.inputs = {0};
  g.outputs = {2};
  return model;
}

// Writes `model` and reads it back, expecting an error containing `needle`.
void ExpectReadError(const ir::Model& model, const std::string& needle) {
  Result<std::vector<uint8_t>> bytes = WriteModel(model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  Result<ir::Model> read = ReadModelBytes(std::move(bytes).value());
  ASSERT_FALSE(read.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(read.status().message().find(needle), std::string::npos)
      << "message: " << read.status().message() << "\nexpected: " << needle;
  EXPECT_EQ(read.status().message().find('\n'), std::string::npos);
}

TEST(HostileModelTest, BaselineIsValid) {
  Result<std::vector<uint8_t>> bytes = WriteModel(AddModel());
  ASSERT_TRUE(bytes.ok());
  Result<ir::Model> read = ReadModelBytes(*bytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  CheckInvariants(*read);
}

TEST(HostileModelTest, HugeDims) {
  ir::Model m = AddModel();
  m.main_graph().tensors[2].shape = {1 << 20, 1 << 20};
  ExpectReadError(m,
                  "subgraph 0: tensor 2 'y': shape [1048576,1048576] has more "
                  "than 2147483647 elements");
}

TEST(HostileModelTest, NegativeDim) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].shape = {-5, 4};
  ExpectReadError(m,
                  "subgraph 0: tensor 0 'x': shape [-5,4] has a negative dim");
}

TEST(HostileModelTest, FourGigabyteTensor) {
  ir::Model m = AddModel();
  m.main_graph().tensors[2].shape = {1 << 30};  // 2^30 floats = 4 GiB
  ExpectReadError(
      m, "tensor 2 'y': shape [1073741824] of float32 needs 4294967296 bytes");
}

TEST(HostileModelTest, TooHighRank) {
  ir::Model m = AddModel();
  m.main_graph().tensors[2].shape = Shape(40, 1);
  ExpectReadError(m, "tensor 2 'y': rank 40 exceeds");
}

TEST(HostileModelTest, UnknownDType) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].dtype = static_cast<DType>(42);
  ExpectReadError(m, "tensor 0 'x': unknown dtype 42");
}

TEST(HostileModelTest, ConstantOfWrongSize) {
  ir::Model m = AddModel();
  m.main_graph().tensors[1].SetOwnedData(std::vector<uint8_t>(12, 0));
  ExpectReadError(
      m,
      "tensor 1 'c': constant has 12 bytes, shape [1,4] of float32 needs 16");
}

TEST(HostileModelTest, NodeInputOutOfRange) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].inputs[1] = 99;
  ExpectReadError(m,
                  "subgraph 0: node 0 (ADD): input 1 is tensor index 99, out "
                  "of range (3 tensors)");
}

TEST(HostileModelTest, NegativeInputOtherThanAbsent) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].inputs[0] = -7;
  ExpectReadError(m, "node 0 (ADD): input 0 is tensor index -7");
}

TEST(HostileModelTest, AbsentOutput) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].outputs[0] = ir::kNoTensor;
  ExpectReadError(m, "node 0 (ADD): output 0 is tensor index -1");
}

TEST(HostileModelTest, GraphOutputOutOfRange) {
  ir::Model m = AddModel();
  m.main_graph().outputs = {3};
  ExpectReadError(
      m, "subgraph 0: output 0 is tensor index 3, out of range (3 tensors)");
}

TEST(HostileModelTest, OpReadsItsOwnOutput) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].inputs[0] = 2;
  ExpectReadError(
      m, "subgraph 0: node 0 (ADD): input 0 reads its own output tensor 2 'y'");
}

TEST(HostileModelTest, Cycle) {
  ir::Model m = AddModel();
  ir::Graph& g = m.main_graph();
  ir::Tensor t;
  t.name = "z";
  t.shape = {1, 4};
  g.tensors.push_back(t);  // 3
  // node 0: x + z -> y ; node 1: y + c -> z  (z is read before it exists)
  g.nodes[0].inputs = {0, 3};
  ir::Node n1 = g.nodes[0];
  n1.inputs = {2, 1};
  n1.outputs = {3};
  g.nodes.push_back(n1);
  ExpectReadError(m,
                  "node 0 (ADD): input 1 reads tensor 3 'z', which node 1 "
                  "(ADD) produces later");
}

TEST(HostileModelTest, TensorProducedTwice) {
  ir::Model m = AddModel();
  ir::Graph& g = m.main_graph();
  g.nodes.push_back(g.nodes[0]);
  ExpectReadError(m,
                  "node 1 (ADD): output 0 writes tensor 2 'y', already "
                  "produced by node 0 (ADD)");
}

TEST(HostileModelTest, NodeWritesAConstant) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].outputs = {1};
  m.main_graph().outputs = {1};
  ExpectReadError(m, "node 0 (ADD): output 0 writes constant tensor 1 'c'");
}

TEST(HostileModelTest, InputNobodyProduces) {
  ir::Model m = AddModel();
  m.main_graph().inputs.clear();
  ExpectReadError(
      m, "node 0 (ADD): input 0 reads tensor 0 'x', which is no graph input");
}

TEST(HostileModelTest, OutputNeverProduced) {
  ir::Model m = AddModel();
  m.main_graph().nodes.clear();
  ExpectReadError(m, "subgraph 0: output 0: tensor 2 'y' is never produced");
}

TEST(HostileModelTest, GraphInputIsAConstant) {
  ir::Model m = AddModel();
  m.main_graph().inputs = {0, 1};
  ExpectReadError(m, "subgraph 0: input 1: tensor 1 'c' is a constant");
}

TEST(HostileModelTest, GraphInputListedTwice) {
  ir::Model m = AddModel();
  m.main_graph().inputs = {0, 0};
  ExpectReadError(m, "subgraph 0: input 1: tensor 0 'x' is listed twice");
}

TEST(HostileModelTest, UnproducedZeroElementTensorIsAnEmptyConstant) {
  // Converters write e.g. the shape [] of a reshape to a scalar this way.
  ir::Model m = AddModel();
  m.main_graph().tensors[1].shape = {0};
  m.main_graph().tensors[1].data = nullptr;
  m.main_graph().tensors[1].data_bytes = 0;
  m.main_graph().tensors[1].owned_data.reset();
  Result<std::vector<uint8_t>> bytes = WriteModel(m);
  ASSERT_TRUE(bytes.ok());
  Result<ir::Model> read = ReadModelBytes(*bytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->main_graph().tensors[1].is_constant());
  EXPECT_EQ(read->main_graph().tensors[1].data_bytes, 0u);
  // The same tensor with elements is an error.
  m.main_graph().tensors[1].shape = {1, 4};
  ExpectReadError(
      m, "node 0 (ADD): input 1 reads tensor 1 'c', which is no graph input");
}

TEST(HostileModelTest, PerChannelScaleCountMismatch) {
  ir::Model m = AddModel();
  ir::Tensor& c = m.main_graph().tensors[1];
  c.dtype = DType::kInt8;
  c.SetOwnedData(std::vector<uint8_t>(4, 1));
  c.quant = {{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 1, {}, {}};
  ExpectReadError(m,
                  "tensor 1 'c': per-channel quantization has 3 scales but "
                  "dimension 1 of shape [1,4] has size 4");
}

TEST(HostileModelTest, QuantizedDimensionOutOfRange) {
  ir::Model m = AddModel();
  ir::Tensor& c = m.main_graph().tensors[1];
  c.dtype = DType::kInt8;
  c.SetOwnedData(std::vector<uint8_t>(4, 1));
  c.quant = {{0.1f, 0.2f, 0.3f, 0.4f}, {0, 0, 0, 0}, 5, {}, {}};
  ExpectReadError(m,
                  "tensor 1 'c': quantized_dimension 5 is outside the rank 2");
}

TEST(HostileModelTest, ScaleAndZeroPointCountsDiffer) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].quant = {{0.1f, 0.2f}, {0}, 0, {}, {}};
  ExpectReadError(m,
                  "tensor 0 'x': quantization has 2 scales but 1 zero points");
}

TEST(HostileModelTest, NonFiniteScale) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].quant = {
      {std::numeric_limits<float>::quiet_NaN()}, {0}, 0, {}, {}};
  ExpectReadError(m,
                  "tensor 0 'x': quantization scale[0] = nan is not a finite");
}

TEST(HostileModelTest, ZeroScaleOnActivation) {
  ir::Model m = AddModel();
  m.main_graph().tensors[2].quant = {{0.0f}, {0}, 0, {}, {}};
  ExpectReadError(
      m, "tensor 2 'y': quantization scale[0] is 0 on a non-constant tensor");
}

TEST(HostileModelTest, ZeroPointOutsideDtype) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].dtype = DType::kInt8;
  m.main_graph().tensors[0].quant = {{0.5f}, {200}, 0, {}, {}};
  ExpectReadError(m,
                  "tensor 0 'x': quantization zero_point[0] = 200 is outside "
                  "[-128, 127] of int8");
}

TEST(HostileModelTest, ShapeSignatureRankMismatch) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].shape_signature = {-1, 4, 1};
  ExpectReadError(
      m,
      "tensor 0 'x': shape_signature [-1,4,1] and shape [1,4] differ in rank");
}

TEST(HostileModelTest, ShapeSignatureBelowMinusOne) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].shape_signature = {-2, 4};
  ExpectReadError(
      m, "tensor 0 'x': shape_signature [-2,4] does not match shape [1,4]");
}

TEST(HostileModelTest, ShapeSignatureMinusOneIsValid) {
  ir::Model m = AddModel();
  m.main_graph().tensors[0].shape_signature = {-1, 4};
  Result<std::vector<uint8_t>> bytes = WriteModel(m);
  ASSERT_TRUE(bytes.ok());
  Result<ir::Model> read = ReadModelBytes(*bytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->main_graph().tensors[0].shape_signature, (Shape{-1, 4}));
  EXPECT_EQ(read->main_graph().tensors[0].shape, (Shape{1, 4}));
}

// A 4x4 CSR matrix with 5 non-zeros (see writer_test for the layout).
ir::Model SparseModel() {
  ir::Model m = AddModel();
  ir::Graph& g = m.main_graph();
  for (int i : {0, 1, 2}) g.tensors[i].shape = {4, 4};
  ir::Tensor& c = g.tensors[1];
  c.SetOwnedData(std::vector<uint8_t>(5 * 4, 0));
  ir::SparsityParams sp;
  sp.traversal_order = {0, 1};
  sp.dim_metadata = {
      ir::SparseDimension{true, 4, {}, {}},
      ir::SparseDimension{false, 0, {0, 2, 2, 3, 5}, {0, 3, 1, 0, 2}}};
  c.sparsity = sp;
  g.nodes[0].op = OpCode::kDensify;
  g.nodes[0].inputs = {1};
  g.nodes[0].params = std::monostate();
  g.inputs.clear();
  return m;
}

TEST(HostileModelTest, SparseBaselineIsValid) {
  Result<std::vector<uint8_t>> bytes = WriteModel(SparseModel());
  ASSERT_TRUE(bytes.ok());
  Result<ir::Model> read = ReadModelBytes(*bytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
}

TEST(HostileModelTest, SparseIndexOutOfRange) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].sparsity->dim_metadata[1].indices[4] = 4;
  ExpectReadError(m,
                  "tensor 1 'c': sparsity level 1: array_indices[4] = 4 is out "
                  "of range [0, 4)");
}

TEST(HostileModelTest, SparseSegmentsDecrease) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].sparsity->dim_metadata[1].segments = {0, 2, 1, 3,
                                                                  5};
  ExpectReadError(m,
                  "sparsity level 1: array_segments decrease or overrun at 1");
}

TEST(HostileModelTest, SparseSegmentsOverrun) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].sparsity->dim_metadata[1].segments = {0, 9, 2, 3,
                                                                  5};
  ExpectReadError(m,
                  "sparsity level 1: array_segments decrease or overrun at 0");
}

TEST(HostileModelTest, SparseValueCountMismatch) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].SetOwnedData(std::vector<uint8_t>(6 * 4, 0));
  ExpectReadError(
      m,
      "sparse data has 24 bytes, the sparsity describes 5 values of 4 bytes");
}

TEST(HostileModelTest, SparseTraversalNotAPermutation) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].sparsity->traversal_order = {1, 1};
  ExpectReadError(
      m, "sparsity traversal_order 1,1 is not a valid dimension order");
}

TEST(HostileModelTest, SparseDenseSizeMismatch) {
  ir::Model m = SparseModel();
  m.main_graph().tensors[1].sparsity->dim_metadata[0].dense_size = 5;
  ExpectReadError(m, "sparsity level 0: dense_size 5 does not match size 4");
}

TEST(HostileModelTest, SparseBlockMapOutOfRange) {
  ir::Model m = SparseModel();
  ir::SparsityParams& sp = *m.main_graph().tensors[1].sparsity;
  sp.traversal_order = {0, 1, 2};
  sp.block_map = {7};
  sp.dim_metadata.push_back(ir::SparseDimension{true, 2, {}, {}});
  ExpectReadError(m,
                  "sparsity block_map 7 is not a set of distinct tensor dims");
}

TEST(HostileModelTest, BlockSparseIsValid) {
  // Rows of 1x2 blocks: row 0 has block 0, row 2 block 1, row 3 both.
  ir::Model m = SparseModel();
  ir::Tensor& c = m.main_graph().tensors[1];
  ir::SparsityParams& sp = *c.sparsity;
  sp.traversal_order = {0, 1, 2};
  sp.block_map = {1};
  sp.dim_metadata = {
      ir::SparseDimension{true, 4, {}, {}},
      ir::SparseDimension{false, 0, {0, 1, 1, 2, 4}, {0, 1, 0, 1}},
      ir::SparseDimension{true, 2, {}, {}}};
  c.SetOwnedData(std::vector<uint8_t>(8 * 4, 0));
  Result<std::vector<uint8_t>> bytes = WriteModel(m);
  ASSERT_TRUE(bytes.ok());
  Result<ir::Model> read = ReadModelBytes(*bytes);
  ASSERT_TRUE(read.ok()) << read.status().message();
  // One block too many for the data.
  sp.dim_metadata[1].indices = {0, 1, 0, 0};
  ExpectReadError(
      m, "array_indices[3] = 0 is out of range [0, 2) or not increasing");
}

TEST(HostileModelTest, ConvStrideZero) {
  ir::Model m = AddModel();
  ir::Node& n = m.main_graph().nodes[0];
  n.op = OpCode::kConv2D;
  ir::Conv2DParams p;
  p.stride_h = 0;
  n.params = p;
  ExpectReadError(m,
                  "subgraph 0: node 0 (CONV_2D): stride_h is 0, must be >= 1");
}

TEST(HostileModelTest, ConvDilationZero) {
  ir::Model m = AddModel();
  ir::Node& n = m.main_graph().nodes[0];
  n.op = OpCode::kDepthwiseConv2D;
  ir::DepthwiseConv2DParams p;
  p.dilation_w = 0;
  n.params = p;
  ExpectReadError(
      m, "node 0 (DEPTHWISE_CONV_2D): dilation_w_factor is 0, must be >= 1");
}

TEST(HostileModelTest, PoolFilterZero) {
  ir::Model m = AddModel();
  ir::Node& n = m.main_graph().nodes[0];
  n.op = OpCode::kMaxPool2D;
  ir::Pool2DParams p;
  p.filter_h = -3;
  n.params = p;
  ExpectReadError(m, "node 0 (MAX_POOL_2D): filter_height is -3, must be >= 1");
}

TEST(HostileModelTest, BlockSizeZero) {
  ir::Model m = AddModel();
  ir::Node& n = m.main_graph().nodes[0];
  n.op = OpCode::kDepthToSpace;
  n.params = ir::BlockSizeParams{0};
  ExpectReadError(m, "node 0 (DEPTH_TO_SPACE): block_size is 0, must be >= 1");
}

TEST(HostileModelTest, UnknownActivation) {
  ir::Model m = AddModel();
  m.main_graph().nodes[0].params =
      ir::BinaryParams{static_cast<ir::Activation>(9), true};
  ExpectReadError(m, "node 0 (ADD): unknown fused activation 9");
}

TEST(HostileModelTest, UnknownPadding) {
  ir::Model m = AddModel();
  ir::Node& n = m.main_graph().nodes[0];
  n.op = OpCode::kConv2D;
  ir::Conv2DParams p;
  p.padding = static_cast<ir::Padding>(3);
  n.params = p;
  ExpectReadError(m, "node 0 (CONV_2D): unknown padding 3");
}

TEST(HostileModelTest, SignatureTensorOutOfRange) {
  ir::Model m = AddModel();
  m.signatures.push_back({"serving", 0, {{"x", 50}}, {}});
  ExpectReadError(m,
                  "signature 0 'serving': input 'x' is tensor index 50, out of "
                  "range (3 tensors)");
}

TEST(HostileModelTest, SignatureSubgraphOutOfRange) {
  ir::Model m = AddModel();
  m.signatures.push_back({"serving", 4, {}, {}});
  ExpectReadError(
      m,
      "signature 0 'serving': subgraph index 4 is out of range (1 subgraphs)");
}

TEST(HostileModelTest, NoSubgraphs) {
  ir::Model m;
  ExpectReadError(m, "model has no subgraphs");
}

TEST(HostileModelTest, ErrorsNameTheFailingSubgraph) {
  ir::Model m = AddModel();
  m.subgraphs.push_back(m.subgraphs[0]);
  m.subgraphs[1].nodes[0].inputs[0] = 17;
  ExpectReadError(m, "subgraph 1: node 0 (ADD): input 0 is tensor index 17");
}

// --- hostile models built directly as flatbuffers
// -----------------------------

// A minimal model assembled field by field, so tests can set what the writer
// never would. Defaults give a valid x + c -> y model.
struct RawModel {
  uint32_t version = 3;
  int32_t builtin_code = 0;  // ADD
  int8_t deprecated_builtin_code = 0;
  int32_t op_version = 1;
  std::string custom_code;
  uint32_t opcode_index = 0;
  uint32_t constant_buffer = 1;
  bool inline_data = true;     // else: offset/size below
  uint64_t buffer_offset = 0;  // 0: just past the flatbuffer
  uint64_t buffer_size = 16;
  bool subgraphs = true;
  std::function<std::pair<fb::BuiltinOptions, Offset<void>>(FlatBufferBuilder&)>
      options;
  std::vector<uint8_t> custom_options;
  uint64_t large_custom_offset = 0;  // 1: past the flatbuffer, after the data
  uint64_t large_custom_size = 0;
  std::vector<uint8_t> tail;  // bytes appended after the flatbuffer
  int repeated_tensors = 0;   // extra tensor entries sharing one table

  std::vector<uint8_t> Build() const {
    FlatBufferBuilder fbb;
    std::vector<Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb)};
    if (inline_data) {
      fbb.ForceVectorAlignment(16, 1, 16);
      std::vector<uint8_t> data(16, 0);
      buffers.push_back(fb::CreateBuffer(fbb, fbb.CreateVector(data)));
    } else {
      buffers.push_back(fb::CreateBuffer(fbb, 0, buffer_offset, buffer_size));
    }
    auto shape = fbb.CreateVector(std::vector<int32_t>{1, 4});
    std::vector<Offset<fb::Tensor>> tensors;
    for (const char* name : {"x", "c", "y"}) {
      uint32_t buffer = std::string(name) == "c" ? constant_buffer : 0;
      tensors.push_back(fb::CreateTensor(fbb, shape, fb::TensorType::FLOAT32,
                                         buffer, fbb.CreateString(name)));
    }
    for (int i = 0; i < repeated_tensors; ++i) tensors.push_back(tensors[0]);
    auto opt = options ? options(fbb)
                       : std::make_pair(fb::BuiltinOptions::AddOptions,
                                        fb::CreateAddOptions(fbb).Union());
    auto custom = custom_options.empty()
                      ? Offset<flatbuffers::Vector<uint8_t>>(0)
                      : fbb.CreateVector(custom_options);
    auto op = fb::CreateOperator(
        fbb, opcode_index, fbb.CreateVector(std::vector<int32_t>{0, 1}),
        fbb.CreateVector(std::vector<int32_t>{2}), opt.first, opt.second,
        custom, fb::CustomOptionsFormat::FLEXBUFFERS, 0, 0, large_custom_offset,
        large_custom_size);
    auto sg = fb::CreateSubGraph(
        fbb, fbb.CreateVector(tensors),
        fbb.CreateVector(std::vector<int32_t>{0}),
        fbb.CreateVector(std::vector<int32_t>{2}),
        fbb.CreateVector(std::vector<Offset<fb::Operator>>{op}),
        fbb.CreateString("main"));
    auto code = fb::CreateOperatorCode(fbb, deprecated_builtin_code,
                                       custom_code.empty()
                                           ? Offset<flatbuffers::String>(0)
                                           : fbb.CreateString(custom_code),
                                       op_version, builtin_code);
    auto sgs = subgraphs
                   ? fbb.CreateVector(std::vector<Offset<fb::SubGraph>>{sg})
                   : Offset<flatbuffers::Vector<Offset<fb::SubGraph>>>(0);
    auto model = fb::CreateModel(
        fbb, version,
        fbb.CreateVector(std::vector<Offset<fb::OperatorCode>>{code}), sgs, 0,
        fbb.CreateVector(buffers));
    fb::FinishModelBuffer(fbb, model);
    std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                               fbb.GetBufferPointer() + fbb.GetSize());
    bytes.insert(bytes.end(), tail.begin(), tail.end());
    return bytes;
  }
};

void ExpectRawError(const RawModel& raw, const std::string& needle) {
  Result<ir::Model> read = ReadModelBytes(raw.Build());
  ASSERT_FALSE(read.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(read.status().message().find(needle), std::string::npos)
      << "message: " << read.status().message() << "\nexpected: " << needle;
}

TEST(RawHostileModelTest, BaselineIsValid) {
  Result<ir::Model> read = ReadModelBytes(RawModel().Build());
  ASSERT_TRUE(read.ok()) << read.status().message();
  CheckInvariants(*read);
}

TEST(RawHostileModelTest, OpcodeIndexOutOfRange) {
  RawModel raw;
  raw.opcode_index = 5;
  ExpectRawError(
      raw,
      "subgraph 0: node 0: opcode_index 5 is out of range (1 operator codes)");
}

TEST(RawHostileModelTest, BufferIndexOutOfRange) {
  RawModel raw;
  raw.constant_buffer = 7;
  ExpectRawError(
      raw,
      "subgraph 0: tensor 1 'c': buffer index 7 is out of range (2 buffers)");
}

TEST(RawHostileModelTest, BufferRangePastTheEnd) {
  RawModel raw;
  raw.inline_data = false;
  raw.buffer_offset = 64;
  raw.buffer_size = uint64_t{1} << 40;
  ExpectRawError(raw,
                 "buffer 1: 1099511627776 bytes at offset 64 lie past the end "
                 "of the file");
}

TEST(RawHostileModelTest, BufferOffsetOverflow) {
  RawModel raw;
  raw.inline_data = false;
  raw.buffer_offset = std::numeric_limits<uint64_t>::max() - 4;
  raw.buffer_size = 16;
  ExpectRawError(
      raw,
      "buffer 1: 16 bytes at offset 18446744073709551611 lie past the end");
}

TEST(RawHostileModelTest, BufferPastTheFlatbufferIsRead) {
  RawModel raw;
  raw.inline_data = false;
  raw.buffer_offset = 2;  // placeholder to learn the flatbuffer's size
  raw.buffer_size = 16;
  size_t fb_size = raw.Build().size();
  raw.buffer_offset = (fb_size + 15) / 16 * 16;
  // Same size with the real offset (fields are fixed width).
  ASSERT_EQ(raw.Build().size(), fb_size);
  raw.tail.assign(raw.buffer_offset - fb_size, 0);
  std::vector<float> values = {1.0f, 2.0f, 3.0f, 4.0f};
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  raw.tail.insert(raw.tail.end(), p, p + 16);
  Result<ir::Model> read = ReadModelBytes(raw.Build());
  ASSERT_TRUE(read.ok()) << read.status().message();
  auto c = read->main_graph().tensors[1].ConstValues<float>();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[3], 4.0f);
  // The same bytes one past the end are an error.
  raw.tail.pop_back();
  ExpectRawError(raw, "lie past the end of the file");
}

TEST(RawHostileModelTest, LargeCustomOptionsPastTheFlatbuffer) {
  RawModel raw;
  raw.builtin_code = 32;
  raw.deprecated_builtin_code = 32;
  raw.custom_code = "MyOp";
  raw.options = [](FlatBufferBuilder&) {
    return std::make_pair(fb::BuiltinOptions::NONE, Offset<void>(0));
  };
  raw.large_custom_offset = 2;  // placeholder to fix the size
  raw.large_custom_size = 3;
  size_t fb_size = raw.Build().size();
  raw.large_custom_offset = fb_size;
  raw.tail = {7, 8, 9};
  Result<ir::Model> read = ReadModelBytes(raw.Build());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->main_graph().nodes[0].custom_options,
            (std::vector<uint8_t>{7, 8, 9}));
  EXPECT_EQ(read->main_graph().nodes[0].custom_name, "MyOp");
  raw.large_custom_size = 4;
  ExpectRawError(raw, "node 0 (MyOp): 4 bytes of custom options at offset");
}

TEST(RawHostileModelTest, BufferWithDataAndOffset) {
  FlatBufferBuilder b2;
  std::vector<uint8_t> data(16, 0);
  auto buf = fb::CreateBuffer(b2, b2.CreateVector(data), 16, 16);
  auto empty = fb::CreateBuffer(b2);
  auto model = fb::CreateModel(
      b2, 3, 0,
      b2.CreateVector(
          std::vector<Offset<fb::SubGraph>>{fb::CreateSubGraph(b2)}),
      0, b2.CreateVector(std::vector<Offset<fb::Buffer>>{empty, buf}));
  fb::FinishModelBuffer(b2, model);
  Result<ir::Model> read = ReadModelBytes(std::vector<uint8_t>(
      b2.GetBufferPointer(), b2.GetBufferPointer() + b2.GetSize()));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(
                "buffer 1 has both inline data and an offset"),
            std::string::npos)
      << read.status().message();
}

TEST(RawHostileModelTest, WrongSchemaVersion) {
  RawModel raw;
  raw.version = 2;
  ExpectRawError(raw, "schema version 2 is not supported (expected 3)");
}

TEST(RawHostileModelTest, MissingSubgraphs) {
  RawModel raw;
  raw.subgraphs = false;
  ExpectRawError(raw, "model has no subgraphs");
}

TEST(RawHostileModelTest, NegativeBuiltinCode) {
  RawModel raw;
  raw.builtin_code = -4;
  raw.deprecated_builtin_code = -9;
  ExpectRawError(raw, "operator code 0: builtin code -4 is negative");
}

TEST(RawHostileModelTest, OperatorVersionZero) {
  RawModel raw;
  raw.op_version = 0;
  ExpectRawError(raw, "operator code 0 (ADD): version 0 is below 1");
}

TEST(RawHostileModelTest, CustomWithoutName) {
  RawModel raw;
  raw.builtin_code = 32;
  ExpectRawError(raw, "operator code 0: CUSTOM op without a custom_code");
}

TEST(RawHostileModelTest, EffectiveCodeIsTheLargerOfBoth) {
  // Old files: only the byte field (builtin_code 0). New files past 127: the
  // byte field says 127 (placeholder) and builtin_code the real op.
  RawModel raw;
  raw.builtin_code = 0;
  raw.deprecated_builtin_code = 18;  // MUL
  raw.options = [](FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions::MulOptions,
                          fb::CreateMulOptions(fbb).Union());
  };
  Result<ir::Model> read = ReadModelBytes(raw.Build());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->main_graph().nodes[0].op, OpCode::kMul);
  raw.builtin_code = 150;  // GELU
  raw.deprecated_builtin_code = 127;
  raw.options = [](FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions::GeluOptions,
                          fb::CreateGeluOptions(fbb, true).Union());
  };
  read = ReadModelBytes(raw.Build());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->main_graph().nodes[0].op, OpCode::kGelu);
}

TEST(RawHostileModelTest, MissingConvOptions) {
  RawModel raw;
  raw.builtin_code = raw.deprecated_builtin_code = 3;  // CONV_2D
  raw.options = [](FlatBufferBuilder&) {
    return std::make_pair(fb::BuiltinOptions::NONE, Offset<void>(0));
  };
  ExpectRawError(raw, "node 0 (CONV_2D): has no Conv2DOptions");
}

TEST(RawHostileModelTest, OptionsOfAnotherOp) {
  RawModel raw;
  raw.options = [](FlatBufferBuilder& fbb) {
    return std::make_pair(fb::BuiltinOptions::Pool2DOptions,
                          fb::CreatePool2DOptions(fbb).Union());
  };
  ExpectRawError(raw, "node 0 (ADD): has Pool2DOptions, expected AddOptions");
}

TEST(RawHostileModelTest, SharedTablesCannotAmplifyAllocation) {
  // 400k tensor entries all pointing at one table: a small file that would
  // expand to ~100 MB of IR tensors.
  RawModel raw;
  raw.repeated_tensors = 400000;
  std::vector<uint8_t> bytes = raw.Build();
  ASSERT_LT(bytes.size(), 2u << 20);
  Result<ir::Model> read = ReadModelBytes(std::move(bytes));
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("model refers to more data than its"),
            std::string::npos)
      << read.status().message();
}

}  // namespace
}  // namespace mai::tflite

// Reads the real MediaPipe models and checks the IR against facts about the
// files established independently of mai's schema (op histograms, counts,
// tensor shapes), plus constant data placement and sparsity.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "core/dtype.h"
#include "ir/graph.h"
#include "tflite/model_reader.h"

namespace mai::tflite {
namespace {

std::string ModelPath(const std::string& name) {
  std::filesystem::path dir;
  if (const char* cache = std::getenv("MAI_CACHE_DIR"); cache && *cache) {
    dir = std::filesystem::path(cache) / "models";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::filesystem::path(home) / ".cache/mai/models";
  }
  return (dir / name).string();
}

std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Loads a model or fails the test with a hint.
ir::Model Load(const std::string& name) {
  std::string path = ModelPath(name);
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << path << " is missing: run scripts/fetch_models.sh";
    return {};
  }
  Result<ir::Model> model = ReadModelFile(path);
  if (!model.ok()) {
    ADD_FAILURE() << model.status().message();
    return {};
  }
  return std::move(model).value();
}

std::map<std::string, int> OpHistogram(const ir::Graph& g) {
  std::map<std::string, int> h;
  for (const ir::Node& n : g.nodes) ++h[n.OpName()];
  return h;
}

struct Expected {
  std::string file;
  size_t tensors, nodes;
  std::vector<int32_t> inputs, outputs;
  Shape input_shape;
  std::map<std::string, int> ops;
};

class RealModelTest : public ::testing::TestWithParam<Expected> {};

TEST_P(RealModelTest, CountsAndOps) {
  const Expected& e = GetParam();
  ir::Model model = Load(e.file);
  ASSERT_EQ(model.subgraphs.size(), 1u);
  const ir::Graph& g = model.main_graph();
  EXPECT_EQ(model.version, 3u);
  EXPECT_EQ(g.tensors.size(), e.tensors);
  EXPECT_EQ(g.nodes.size(), e.nodes);
  EXPECT_EQ(g.inputs, e.inputs);
  EXPECT_EQ(g.outputs, e.outputs);
  EXPECT_EQ(OpHistogram(g), e.ops);
  ASSERT_EQ(g.inputs.size(), 1u);
  const ir::Tensor& in = g.tensors[g.inputs[0]];
  EXPECT_EQ(in.shape, e.input_shape);
  EXPECT_EQ(in.dtype, DType::kFloat32);
  EXPECT_FALSE(in.is_constant());
}

TEST_P(RealModelTest, ConstantsPointIntoTheFile) {
  ir::Model model = Load(GetParam().file);
  ASSERT_FALSE(model.subgraphs.empty());
  ASSERT_NE(model.storage, nullptr);
  const uint8_t* begin = model.storage->data();
  const uint8_t* end = begin + model.storage->size();
  int constants = 0;
  for (const ir::Tensor& t : model.main_graph().tensors) {
    if (!t.is_constant() || t.data_bytes == 0) continue;
    ++constants;
    EXPECT_GE(t.data, begin) << t.name;
    EXPECT_LE(t.data + t.data_bytes, end) << t.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % DTypeSize(t.dtype), 0u)
        << t.name;
    EXPECT_EQ(t.owned_data, nullptr);
  }
  EXPECT_GT(constants, 0);
}

TEST_P(RealModelTest, BytesAndFileGiveTheSameGraph) {
  ir::Model a = Load(GetParam().file);
  Result<ir::Model> b =
      ReadModelBytes(ReadFileBytes(ModelPath(GetParam().file)));
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_FALSE(a.subgraphs.empty());
  const ir::Graph& ga = a.main_graph();
  const ir::Graph& gb = b->main_graph();
  ASSERT_EQ(ga.tensors.size(), gb.tensors.size());
  for (size_t i = 0; i < ga.tensors.size(); ++i) {
    EXPECT_EQ(ga.tensors[i].name, gb.tensors[i].name);
    EXPECT_EQ(ga.tensors[i].shape, gb.tensors[i].shape);
    ASSERT_EQ(ga.tensors[i].data_bytes, gb.tensors[i].data_bytes);
    if (ga.tensors[i].data_bytes > 0) {
      EXPECT_EQ(0, std::memcmp(ga.tensors[i].data, gb.tensors[i].data,
                               ga.tensors[i].data_bytes));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    MediaPipe, RealModelTest,
    ::testing::Values(Expected{"face_detection_short_range.tflite",
                               250,
                               164,
                               {0},
                               {175, 174},
                               {1, 128, 128, 3},
                               {{"ADD", 16},
                                {"MAX_POOL_2D", 3},
                                {"RELU", 17},
                                {"CONCATENATION", 2},
                                {"RESHAPE", 4},
                                {"CONV_2D", 21},
                                {"PAD", 11},
                                {"DEPTHWISE_CONV_2D", 16},
                                {"DEQUANTIZE", 74}}},
                      Expected{"face_detection_full_range.tflite",
                               544,
                               354,
                               {0},
                               {365, 364},
                               {1, 192, 192, 3},
                               {{"ADD", 23},
                                {"MAX_POOL_2D", 4},
                                {"RELU", 47},
                                {"RESHAPE", 2},
                                {"RESIZE_BILINEAR", 3},
                                {"CONV_2D", 49},
                                {"PAD", 8},
                                {"DEPTHWISE_CONV_2D", 40},
                                {"DEQUANTIZE", 178}}},
                      Expected{"face_detection_full_range_sparse.tflite",
                               577,
                               388,
                               {0},
                               {576, 562},
                               {1, 192, 192, 3},
                               {{"ADD", 19},
                                {"DENSIFY", 46},
                                {"RESHAPE", 2},
                                {"RESIZE_BILINEAR", 3},
                                {"CONV_2D", 49},
                                {"PAD", 43},
                                {"DEPTHWISE_CONV_2D", 42},
                                {"DEPTH_TO_SPACE", 2},
                                {"DEQUANTIZE", 182}}},
                      Expected{"selfie_segmentation.tflite",
                               360,
                               246,
                               {0},
                               {249},
                               {1, 256, 256, 3},
                               {{"ADD", 14},
                                {"AVERAGE_POOL_2D", 10},
                                {"HARD_SWISH", 11},
                                {"LOGISTIC", 11},
                                {"MUL", 10},
                                {"RELU", 22},
                                {"RESIZE_BILINEAR", 3},
                                {"CONV_2D", 43},
                                {"DEPTHWISE_CONV_2D", 11},
                                {"DEQUANTIZE", 110},
                                {"Convolution2DTransposeBias", 1}}},
                      Expected{"selfie_segmentation_landscape.tflite",
                               370,
                               246,
                               {0},
                               {259},
                               {1, 144, 256, 3},
                               {{"ADD", 14},
                                {"MEAN", 10},
                                {"HARD_SWISH", 11},
                                {"LOGISTIC", 11},
                                {"MUL", 10},
                                {"RELU", 22},
                                {"RESIZE_BILINEAR", 3},
                                {"CONV_2D", 43},
                                {"DEPTHWISE_CONV_2D", 11},
                                {"DEQUANTIZE", 110},
                                {"Convolution2DTransposeBias", 1}}}),
    [](const ::testing::TestParamInfo<Expected>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('.'));
      return name;
    });

// The sparse model stores 46 weights as fp16 sparse constants, each expanded
// by a DENSIFY node and then dequantized to fp32.
TEST(ReaderTest, SparseModelHasDensifyOfFp16SparseConstants) {
  ir::Model model = Load("face_detection_full_range_sparse.tflite");
  ASSERT_FALSE(model.subgraphs.empty());
  const ir::Graph& g = model.main_graph();
  int densify = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpCode::kDensify) {
      ++densify;
      ASSERT_EQ(n.inputs.size(), 1u);
      ASSERT_EQ(n.outputs.size(), 1u);
      const ir::Tensor& in = g.tensors[n.inputs[0]];
      const ir::Tensor& out = g.tensors[n.outputs[0]];
      EXPECT_TRUE(in.is_constant());
      ASSERT_TRUE(in.sparsity.has_value()) << in.name;
      EXPECT_EQ(in.dtype, DType::kFloat16);
      EXPECT_EQ(out.dtype, DType::kFloat16);
      EXPECT_EQ(in.shape, out.shape);
      // Packed: fewer bytes than the dense tensor.
      EXPECT_LT(in.data_bytes, NumElementsUnchecked(in.shape) * 2u) << in.name;
      EXPECT_EQ(in.sparsity->dim_metadata.size(),
                in.sparsity->traversal_order.size());
    }
    if (n.op == ir::OpCode::kDequantize) {
      const ir::Tensor& in = g.tensors[n.inputs[0]];
      EXPECT_EQ(in.dtype, DType::kFloat16);
      EXPECT_EQ(g.tensors[n.outputs[0]].dtype, DType::kFloat32);
      EXPECT_EQ(n.version, 3);
    }
  }
  EXPECT_EQ(densify, 46);
}

TEST(ReaderTest, DeprecatedBuiltinCodeOnlyFile) {
  // face_detection_short_range sets only deprecated_builtin_code (its
  // builtin_code fields are 0 = ADD); the effective code is the larger one.
  ir::Model model = Load("face_detection_short_range.tflite");
  ASSERT_FALSE(model.subgraphs.empty());
  const ir::Graph& g = model.main_graph();
  const ir::Node& first = g.nodes.front();
  EXPECT_NE(first.op, ir::OpCode::kAdd);
  int conv = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op != ir::OpCode::kConv2D) continue;
    ++conv;
    const auto* p = std::get_if<ir::Conv2DParams>(&n.params);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(p->stride_w, 1);
    EXPECT_GE(p->stride_h, 1);
    EXPECT_EQ(p->dilation_w, 1);
  }
  EXPECT_EQ(conv, 21);
}

TEST(ReaderTest, SelfieCustomOpKeepsNameAndInputs) {
  ir::Model model = Load("selfie_segmentation.tflite");
  ASSERT_FALSE(model.subgraphs.empty());
  const ir::Graph& g = model.main_graph();
  int found = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op != ir::OpCode::kCustom) continue;
    ++found;
    EXPECT_EQ(n.custom_name, "Convolution2DTransposeBias");
    EXPECT_EQ(n.OpName(), "Convolution2DTransposeBias");
    EXPECT_EQ(n.inputs.size(), 3u);  // input, weights, bias
    EXPECT_EQ(n.outputs.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(n.params));
  }
  EXPECT_EQ(found, 1);
  // The network ends in a sigmoid mask of the input's spatial size.
  const ir::Tensor& out = g.tensors[g.outputs[0]];
  EXPECT_EQ(out.shape, (Shape{1, 256, 256, 1}));
}

TEST(ReaderTest, MissingFileIsAnIoError) {
  Result<ir::Model> model = ReadModelFile("/nonexistent/model.tflite");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kIoError);
  EXPECT_NE(model.status().message().find("/nonexistent/model.tflite"),
            std::string::npos);
}

}  // namespace
}  // namespace mai::tflite

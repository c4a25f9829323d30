// The selfie segmentation models end to end against real TensorFlow Lite.
// TFLite cannot run MediaPipe's Convolution2DTransposeBias, so the test
// rewrites every such node into builtin TRANSPOSE_CONV + ADD (same weights,
// padding and strides, bias added after), writes the model with mai's
// writer, runs that in TFLite, and compares with mai running the ORIGINAL
// model. This checks the custom kernel and the whole model at once.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/npy.h"
#include "mai/session.h"
#include "oracle/tflite_oracle.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"

namespace mai {
namespace {

int32_t ReadInt32(const std::vector<uint8_t>& bytes, size_t offset) {
  int32_t v;
  std::memcpy(&v, bytes.data() + offset, 4);
  return v;
}

// Replaces Convolution2DTransposeBias nodes by TRANSPOSE_CONV + ADD.
// Output shapes are taken from the model's own tensors.
Result<ir::Model> RewriteTransposeConvBias(ir::Model model) {
  ir::Graph& g = model.main_graph();
  std::vector<ir::Node> nodes;
  int rewritten = 0;
  for (const ir::Node& node : g.nodes) {
    if (node.op != ir::OpCode::kCustom ||
        node.custom_name != "Convolution2DTransposeBias") {
      nodes.push_back(node);
      continue;
    }
    if (node.custom_options.size() < 12 || node.inputs.size() != 3) {
      return InvalidModel("unexpected Convolution2DTransposeBias layout");
    }
    int padding = ReadInt32(node.custom_options, 0);
    ir::TransposeConvParams params;
    params.padding = padding == 2 ? ir::Padding::kValid : ir::Padding::kSame;
    params.stride_w = ReadInt32(node.custom_options, 4);
    params.stride_h = ReadInt32(node.custom_options, 8);
    const ir::Tensor out = g.tensors[node.outputs[0]];

    ir::Tensor shape_tensor;
    shape_tensor.name = out.name + "/output_shape";
    shape_tensor.dtype = DType::kInt32;
    shape_tensor.shape = {4};
    std::vector<uint8_t> shape_bytes(16);
    std::memcpy(shape_bytes.data(), out.shape.data(), 16);
    shape_tensor.SetOwnedData(std::move(shape_bytes));
    int shape_index = static_cast<int>(g.tensors.size());
    g.tensors.push_back(shape_tensor);

    ir::Tensor pre_bias = out;
    pre_bias.name = out.name + "/no_bias";
    int pre_bias_index = static_cast<int>(g.tensors.size());
    g.tensors.push_back(pre_bias);

    ir::Node tconv;
    tconv.op = ir::OpCode::kTransposeConv;
    tconv.inputs = {shape_index, node.inputs[1], node.inputs[0]};
    tconv.outputs = {pre_bias_index};
    tconv.params = params;
    nodes.push_back(tconv);

    ir::Node add;
    add.op = ir::OpCode::kAdd;
    add.inputs = {pre_bias_index, node.inputs[2]};
    add.outputs = node.outputs;
    add.params = ir::BinaryParams{};
    nodes.push_back(add);
    ++rewritten;
  }
  if (rewritten == 0)
    return InvalidModel("no Convolution2DTransposeBias found");
  g.nodes = std::move(nodes);
  return model;
}

class SelfieRewriteTest
    : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(SelfieRewriteTest, MatchesTfliteWithBuiltinTransposeConv) {
  auto [name, size] = GetParam();
  std::string path = testing::OracleModelsDir() + "/" + name + ".tflite";
  auto original = tflite::ReadModelFile(path);
  ASSERT_TRUE(original.ok()) << original.status().message();
  auto rewritten = RewriteTransposeConvBias(*original);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().message();
  auto bytes = tflite::WriteModel(*rewritten);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();

  std::string why;
  testing::TfliteOracle* oracle = testing::SharedOracle(&why);
  ASSERT_NE(oracle, nullptr) << why;

  for (const char* backend : {"ref", "xnnpack"}) {
    SessionOptions options;
    options.backend = backend;
    options.allow_fallback = false;
    auto session = Session::LoadFile(path, options);
    ASSERT_TRUE(session.ok()) << session.status().message();
    Session& s = **session;
    ASSERT_TRUE(s.Prepare().ok()) << backend;

    std::vector<std::string> photos = {"seed", "astronaut", "coffee"};
    for (const std::string& photo : photos) {
      if (photo == "seed") {
        FillDeterministic(DType::kFloat32, 1, 0, s.input_data(0));
      } else {
        auto file = ReadFileBytes(testing::OraclePhotosDir() + "/" + photo +
                                  "_" + size + "_01.npy");
        ASSERT_TRUE(file.ok()) << file.status().message();
        auto npy = ParseNpy(*file);
        ASSERT_TRUE(npy.ok());
        ASSERT_TRUE(s.SetInput(0, npy->data).ok());
      }
      std::vector<uint8_t> input(s.input_data(0).begin(),
                                 s.input_data(0).end());
      ASSERT_TRUE(s.Invoke().ok());
      auto theirs = oracle->Run(*bytes, {input});
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      auto ours = s.output<float>(0);
      std::vector<float> t((*theirs)[0].data.size() / 4);
      std::memcpy(t.data(), (*theirs)[0].data.data(), t.size() * 4);
      ASSERT_EQ(ours.size(), t.size());
      double max_abs = 0, max_diff = 0;
      for (size_t i = 0; i < t.size(); ++i) {
        max_abs = std::max(max_abs, std::fabs(double{t[i]}));
        max_diff = std::max(max_diff, std::fabs(double{ours[i]} - t[i]));
      }
      double rel = max_diff / std::max(max_abs, 1e-12);
      std::printf("max_rel_err %s %s %s %.3g (max |tflite| %.3g)\n", backend,
                  name, photo.c_str(), rel, max_abs);
      EXPECT_LE(rel, 1e-3) << backend << " " << name << " " << photo;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Selfie, SelfieRewriteTest,
    ::testing::Values(std::make_pair("selfie_segmentation", "256x256"),
                      std::make_pair("selfie_segmentation_landscape",
                                     "144x256")));

}  // namespace
}  // namespace mai

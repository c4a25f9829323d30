// Writer and ModelBuilder: read -> write -> read preserves every field;
// real TFLite loads what mai writes and computes the same outputs; the
// format details TFLite relies on (buffer 0, operator codes, buffers past
// the flatbuffer) are checked on the written bytes themselves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>

#include "ir/graph.h"
#include "oracle/tflite_oracle.h"
#include "tflite/model_builder.h"
#include "tflite/model_reader.h"
#include "tflite/model_writer.h"
#include "tflite/schema/tflite_schema_generated.h"

namespace mai::tflite {
namespace {

using ir::OpCode;

// --- field-by-field comparison -------------------------------------------

auto Tie(const ir::Conv2DParams& p) {
  return std::tie(p.padding, p.stride_w, p.stride_h, p.dilation_w, p.dilation_h,
                  p.activation);
}
auto Tie(const ir::DepthwiseConv2DParams& p) {
  return std::tie(p.padding, p.stride_w, p.stride_h, p.depth_multiplier,
                  p.dilation_w, p.dilation_h, p.activation);
}
auto Tie(const ir::TransposeConvParams& p) {
  return std::tie(p.padding, p.stride_w, p.stride_h, p.activation);
}
auto Tie(const ir::FullyConnectedParams& p) {
  return std::tie(p.activation, p.keep_num_dims, p.asymmetric_quantize_inputs,
                  p.weights_format);
}
auto Tie(const ir::BatchMatMulParams& p) {
  return std::tie(p.adj_x, p.adj_y, p.asymmetric_quantize_inputs);
}
auto Tie(const ir::Pool2DParams& p) {
  return std::tie(p.padding, p.stride_w, p.stride_h, p.filter_w, p.filter_h,
                  p.activation);
}
auto Tie(const ir::BinaryParams& p) {
  return std::tie(p.activation, p.pot_scale_int16);
}
auto Tie(const ir::ConcatenationParams& p) {
  return std::tie(p.axis, p.activation);
}
auto Tie(const ir::ReshapeParams& p) {
  return std::tie(p.new_shape, p.has_new_shape);
}
auto Tie(const ir::SoftmaxParams& p) { return std::tie(p.beta); }
auto Tie(const ir::LeakyReluParams& p) { return std::tie(p.alpha); }
auto Tie(const ir::ReducerParams& p) { return std::tie(p.keep_dims); }
auto Tie(const ir::SqueezeParams& p) { return std::tie(p.squeeze_dims); }
auto Tie(const ir::StridedSliceParams& p) {
  return std::tie(p.begin_mask, p.end_mask, p.ellipsis_mask, p.new_axis_mask,
                  p.shrink_axis_mask, p.offset);
}
auto Tie(const ir::PackParams& p) { return std::tie(p.values_count, p.axis); }
auto Tie(const ir::UnpackParams& p) { return std::tie(p.num, p.axis); }
auto Tie(const ir::SplitParams& p) { return std::tie(p.num_splits); }
auto Tie(const ir::GatherParams& p) { return std::tie(p.axis, p.batch_dims); }
auto Tie(const ir::ResizeParams& p) {
  return std::tie(p.align_corners, p.half_pixel_centers);
}
auto Tie(const ir::BlockSizeParams& p) { return std::tie(p.block_size); }
auto Tie(const ir::MirrorPadParams& p) { return std::tie(p.mode); }
auto Tie(const ir::CastParams& p) { return std::tie(p.in_dtype, p.out_dtype); }
auto Tie(const ir::ShapeParams& p) { return std::tie(p.out_type); }
auto Tie(const ir::ArgMinMaxParams& p) { return std::tie(p.output_type); }
auto Tie(const ir::GeluParams& p) { return std::tie(p.approximate); }
auto Tie(const ir::L2NormParams& p) { return std::tie(p.activation); }

bool ParamsEqual(const ir::OpParams& a, const ir::OpParams& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return true;
        } else {
          return Tie(x) == Tie(std::get<T>(b));
        }
      },
      a);
}

void ExpectTensorsEqual(const ir::Tensor& a, const ir::Tensor& b,
                        const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.shape_signature, b.shape_signature);
  EXPECT_EQ(a.is_variable, b.is_variable);
  EXPECT_EQ(a.quant.scale, b.quant.scale);
  EXPECT_EQ(a.quant.zero_point, b.quant.zero_point);
  EXPECT_EQ(a.quant.min, b.quant.min);
  EXPECT_EQ(a.quant.max, b.quant.max);
  if (!a.quant.empty())
    EXPECT_EQ(a.quant.quantized_dimension, b.quant.quantized_dimension);
  ASSERT_EQ(a.sparsity.has_value(), b.sparsity.has_value());
  if (a.sparsity) {
    EXPECT_EQ(a.sparsity->traversal_order, b.sparsity->traversal_order);
    EXPECT_EQ(a.sparsity->block_map, b.sparsity->block_map);
    ASSERT_EQ(a.sparsity->dim_metadata.size(), b.sparsity->dim_metadata.size());
    for (size_t i = 0; i < a.sparsity->dim_metadata.size(); ++i) {
      const auto& da = a.sparsity->dim_metadata[i];
      const auto& db = b.sparsity->dim_metadata[i];
      EXPECT_EQ(da.dense, db.dense);
      if (da.dense) EXPECT_EQ(da.dense_size, db.dense_size);
      EXPECT_EQ(da.segments, db.segments);
      EXPECT_EQ(da.indices, db.indices);
    }
  }
  EXPECT_EQ(a.is_constant(), b.is_constant());
  ASSERT_EQ(a.data_bytes, b.data_bytes);
  if (a.data_bytes > 0) EXPECT_EQ(0, std::memcmp(a.data, b.data, a.data_bytes));
}

void ExpectModelsEqual(const ir::Model& a, const ir::Model& b) {
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.metadata, b.metadata);
  ASSERT_EQ(a.signatures.size(), b.signatures.size());
  for (size_t i = 0; i < a.signatures.size(); ++i) {
    const auto& sa = a.signatures[i];
    const auto& sb = b.signatures[i];
    EXPECT_EQ(sa.key, sb.key);
    EXPECT_EQ(sa.subgraph_index, sb.subgraph_index);
    ASSERT_EQ(sa.inputs.size(), sb.inputs.size());
    ASSERT_EQ(sa.outputs.size(), sb.outputs.size());
    for (size_t k = 0; k < sa.inputs.size(); ++k) {
      EXPECT_EQ(sa.inputs[k].name, sb.inputs[k].name);
      EXPECT_EQ(sa.inputs[k].tensor_index, sb.inputs[k].tensor_index);
    }
    for (size_t k = 0; k < sa.outputs.size(); ++k) {
      EXPECT_EQ(sa.outputs[k].name, sb.outputs[k].name);
      EXPECT_EQ(sa.outputs[k].tensor_index, sb.outputs[k].tensor_index);
    }
  }
  ASSERT_EQ(a.subgraphs.size(), b.subgraphs.size());
  for (size_t s = 0; s < a.subgraphs.size(); ++s) {
    const ir::Graph& ga = a.subgraphs[s];
    const ir::Graph& gb = b.subgraphs[s];
    EXPECT_EQ(ga.name, gb.name);
    EXPECT_EQ(ga.inputs, gb.inputs);
    EXPECT_EQ(ga.outputs, gb.outputs);
    ASSERT_EQ(ga.tensors.size(), gb.tensors.size());
    for (size_t t = 0; t < ga.tensors.size(); ++t) {
      ExpectTensorsEqual(ga.tensors[t], gb.tensors[t],
                         ga.TensorLabel(static_cast<int>(t)));
    }
    ASSERT_EQ(ga.nodes.size(), gb.nodes.size());
    for (size_t j = 0; j < ga.nodes.size(); ++j) {
      SCOPED_TRACE(ga.NodeLabel(static_cast<int>(j)));
      const ir::Node& na = ga.nodes[j];
      const ir::Node& nb = gb.nodes[j];
      EXPECT_EQ(na.op, nb.op);
      EXPECT_EQ(na.version, nb.version);
      EXPECT_EQ(na.custom_name, nb.custom_name);
      EXPECT_EQ(na.inputs, nb.inputs);
      EXPECT_EQ(na.outputs, nb.outputs);
      EXPECT_EQ(na.intermediates, nb.intermediates);
      EXPECT_TRUE(ParamsEqual(na.params, nb.params));
      EXPECT_EQ(na.custom_options, nb.custom_options);
    }
  }
}

std::string ModelPath(const std::string& name) {
  return testing::OracleModelsDir() + "/" + name;
}

ir::Model MustRead(std::vector<uint8_t> bytes) {
  Result<ir::Model> m = ReadModelBytes(std::move(bytes));
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? std::move(m).value() : ir::Model{};
}

const char* const kRealModels[] = {
    "face_detection_short_range.tflite", "face_detection_full_range.tflite",
    "face_detection_full_range_sparse.tflite", "selfie_segmentation.tflite",
    "selfie_segmentation_landscape.tflite"};

// --- real models
// ----------------------------------------------------------------

class RealRoundTripTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RealRoundTripTest, ReadWriteReadPreservesEverything) {
  std::string path = ModelPath(GetParam());
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << ": run scripts/fetch_models.sh";
  Result<ir::Model> original = ReadModelFile(path);
  ASSERT_TRUE(original.ok()) << original.status().message();
  Result<std::vector<uint8_t>> bytes = WriteModel(*original);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ir::Model again = MustRead(*bytes);
  ExpectModelsEqual(*original, again);
  // Writing is deterministic.
  Result<std::vector<uint8_t>> bytes2 = WriteModel(again);
  ASSERT_TRUE(bytes2.ok());
  EXPECT_EQ(*bytes, *bytes2);
}

TEST_P(RealRoundTripTest, BuffersPastTheFlatbufferReadBackTheSame) {
  std::string path = ModelPath(GetParam());
  Result<ir::Model> original = ReadModelFile(path);
  ASSERT_TRUE(original.ok()) << original.status().message();
  WriteOptions options;
  options.buffers_after_flatbuffer = true;
  Result<std::vector<uint8_t>> bytes = WriteModel(*original, options);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  // Every non-empty buffer is an (offset, size) pair past the flatbuffer.
  const fb::Model* m = fb::GetModel(bytes->data());
  int external = 0;
  for (const fb::Buffer* b : *m->buffers()) {
    if (b->size() == 0) continue;
    ++external;
    EXPECT_EQ(b->data(), nullptr);
    EXPECT_GT(b->offset(), 1u);
    EXPECT_EQ(b->offset() % 16, 0u);
    EXPECT_LE(b->offset() + b->size(), bytes->size());
  }
  EXPECT_GT(external, 0);
  ir::Model again = MustRead(*bytes);
  ExpectModelsEqual(*original, again);
}

INSTANTIATE_TEST_SUITE_P(MediaPipe, RealRoundTripTest,
                         ::testing::ValuesIn(kRealModels),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

// What mai writes, real TFLite loads and runs to the very same outputs as
// the original file (same seeded inputs, same TFLite build).
TEST(WriterOracleTest, RewrittenFaceModelsRunIdenticallyInTflite) {
  std::string why;
  testing::TfliteOracle* oracle = testing::SharedOracle(&why);
  if (oracle == nullptr) GTEST_SKIP() << why;
  for (const char* name : {"face_detection_short_range.tflite",
                           "face_detection_full_range_sparse.tflite"}) {
    SCOPED_TRACE(name);
    std::string path = ModelPath(name);
    Result<ir::Model> model = ReadModelFile(path);
    ASSERT_TRUE(model.ok()) << model.status().message();
    Result<std::vector<uint8_t>> bytes = WriteModel(*model);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    Result<testing::OracleSeededRun> expected = oracle->RunFileSeeded(path, 7);
    ASSERT_TRUE(expected.ok()) << expected.status().message();
    Result<std::vector<testing::OracleTensor>> actual =
        oracle->Run(*bytes, expected->inputs);
    ASSERT_TRUE(actual.ok()) << actual.status().message();
    ASSERT_EQ(actual->size(), expected->outputs.size());
    for (size_t i = 0; i < actual->size(); ++i) {
      EXPECT_EQ((*actual)[i].shape, expected->outputs[i].shape);
      EXPECT_EQ((*actual)[i].data, expected->outputs[i].data) << "output " << i;
    }
  }
}

// --- format details on the written bytes ----------------------------------

TEST(WriterFormatTest, OperatorCodesAreDedupedWithDeprecatedCodeClamped) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 4});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 4});
  int z = b.AddTensor("z", DType::kFloat32, Shape{1, 4});
  int w = b.AddTensor("w", DType::kFloat32, Shape{1, 4});
  int v = b.AddTensor("v", DType::kFloat32, Shape{1, 4});
  b.AddOp(OpCode::kGelu, {x}, {y}, ir::GeluParams{true});
  b.AddOp(OpCode::kRelu, {y}, {z});
  b.AddOp(OpCode::kRelu, {z}, {w});
  b.AddOp(OpCode::kRelu, {w}, {v}, {}, /*version=*/2);
  b.MarkOutput(v);
  Result<std::vector<uint8_t>> bytes = b.Build();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_TRUE(fb::ModelBufferHasIdentifier(bytes->data()));
  const fb::Model* m = fb::GetModel(bytes->data());
  ASSERT_EQ(m->operator_codes()->size(), 3u);  // GELU v1, RELU v1, RELU v2
  const fb::OperatorCode* gelu = m->operator_codes()->Get(0);
  EXPECT_EQ(gelu->builtin_code(), 150);
  EXPECT_EQ(gelu->deprecated_builtin_code(), 127);
  const fb::OperatorCode* relu = m->operator_codes()->Get(1);
  EXPECT_EQ(relu->builtin_code(), 19);
  EXPECT_EQ(relu->deprecated_builtin_code(), 19);
  EXPECT_EQ(m->operator_codes()->Get(2)->version(), 2);
  const auto* ops = m->subgraphs()->Get(0)->operators();
  EXPECT_EQ(ops->Get(1)->opcode_index(), ops->Get(2)->opcode_index());
  EXPECT_NE(ops->Get(2)->opcode_index(), ops->Get(3)->opcode_index());
  // The reader maps them back.
  ir::Model model = MustRead(*bytes);
  ASSERT_FALSE(model.subgraphs.empty());
  EXPECT_EQ(model.main_graph().nodes[0].op, OpCode::kGelu);
  EXPECT_TRUE(
      std::get<ir::GeluParams>(model.main_graph().nodes[0].params).approximate);
  EXPECT_EQ(model.main_graph().nodes[3].version, 2);
}

TEST(WriterFormatTest, BufferZeroIsTheEmptySentinel) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {2});
  int c = b.AddConstant<float>("c", {2}, {1.5f, -2.0f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{2});
  b.AddOp(OpCode::kAdd, {x, c}, {y});
  b.MarkOutput(y);
  Result<std::vector<uint8_t>> bytes = b.Build();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const fb::Model* m = fb::GetModel(bytes->data());
  ASSERT_GE(m->buffers()->size(), 2u);
  const fb::Buffer* sentinel = m->buffers()->Get(0);
  EXPECT_TRUE(sentinel->data() == nullptr || sentinel->data()->size() == 0);
  const auto* tensors = m->subgraphs()->Get(0)->tensors();
  EXPECT_EQ(tensors->Get(x)->buffer(), 0u);
  EXPECT_EQ(tensors->Get(y)->buffer(), 0u);
  uint32_t cb = tensors->Get(c)->buffer();
  ASSERT_NE(cb, 0u);
  const auto* data = m->buffers()->Get(cb)->data();
  ASSERT_NE(data, nullptr);
  ASSERT_EQ(data->size(), 8u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data->data()) % 16, 0u);
  float values[2];
  std::memcpy(values, data->data(), 8);
  EXPECT_EQ(values[0], 1.5f);
  EXPECT_EQ(values[1], -2.0f);
  EXPECT_EQ(m->version(), 3u);
}

// --- ModelBuilder
// ------------------------------------------------------------------

// A model touching every tensor feature: per-channel int8 weights, a
// resizable batch dim, fp16 and sparse constants, a custom op with options,
// signatures, metadata.
ModelBuilder RichModel() {
  ModelBuilder b;
  ir::QuantParams in_q{{0.5f}, {-3}, 0, {}, {}};
  int x = b.AddInput("x", DType::kInt8, {1, 4, 4, 3}, in_q, {-1, 4, 4, 3});
  ir::QuantParams w_q{{0.1f, 0.2f}, {0, 0}, 0, {}, {}};
  std::vector<int8_t> w(2 * 3 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(int(i % 17) - 8);
  int wt = b.AddConstant<int8_t>("w", {2, 3, 3, 3}, w, w_q);
  ir::QuantParams b_q{{0.05f, 0.1f}, {0, 0}, 0, {}, {}};
  int bias = b.AddConstant<int32_t>("b", {2}, {10, -20}, b_q);
  ir::QuantParams out_q{{0.25f}, {5}, 0, {-10.0f}, {10.0f}};
  int conv = b.AddTensor("conv", DType::kInt8, Shape{1, 2, 2, 2}, out_q);
  ir::Conv2DParams cp;
  cp.padding = ir::Padding::kValid;
  cp.activation = ir::Activation::kRelu6;
  b.AddOp(OpCode::kConv2D, {x, wt, bias}, {conv}, cp, /*version=*/3);

  // fp16 constant -> DEQUANTIZE; sparse fp32 constant -> DENSIFY.
  std::vector<uint8_t> half = {0x00, 0x3c, 0x00, 0xc0};  // 1.0, -2.0
  int h = b.AddConstantBytes("h", DType::kFloat16, {2}, half);
  int hf = b.AddTensor("hf", DType::kFloat32, Shape{2});
  b.AddOp(OpCode::kDequantize, {h}, {hf}, {}, 2);
  ir::SparsityParams sp;
  sp.traversal_order = {0, 1};
  sp.dim_metadata = {
      ir::SparseDimension{true, 4, {}, {}},
      ir::SparseDimension{false, 0, {0, 2, 2, 3, 5}, {0, 3, 1, 0, 2}}};
  std::vector<float> nz = {1, 2, 3, 4, 5};
  std::vector<uint8_t> nz_bytes(nz.size() * 4);
  std::memcpy(nz_bytes.data(), nz.data(), nz_bytes.size());
  int s = b.AddSparseConstant("s", DType::kFloat32, {4, 4}, nz_bytes, sp);
  int d = b.AddTensor("d", DType::kFloat32, Shape{4, 4});
  b.AddOp(OpCode::kDensify, {s}, {d});

  int cu = b.AddTensor("cu", DType::kFloat32, Shape{4, 4});
  b.AddCustomOp("MyCustom", {d, hf, ir::kNoTensor}, {cu}, {1, 2, 3, 250});
  b.MarkOutput(conv);
  b.MarkOutput(cu);
  b.AddSignature("serving_default", {{"image", x}},
                 {{"features", conv}, {"dense", cu}});
  return b;
}

TEST(ModelBuilderTest, RichModelRoundTripsThroughBytes) {
  ModelBuilder b = RichModel();
  Result<ir::Model> built = b.BuildModel();
  ASSERT_TRUE(built.ok()) << built.status().message();
  built->description = "mai test model";
  built->metadata.emplace_back("min_runtime_version",
                               std::vector<uint8_t>{'1', '.', '0', 0});
  Result<std::vector<uint8_t>> bytes = WriteModel(*built);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ir::Model read = MustRead(*bytes);
  ExpectModelsEqual(*built, read);
  ASSERT_FALSE(read.subgraphs.empty());
  const ir::Graph& g = read.main_graph();
  EXPECT_EQ(g.tensors[0].shape, (Shape{1, 4, 4, 3}));
  EXPECT_EQ(g.tensors[0].shape_signature, (Shape{-1, 4, 4, 3}));
  EXPECT_TRUE(g.tensors[1].quant.per_channel());
  EXPECT_EQ(g.nodes[0].version, 3);
  EXPECT_EQ(g.nodes[3].custom_name, "MyCustom");
  EXPECT_EQ(g.nodes[3].inputs[2], ir::kNoTensor);
}

TEST(ModelBuilderTest, ExternalBuffersAndFileRoundTrip) {
  Result<ir::Model> built = RichModel().BuildModel();
  ASSERT_TRUE(built.ok()) << built.status().message();
  std::string path = ::testing::TempDir() + "/mai_writer_test_" +
                     std::to_string(::getpid()) + ".tflite";
  WriteOptions options;
  options.buffers_after_flatbuffer = true;
  ASSERT_TRUE(WriteModelFile(*built, path, options).ok());
  Result<ir::Model> read = ReadModelFile(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ExpectModelsEqual(*built, *read);
  // Constants are read in place from the mapped file, past the flatbuffer.
  const ir::Tensor& w = read->main_graph().tensors[1];
  ASSERT_TRUE(w.is_constant());
  EXPECT_GE(w.data, read->storage->data());
  EXPECT_LE(w.data + w.data_bytes,
            read->storage->data() + read->storage->size());
}

TEST(ModelBuilderTest, InfersShapesLeftOpen) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 5, 7, 2});
  std::vector<float> w(3 * 3 * 3 * 2, 0.5f);
  int wt = b.AddConstant<float>("w", {3, 3, 3, 2}, w);
  int bias = b.AddConstant<float>("b", {3}, {0, 0, 0});
  int y = b.AddTensor("y", DType::kFloat32, std::nullopt);
  ir::Conv2DParams cp;
  cp.padding = ir::Padding::kValid;
  cp.stride_w = 2;
  b.AddOp(OpCode::kConv2D, {x, wt, bias}, {y}, cp);
  b.MarkOutput(y);
  Result<ir::Model> model = b.BuildModel();
  ASSERT_TRUE(model.ok()) << model.status().message();
  // VALID: h = 5 - 3 + 1 = 3; w = floor((7 - 3) / 2) + 1 = 3.
  EXPECT_EQ(model->main_graph().tensors[y].shape, (Shape{1, 3, 3, 3}));
  // The builder's own graph is untouched.
  EXPECT_TRUE(b.graph().tensors[y].shape.empty());
}

TEST(ModelBuilderTest, ConstantOfWrongSizeIsRejected) {
  ModelBuilder b;
  int c = b.AddConstant<float>("c", {2, 3}, {1, 2, 3, 4, 5});
  b.MarkOutput(c);
  Result<std::vector<uint8_t>> bytes = b.Build();
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("constant has 20 bytes"),
            std::string::npos)
      << bytes.status().message();
  EXPECT_NE(bytes.status().message().find("'c'"), std::string::npos);
}

TEST(ModelBuilderTest, ParamsOfAnotherOpAreRejected) {
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 2, 2, 1});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 2, 2, 1});
  b.AddOp(OpCode::kConv2D, {x, x}, {y}, ir::Pool2DParams{});
  b.MarkOutput(y);
  Result<std::vector<uint8_t>> bytes = b.Build();
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("node 0 (CONV_2D)"),
            std::string::npos)
      << bytes.status().message();
}

// A built float model runs in real TFLite with the values worked out by hand.
TEST(ModelBuilderTest, BuiltModelRunsInTflite) {
  std::string why;
  testing::TfliteOracle* oracle = testing::SharedOracle(&why);
  if (oracle == nullptr) GTEST_SKIP() << why;
  ModelBuilder b;
  int x = b.AddInput("x", DType::kFloat32, {1, 1, 2, 2});
  // 1x1 conv, 2 -> 1 channels: y = 2*c0 - c1 + 0.5, then + [10, 20] and RELU.
  int w = b.AddConstant<float>("w", {1, 1, 1, 2}, {2.0f, -1.0f});
  int bias = b.AddConstant<float>("bias", {1}, {0.5f});
  int y = b.AddTensor("y", DType::kFloat32, Shape{1, 1, 2, 1});
  b.AddOp(OpCode::kConv2D, {x, w, bias}, {y}, ir::Conv2DParams{});
  int k = b.AddConstant<float>("k", {1, 1, 2, 1}, {10.0f, -20.0f});
  int z = b.AddTensor("z", DType::kFloat32, Shape{1, 1, 2, 1});
  b.AddOp(OpCode::kAdd, {y, k}, {z},
          ir::BinaryParams{ir::Activation::kRelu, true});
  b.MarkOutput(z);
  Result<std::vector<uint8_t>> bytes = b.Build();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  std::vector<float> in = {1.0f, 3.0f, 4.0f, -2.0f};
  std::vector<uint8_t> in_bytes(16);
  std::memcpy(in_bytes.data(), in.data(), 16);
  Result<std::vector<testing::OracleTensor>> out =
      oracle->Run(*bytes, {in_bytes});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 1u);
  ASSERT_EQ((*out)[0].data.size(), 8u);
  float got[2];
  std::memcpy(got, (*out)[0].data.data(), 8);
  // pixel 0: 2*1 - 3 + 0.5 + 10 = 9.5; pixel 1: 2*4 + 2 + 0.5 - 20 = -9.5 -> 0.
  EXPECT_FLOAT_EQ(got[0], 9.5f);
  EXPECT_FLOAT_EQ(got[1], 0.0f);
}

}  // namespace
}  // namespace mai::tflite

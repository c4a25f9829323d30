#include "tflite/model_builder.h"

#include "ir/shape_inference.h"
#include "tflite/model_writer.h"

namespace mai::tflite {

ModelBuilder::ModelBuilder() { model_.subgraphs.emplace_back(); }

int ModelBuilder::AddInput(const std::string& name, DType dtype,
                           const Shape& shape, const ir::QuantParams& quant,
                           const Shape& shape_signature) {
  int index = AddTensor(name, dtype, shape, quant);
  graph().tensors[index].shape_signature = shape_signature;
  graph().inputs.push_back(index);
  return index;
}

int ModelBuilder::AddConstantBytes(const std::string& name, DType dtype,
                                   const Shape& shape,
                                   std::vector<uint8_t> bytes,
                                   const ir::QuantParams& quant) {
  int index = AddTensor(name, dtype, shape, quant);
  graph().tensors[index].SetOwnedData(std::move(bytes));
  return index;
}

int ModelBuilder::AddSparseConstant(const std::string& name, DType dtype,
                                    const Shape& shape,
                                    std::vector<uint8_t> bytes,
                                    ir::SparsityParams sparsity,
                                    const ir::QuantParams& quant) {
  int index = AddConstantBytes(name, dtype, shape, std::move(bytes), quant);
  graph().tensors[index].sparsity = std::move(sparsity);
  return index;
}

int ModelBuilder::AddTensor(const std::string& name, DType dtype,
                            const std::optional<Shape>& shape,
                            const ir::QuantParams& quant) {
  ir::Tensor tensor;
  tensor.name = name;
  tensor.dtype = dtype;
  if (shape) tensor.shape = *shape;
  tensor.quant = quant;
  graph().tensors.push_back(std::move(tensor));
  infer_shape_.push_back(!shape.has_value());
  return static_cast<int>(graph().tensors.size()) - 1;
}

void ModelBuilder::AddOp(ir::OpCode op, const std::vector<int>& inputs,
                         const std::vector<int>& outputs, ir::OpParams params,
                         int version) {
  ir::Node node;
  node.op = op;
  node.version = version;
  node.inputs.assign(inputs.begin(), inputs.end());
  node.outputs.assign(outputs.begin(), outputs.end());
  node.params = std::move(params);
  graph().nodes.push_back(std::move(node));
}

void ModelBuilder::AddCustomOp(const std::string& name,
                               const std::vector<int>& inputs,
                               const std::vector<int>& outputs,
                               std::vector<uint8_t> custom_options) {
  ir::Node node;
  node.op = ir::OpCode::kCustom;
  node.custom_name = name;
  node.inputs.assign(inputs.begin(), inputs.end());
  node.outputs.assign(outputs.begin(), outputs.end());
  node.custom_options = std::move(custom_options);
  graph().nodes.push_back(std::move(node));
}

void ModelBuilder::MarkOutput(int tensor) { graph().outputs.push_back(tensor); }

void ModelBuilder::AddSignature(
    const std::string& key,
    const std::vector<std::pair<std::string, int>>& inputs,
    const std::vector<std::pair<std::string, int>>& outputs) {
  ir::SignatureDef sig;
  sig.key = key;
  sig.subgraph_index = 0;
  for (const auto& [name, t] : inputs) sig.inputs.push_back({name, t});
  for (const auto& [name, t] : outputs) sig.outputs.push_back({name, t});
  model_.signatures.push_back(std::move(sig));
}

Result<ir::Model> ModelBuilder::BuildModel() const {
  ir::Model model = model_;
  ir::Graph& g = model.main_graph();
  const int num_tensors = static_cast<int>(g.tensors.size());
  for (int t = 0; t < num_tensors; ++t) {
    const ir::Tensor& tensor = g.tensors[t];
    if (!tensor.is_constant() || tensor.sparsity) continue;
    auto n = NumElements(tensor.shape);
    if (!n.ok()) return n.status().WithContext(g.TensorLabel(t));
    size_t expected = static_cast<size_t>(*n) * DTypeSize(tensor.dtype);
    if (DTypeSize(tensor.dtype) != 0 && expected != tensor.data_bytes) {
      return InvalidArgument(
          "{}: constant has {} bytes, shape {} of {} needs {}",
          g.TensorLabel(t), tensor.data_bytes, ShapeToString(tensor.shape),
          DTypeName(tensor.dtype), expected);
    }
  }
  for (int j = 0; j < static_cast<int>(g.nodes.size()); ++j) {
    // Only nodes with an output left to inference are inferred; shapes the
    // caller gave stay as given.
    std::vector<std::pair<int, Shape>> given;
    bool infer = false;
    for (int t : g.nodes[j].outputs) {
      if (t < 0 || t >= num_tensors) {
        return InvalidArgument("{}: output tensor index {} is out of range",
                               g.NodeLabel(j), t);
      }
      if (infer_shape_[t]) {
        infer = true;
      } else {
        given.emplace_back(t, g.tensors[t].shape);
      }
    }
    if (!infer) continue;
    for (int t : g.nodes[j].inputs) {
      if (t != ir::kNoTensor && (t < 0 || t >= num_tensors)) {
        return InvalidArgument("{}: input tensor index {} is out of range",
                               g.NodeLabel(j), t);
      }
    }
    Status s = ir::InferNodeShapes(g, j);
    if (!s.ok()) return s.WithContext("shape inference");
    for (auto& [t, shape] : given) g.tensors[t].shape = std::move(shape);
  }
  return model;
}

Result<std::vector<uint8_t>> ModelBuilder::Build() const {
  MAI_ASSIGN_OR_RETURN(ir::Model model, BuildModel());
  return WriteModel(model);
}

}  // namespace mai::tflite

// The intermediate representation: Model → Graph (subgraph) → Tensor, Node.
//
// A Graph is plain data: tensors and nodes refer to each other by index.
// Constant tensors point at bytes owned elsewhere (the memory-mapped model
// file, kept alive by Model::storage) or at bytes a pass produced (held by
// Tensor::owned_data). Shapes here are the static shapes; after an input
// resize, shape inference (ir/shape_inference.h) rewrites them.
//
//   mai::ir::Model model = ...;            // from tflite::ReadModel()
//   const mai::ir::Graph& g = model.main_graph();
//   for (const Node& n : g.nodes) fmt::print("{}\n", n.DisplayName());
#ifndef MAI_IR_GRAPH_H_
#define MAI_IR_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "ir/op_code.h"
#include "ir/op_params.h"

namespace mai::ir {

// Affine quantization: real = scale * (q - zero_point). One entry for
// per-tensor quantization, one per slice of `quantized_dimension` for
// per-channel (weights). Empty scale = not quantized.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  // Optional calibration ranges as stored in files (informational).
  std::vector<float> min, max;

  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
};

// TFLite's sparse tensor encoding (SparsityParameters), already validated by
// the reader. Dimension metadata is in traversal order.
struct SparseDimension {
  bool dense = true;  // DENSE or SPARSE_CSR
  int32_t dense_size = 0;
  std::vector<int32_t> segments;  // CSR only
  std::vector<int32_t> indices;   // CSR only
};
struct SparsityParams {
  std::vector<int32_t> traversal_order;
  std::vector<int32_t> block_map;
  std::vector<SparseDimension> dim_metadata;
};

struct Tensor {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;  // static shape (-1 dims of the signature replaced by 1)
  Shape shape_signature;  // as in the file; empty when the file has none
  QuantParams quant;
  std::optional<SparsityParams> sparsity;
  bool is_variable = false;

  // Constant data (nullptr for activations). Points into Model::storage or
  // into owned_data.
  const uint8_t* data = nullptr;
  size_t data_bytes = 0;
  std::shared_ptr<const std::vector<uint8_t>> owned_data;

  bool is_constant() const { return data != nullptr; }
  // Bytes of the dense tensor: elements of `shape` × dtype size. Only for
  // shapes already validated (see NumElements).
  size_t byte_size() const {
    return static_cast<size_t>(NumElementsUnchecked(shape)) * DTypeSize(dtype);
  }
  template <typename T>
  std::span<const T> ConstValues() const {
    return {reinterpret_cast<const T*>(data), data_bytes / sizeof(T)};
  }
  // Replaces the constant data with bytes owned by the tensor.
  void SetOwnedData(std::vector<uint8_t> bytes) {
    // Non-null data, and 64 readable bytes past the end for SIMD kernels
    // that over-read (XNNPACK reads up to 16).
    bytes.reserve(bytes.size() + 64);
    auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    data = owned->data();
    data_bytes = owned->size();
    owned_data = std::move(owned);
  }
};

// Index of an absent optional input (TFLite writes -1).
inline constexpr int kNoTensor = -1;

struct Node {
  OpCode op = OpCode::kAdd;
  int32_t version = 1;
  std::string custom_name;      // for OpCode::kCustom
  std::vector<int32_t> inputs;  // tensor indices, kNoTensor for absent ones
  std::vector<int32_t> outputs;
  std::vector<int32_t> intermediates;
  OpParams params;
  std::vector<uint8_t> custom_options;  // raw bytes for custom ops

  // "CONV_2D" or the custom op's name.
  std::string OpName() const {
    return op == OpCode::kCustom ? custom_name : OpCodeName(op);
  }
};

struct Graph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;  // in execution order
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;

  // "node 12 (CONV_2D)"
  std::string NodeLabel(int node_index) const;
  // "tensor 7 'conv1/weights'"
  std::string TensorLabel(int tensor_index) const;
};

struct SignatureTensor {
  std::string name;
  int32_t tensor_index = 0;
};
struct SignatureDef {
  std::string key;
  int32_t subgraph_index = 0;
  std::vector<SignatureTensor> inputs;
  std::vector<SignatureTensor> outputs;
};

// Bytes a Model's constants point into (a memory-mapped file or a copy).
class ModelStorage {
 public:
  virtual ~ModelStorage() = default;
  virtual const uint8_t* data() const = 0;
  virtual size_t size() const = 0;
};

struct Model {
  uint32_t version = 3;
  std::string description;
  std::vector<Graph> subgraphs;  // subgraphs[0] is the main graph
  std::vector<SignatureDef> signatures;
  std::vector<std::pair<std::string, std::vector<uint8_t>>>
      metadata;  // name, bytes
  std::shared_ptr<const ModelStorage> storage;

  Graph& main_graph() { return subgraphs.front(); }
  const Graph& main_graph() const { return subgraphs.front(); }
};

}  // namespace mai::ir

#endif  // MAI_IR_GRAPH_H_

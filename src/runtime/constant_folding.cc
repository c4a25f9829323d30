#include "runtime/constant_folding.h"

#include <algorithm>
#include <cstring>

namespace mai::runtime {

bool CanFold(const ir::Graph& graph, int node_index,
             const backends::KernelRegistry& registry) {
  const ir::Node& node = graph.nodes[node_index];
  if (node.op == ir::OpCode::kCustom) return false;
  bool shape_only = node.op == ir::OpCode::kShape;
  for (int t : node.inputs) {
    if (t < 0) continue;
    const ir::Tensor& tensor = graph.tensors[t];
    if (tensor.is_variable) return false;
    if (!tensor.is_constant() && !shape_only) return false;
  }
  for (int t : node.outputs) {
    if (std::find(graph.outputs.begin(), graph.outputs.end(), t) !=
        graph.outputs.end()) {
      return false;
    }
    const ir::Tensor& tensor = graph.tensors[t];
    if (tensor.is_variable || tensor.is_constant()) return false;
    auto n = NumElements(tensor.shape);
    if (!n.ok() || DTypeSize(tensor.dtype) == 0) return false;
    if (static_cast<size_t>(*n) * DTypeSize(tensor.dtype) > kMaxFoldedBytes)
      return false;
  }
  return registry.Supports(node);
}

Status FoldNode(ir::Graph& graph, int node_index,
                const backends::KernelRegistry& registry) {
  const ir::Node& node = graph.nodes[node_index];
  std::unique_ptr<backends::OpKernel> kernel = registry.Create(node);
  if (!kernel)
    return Internal("{}: no kernel to fold", graph.NodeLabel(node_index));

  backends::KernelContext ctx;
  ctx.graph = &graph;
  ctx.node = &node;
  ctx.node_index = node_index;
  // SHAPE reads only the input's shape: give a non-constant input a dummy
  // pointer that is never dereferenced.
  static uint8_t dummy[64];
  for (int t : node.inputs) {
    backends::TensorView v;
    if (t >= 0) {
      const ir::Tensor& tensor = graph.tensors[t];
      v.tensor = &tensor;
      v.data = tensor.is_constant() ? const_cast<uint8_t*>(tensor.data) : dummy;
      v.bytes = tensor.is_constant() ? tensor.data_bytes : 0;
    }
    ctx.inputs.push_back(v);
  }
  std::vector<std::vector<uint8_t>> buffers(node.outputs.size());
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const ir::Tensor& tensor = graph.tensors[node.outputs[i]];
    size_t bytes = tensor.byte_size();
    buffers[i].assign(std::max<size_t>(bytes, 1), 0);
    backends::TensorView v;
    v.tensor = &tensor;
    v.data = buffers[i].data();
    v.bytes = bytes;
    ctx.outputs.push_back(v);
  }
  MAI_RETURN_IF_ERROR(kernel->Prepare(ctx));
  MAI_RETURN_IF_ERROR(kernel->Invoke(ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    buffers[i].resize(ctx.outputs[i].bytes);
    graph.tensors[node.outputs[i]].SetOwnedData(std::move(buffers[i]));
  }
  return Status::Ok();
}

}  // namespace mai::runtime

#include "planner/lifetimes.h"

#include <algorithm>

namespace mai::planner {

bool IsReshapeLike(ir::OpCode op) {
  return op == ir::OpCode::kReshape || op == ir::OpCode::kSqueeze ||
         op == ir::OpCode::kExpandDims;
}

Result<TensorLifetimes> ComputeLifetimes(const ir::Graph& graph,
                                         const std::vector<int>& live_nodes,
                                         bool allow_in_place) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  const int num_steps = std::max<int>(1, static_cast<int>(live_nodes.size()));
  std::vector<int> first(num_tensors, -1), last(num_tensors, -1);
  auto touch = [&](int t, int step) {
    if (t < 0 || t >= num_tensors || graph.tensors[t].is_constant()) return;
    if (first[t] < 0) first[t] = step;
    first[t] = std::min(first[t], step);
    last[t] = std::max(last[t], step);
  };
  for (int t : graph.inputs) touch(t, 0);
  for (int s = 0; s < static_cast<int>(live_nodes.size()); ++s) {
    const ir::Node& node = graph.nodes[live_nodes[s]];
    for (int t : node.inputs) touch(t, s);
    for (int t : node.outputs) touch(t, s);
    for (int t : node.intermediates) touch(t, s);
  }
  for (int t : graph.outputs) touch(t, num_steps - 1);
  for (int t = 0; t < num_tensors; ++t) {
    if (graph.tensors[t].is_variable && first[t] >= 0) {
      first[t] = 0;
      last[t] = num_steps - 1;
    }
  }

  std::vector<bool> is_io(num_tensors, false);
  for (int t : graph.inputs) is_io[t] = true;
  for (int t : graph.outputs) is_io[t] = true;

  // Union tensors that share a buffer: alias[t] = the tensor owning t's bytes.
  std::vector<int> owner(num_tensors);
  for (int t = 0; t < num_tensors; ++t) owner[t] = t;
  int num_aliased = 0;
  if (allow_in_place) {
    for (int s = 0; s < static_cast<int>(live_nodes.size()); ++s) {
      const ir::Node& node = graph.nodes[live_nodes[s]];
      if (!IsReshapeLike(node.op) || node.inputs.empty() ||
          node.outputs.size() != 1)
        continue;
      int in = node.inputs[0], out = node.outputs[0];
      if (in < 0 || first[in] < 0 || first[out] < 0) continue;
      int root = owner[in];
      if (is_io[in] || is_io[out] || is_io[root] || last[in] != s) continue;
      if (graph.tensors[in].is_variable || graph.tensors[out].is_variable)
        continue;
      owner[out] = root;
      last[root] = std::max(last[root], last[out]);
      ++num_aliased;
    }
  }

  TensorLifetimes result;
  result.num_aliased = num_aliased;
  result.record_of_tensor.assign(num_tensors, -1);
  for (int t = 0; t < num_tensors; ++t) {
    if (first[t] < 0 || owner[t] != t) continue;
    const ir::Tensor& tensor = graph.tensors[t];
    auto n = NumElements(tensor.shape);
    if (!n.ok()) return n.status().WithContext(graph.TensorLabel(t));
    size_t elem = DTypeSize(tensor.dtype);
    if (elem == 0) {
      return Unimplemented("{} has dtype {} which mai cannot hold in memory",
                           graph.TensorLabel(t), DTypeName(tensor.dtype));
    }
    result.record_of_tensor[t] = static_cast<int>(result.records.size());
    result.records.push_back(
        {static_cast<size_t>(*n) * elem, first[t], last[t]});
  }
  for (int t = 0; t < num_tensors; ++t) {
    if (owner[t] != t)
      result.record_of_tensor[t] = result.record_of_tensor[owner[t]];
  }
  return result;
}

}  // namespace mai::planner

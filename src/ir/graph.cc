#include "ir/graph.h"

#include <fmt/format.h>

namespace mai::ir {

std::string Graph::NodeLabel(int node_index) const {
  if (node_index < 0 || node_index >= static_cast<int>(nodes.size())) {
    return fmt::format("node {}", node_index);
  }
  return fmt::format("node {} ({})", node_index, nodes[node_index].OpName());
}

std::string Graph::TensorLabel(int tensor_index) const {
  if (tensor_index < 0 || tensor_index >= static_cast<int>(tensors.size())) {
    return fmt::format("tensor {}", tensor_index);
  }
  return fmt::format("tensor {} '{}'", tensor_index,
                     tensors[tensor_index].name);
}

}  // namespace mai::ir

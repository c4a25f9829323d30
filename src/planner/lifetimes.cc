#include "planner/lifetimes.h"

#include <algorithm>
#include <variant>

namespace mai::planner {

bool IsReshapeLike(ir::OpCode op) {
  return op == ir::OpCode::kReshape || op == ir::OpCode::kSqueeze ||
         op == ir::OpCode::kExpandDims;
}

namespace {

// Tensors sharing bytes form trees: tensor t lives at byte `offset[t]`
// inside tensor `parent[t]`'s bytes; a root (parent[t] == t) owns a record.
struct Layout {
  std::vector<int> parent;
  std::vector<size_t> offset;

  explicit Layout(int n) : parent(n), offset(n, 0) {
    for (int t = 0; t < n; ++t) parent[t] = t;
  }
  // The root holding t's bytes; *at = t's offset inside it.
  int Root(int t, size_t* at) const {
    size_t sum = 0;
    while (parent[t] != t) {
      sum += offset[t];
      t = parent[t];
    }
    *at = sum;
    return t;
  }
};

// Bytes of a tensor whose shape is valid, else -1.
int64_t TensorBytes(const ir::Tensor& tensor) {
  auto n = NumElements(tensor.shape);
  size_t elem = DTypeSize(tensor.dtype);
  if (!n.ok() || elem == 0) return -1;
  return *n * static_cast<int64_t>(elem);
}

// Facts about the live nodes that placement decisions need.
struct Uses {
  std::vector<int> first, last;  // steps, -1 when unused
  std::vector<int> producer;     // step of the producing live node, or -1
  std::vector<int> num_producers;
  std::vector<int> num_reads;  // input slots of live nodes reading the tensor
  std::vector<bool> is_input, is_output;
};

bool SameQuantization(const ir::QuantParams& a, const ir::QuantParams& b) {
  return a.scale.size() <= 1 && a.scale == b.scale &&
         a.zero_point == b.zero_point;
}

// Byte offsets of the inputs of the CONCATENATION at `step` inside its
// output when every input qualifies for in-place placement (see
// lifetimes.h); empty otherwise.
std::vector<size_t> ConcatInPlaceOffsets(const ir::Graph& graph,
                                         const ir::Node& node, int step,
                                         const Uses& uses,
                                         const Layout& layout) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  auto in_range = [&](int t) { return t >= 0 && t < num_tensors; };
  const auto* params = std::get_if<ir::ConcatenationParams>(&node.params);
  if (params == nullptr || params->activation != ir::Activation::kNone ||
      node.inputs.empty() || node.outputs.size() != 1 ||
      !in_range(node.outputs[0])) {
    return {};
  }
  const int out = node.outputs[0];
  const ir::Tensor& out_tensor = graph.tensors[out];
  const DType dtype = out_tensor.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kInt8 &&
      dtype != DType::kUInt8) {
    return {};
  }
  if (uses.is_input[out] || out_tensor.is_variable ||
      uses.producer[out] != step || uses.num_producers[out] != 1 ||
      layout.parent[out] != out) {
    return {};
  }
  const Shape& out_shape = out_tensor.shape;
  const int rank = static_cast<int>(out_shape.size());
  if (rank < 1 || params->axis < -rank || params->axis >= rank) return {};
  const int axis = params->axis < 0 ? params->axis + rank : params->axis;
  for (int d = 0; d < axis; ++d) {
    if (out_shape[d] != 1) return {};
  }
  const int64_t out_bytes = TensorBytes(out_tensor);
  if (out_bytes < 0) return {};
  const int64_t row_bytes =
      NumElementsUnchecked(
          Shape(out_shape.begin() + axis + 1, out_shape.end())) *
      static_cast<int64_t>(DTypeSize(dtype));

  std::vector<size_t> offsets;
  std::vector<int> roots;
  int64_t at = 0;
  for (int t : node.inputs) {
    if (!in_range(t)) return {};
    const ir::Tensor& tensor = graph.tensors[t];
    if (tensor.is_constant() || tensor.is_variable || uses.is_input[t] ||
        uses.is_output[t] || uses.num_reads[t] != 1 ||
        uses.num_producers[t] != 1 || uses.producer[t] < 0 ||
        uses.producer[t] >= step || tensor.dtype != dtype) {
      return {};
    }
    if (dtype != DType::kFloat32 &&
        !SameQuantization(tensor.quant, out_tensor.quant)) {
      return {};
    }
    if (tensor.shape.size() != out_shape.size()) return {};
    for (int d = 0; d < rank; ++d) {
      if (d != axis && tensor.shape[d] != out_shape[d]) return {};
    }
    // The input must own its whole buffer tree (a reshape chain), not sit
    // inside another concatenation's output or share bytes with a larger
    // tensor.
    size_t offset_in_root = 0;
    const int root = layout.Root(t, &offset_in_root);
    const int64_t bytes = TensorBytes(tensor);
    if (bytes < 0 || root == out || offset_in_root != 0 ||
        TensorBytes(graph.tensors[root]) != bytes || uses.is_input[root] ||
        uses.is_output[root] || graph.tensors[root].is_variable ||
        std::find(roots.begin(), roots.end(), root) != roots.end()) {
      return {};
    }
    if (bytes != tensor.shape[axis] * row_bytes) return {};
    roots.push_back(root);
    offsets.push_back(static_cast<size_t>(at));
    at += bytes;
  }
  if (at != out_bytes) return {};
  return offsets;
}

}  // namespace

Result<TensorLifetimes> ComputeLifetimes(const ir::Graph& graph,
                                         const std::vector<int>& live_nodes,
                                         bool allow_in_place,
                                         bool concat_in_place) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  const int num_live = static_cast<int>(live_nodes.size());
  const int num_steps = std::max<int>(1, num_live);
  auto in_range = [&](int t) { return t >= 0 && t < num_tensors; };

  Uses uses;
  uses.first.assign(num_tensors, -1);
  uses.last.assign(num_tensors, -1);
  uses.producer.assign(num_tensors, -1);
  uses.num_producers.assign(num_tensors, 0);
  uses.num_reads.assign(num_tensors, 0);
  uses.is_input.assign(num_tensors, false);
  uses.is_output.assign(num_tensors, false);
  std::vector<int>& first = uses.first;
  std::vector<int>& last = uses.last;
  auto touch = [&](int t, int step) {
    if (!in_range(t) || graph.tensors[t].is_constant()) return;
    if (first[t] < 0) first[t] = step;
    first[t] = std::min(first[t], step);
    last[t] = std::max(last[t], step);
  };
  for (int t : graph.inputs) touch(t, 0);
  for (int s = 0; s < num_live; ++s) {
    const ir::Node& node = graph.nodes[live_nodes[s]];
    for (int t : node.inputs) {
      touch(t, s);
      if (in_range(t)) ++uses.num_reads[t];
    }
    for (int t : node.outputs) {
      touch(t, s);
      if (in_range(t)) {
        uses.producer[t] = s;
        ++uses.num_producers[t];
      }
    }
    for (int t : node.intermediates) touch(t, s);
  }
  for (int t : graph.outputs) touch(t, num_steps - 1);
  for (int t = 0; t < num_tensors; ++t) {
    if (graph.tensors[t].is_variable && first[t] >= 0) {
      first[t] = 0;
      last[t] = num_steps - 1;
    }
  }
  for (int t : graph.inputs) {
    if (in_range(t)) uses.is_input[t] = true;
  }
  for (int t : graph.outputs) {
    if (in_range(t)) uses.is_output[t] = true;
  }
  auto is_io = [&](int t) { return uses.is_input[t] || uses.is_output[t]; };

  Layout layout(num_tensors);
  TensorLifetimes result;
  if (allow_in_place) {
    // Reshape aliasing: the output joins its input's tree at the same bytes.
    for (int s = 0; s < num_live; ++s) {
      const ir::Node& node = graph.nodes[live_nodes[s]];
      if (!IsReshapeLike(node.op) || node.inputs.empty() ||
          node.outputs.size() != 1)
        continue;
      int in = node.inputs[0], out = node.outputs[0];
      if (!in_range(in) || !in_range(out) || first[in] < 0 || first[out] < 0)
        continue;
      size_t offset = 0;
      int root = layout.Root(in, &offset);
      if (is_io(in) || is_io(out) || is_io(root) || last[in] != s) continue;
      if (graph.tensors[in].is_variable || graph.tensors[out].is_variable)
        continue;
      const ir::Tensor& a = graph.tensors[in];
      const ir::Tensor& b = graph.tensors[out];
      if (a.dtype != b.dtype || TensorBytes(a) < 0 ||
          TensorBytes(a) != TensorBytes(b))
        continue;
      layout.parent[out] = root;
      layout.offset[out] = offset;
      ++result.num_aliased;
    }
  }
  if (allow_in_place && concat_in_place) {
    for (int s = 0; s < num_live; ++s) {
      const ir::Node& node = graph.nodes[live_nodes[s]];
      if (node.op != ir::OpCode::kConcatenation) continue;
      std::vector<size_t> offsets =
          ConcatInPlaceOffsets(graph, node, s, uses, layout);
      if (offsets.empty()) continue;
      const int out = node.outputs[0];
      for (size_t i = 0; i < offsets.size(); ++i) {
        size_t unused = 0;
        const int root = layout.Root(node.inputs[i], &unused);
        layout.parent[root] = out;
        layout.offset[root] = offsets[i];
      }
      result.concats_in_place.push_back(live_nodes[s]);
    }
    std::sort(result.concats_in_place.begin(), result.concats_in_place.end());
  }

  // One record per root, alive from the first to the last use of any tensor
  // in its tree.
  std::vector<int> root_of(num_tensors, -1);
  result.offset_in_record.assign(num_tensors, 0);
  std::vector<int> record_first(num_tensors, -1), record_last(num_tensors, -1);
  for (int t = 0; t < num_tensors; ++t) {
    if (first[t] < 0) continue;
    const int root = layout.Root(t, &result.offset_in_record[t]);
    root_of[t] = root;
    record_first[root] = record_first[root] < 0
                             ? first[t]
                             : std::min(record_first[root], first[t]);
    record_last[root] = std::max(record_last[root], last[t]);
  }
  result.record_of_tensor.assign(num_tensors, -1);
  for (int t = 0; t < num_tensors; ++t) {
    if (layout.parent[t] != t || record_first[t] < 0) continue;
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
        {static_cast<size_t>(*n) * elem, record_first[t], record_last[t]});
  }
  for (int t = 0; t < num_tensors; ++t) {
    if (root_of[t] >= 0 && root_of[t] != t)
      result.record_of_tensor[t] = result.record_of_tensor[root_of[t]];
  }

  // Reshape-like nodes whose output is their input's bytes do nothing,
  // except a RESHAPE checking a shape computed at run time.
  for (int n : live_nodes) {
    const ir::Node& node = graph.nodes[n];
    if (!IsReshapeLike(node.op) || node.inputs.empty() ||
        node.outputs.size() != 1)
      continue;
    const int in = node.inputs[0], out = node.outputs[0];
    if (!in_range(in) || !in_range(out) || root_of[in] < 0 ||
        root_of[in] != root_of[out] ||
        result.offset_in_record[in] != result.offset_in_record[out])
      continue;
    if (node.op == ir::OpCode::kReshape && node.inputs.size() > 1 &&
        in_range(node.inputs[1]) &&
        !graph.tensors[node.inputs[1]].is_constant())
      continue;
    result.noop_reshapes.push_back(n);
  }
  std::sort(result.noop_reshapes.begin(), result.noop_reshapes.end());
  return result;
}

}  // namespace mai::planner

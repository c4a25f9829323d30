#include "ir/passes/fuse_activation.h"

#include <algorithm>

namespace mai::ir {
namespace {

// The producer's fused-activation field, or nullptr when its op has none
// (or its params are not of the op's type).
template <typename P>
Activation* FieldOf(Node& node) {
  P* p = std::get_if<P>(&node.params);
  return p ? &p->activation : nullptr;
}

Activation* ActivationField(Node& node) {
  switch (node.op) {
    case OpCode::kConv2D:
      return FieldOf<Conv2DParams>(node);
    case OpCode::kDepthwiseConv2D:
      return FieldOf<DepthwiseConv2DParams>(node);
    case OpCode::kTransposeConv:
      return FieldOf<TransposeConvParams>(node);
    case OpCode::kFullyConnected:
      return FieldOf<FullyConnectedParams>(node);
    case OpCode::kAveragePool2D:
    case OpCode::kMaxPool2D:
      return FieldOf<Pool2DParams>(node);
    case OpCode::kAdd:
    case OpCode::kSub:
    case OpCode::kMul:
    case OpCode::kDiv:
      return FieldOf<BinaryParams>(node);
    case OpCode::kConcatenation:
      return FieldOf<ConcatenationParams>(node);
    case OpCode::kL2Normalization:
      return FieldOf<L2NormParams>(node);
    default:
      return nullptr;
  }
}

bool SameQuant(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

}  // namespace

int FuseActivations(Graph& graph, std::vector<int>& live_nodes) {
  const int num_tensors = static_cast<int>(graph.tensors.size());
  std::vector<int> readers(num_tensors, 0);
  std::vector<int> producer(num_tensors, -1);
  for (int n : live_nodes) {
    for (int t : graph.nodes[n].inputs) {
      if (t >= 0) readers[t]++;
    }
    for (int t : graph.nodes[n].outputs) producer[t] = n;
  }
  std::vector<bool> is_output(num_tensors, false);
  for (int t : graph.outputs) is_output[t] = true;

  int fused = 0;
  std::vector<bool> dropped(graph.nodes.size(), false);
  for (int n : live_nodes) {
    Node& act = graph.nodes[n];
    Activation kind;
    if (act.op == OpCode::kRelu) {
      kind = Activation::kRelu;
    } else if (act.op == OpCode::kRelu6) {
      kind = Activation::kRelu6;
    } else if (act.op == OpCode::kReluN1To1) {
      kind = Activation::kReluN1To1;
    } else {
      continue;
    }
    if (act.inputs.size() != 1 || act.outputs.size() != 1) continue;
    const int mid = act.inputs[0], out = act.outputs[0];
    if (mid < 0 || readers[mid] != 1 || is_output[mid] || producer[mid] < 0)
      continue;
    Node& prod = graph.nodes[producer[mid]];
    if (dropped[producer[mid]] || prod.outputs.size() != 1) continue;
    Activation* field = ActivationField(prod);
    if (field == nullptr || *field != Activation::kNone) continue;
    const Tensor& a = graph.tensors[mid];
    const Tensor& b = graph.tensors[out];
    if (a.dtype != b.dtype || !SameQuant(a.quant, b.quant) ||
        a.shape != b.shape)
      continue;
    *field = kind;
    prod.outputs[0] = out;
    producer[out] = producer[mid];
    producer[mid] = -1;
    dropped[n] = true;
    ++fused;
  }
  if (fused > 0) {
    live_nodes.erase(std::remove_if(live_nodes.begin(), live_nodes.end(),
                                    [&](int n) { return dropped[n]; }),
                     live_nodes.end());
  }
  return fused;
}

}  // namespace mai::ir

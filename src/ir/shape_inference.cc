#include "ir/shape_inference.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

const ShapeFnTable& Table() {
  static const ShapeFnTable* table = [] {
    auto* t = new ShapeFnTable();
    RegisterConvShapeFns(*t);
    RegisterElementwiseShapeFns(*t);
    RegisterPoolReduceShapeFns(*t);
    RegisterTransformShapeFns(*t);
    RegisterSpatialShapeFns(*t);
    return t;
  }();
  return *table;
}

}  // namespace

const Tensor* ShapeContext::input(int i) const {
  if (i < 0 || i >= num_inputs()) return nullptr;
  int t = node().inputs[i];
  if (t < 0) return nullptr;
  return &graph_.tensors[t];
}

Tensor* ShapeContext::output(int i) {
  if (i < 0 || i >= num_outputs()) return nullptr;
  return &graph_.tensors[node().outputs[i]];
}

std::optional<std::vector<int64_t>> ShapeContext::ConstInts(int i) const {
  const Tensor* t = input(i);
  if (t == nullptr || !t->is_constant()) return std::nullopt;
  size_t elem = DTypeSize(t->dtype);
  if (elem == 0) return std::nullopt;
  size_t n = t->data_bytes / elem;
  std::vector<int64_t> v(n);
  for (size_t k = 0; k < n; ++k) {
    const uint8_t* p = t->data + k * elem;
    switch (t->dtype) {
      case DType::kInt32: {
        int32_t x;
        std::memcpy(&x, p, 4);
        v[k] = x;
        break;
      }
      case DType::kInt64: {
        int64_t x;
        std::memcpy(&x, p, 8);
        v[k] = x;
        break;
      }
      case DType::kInt16: {
        int16_t x;
        std::memcpy(&x, p, 2);
        v[k] = x;
        break;
      }
      case DType::kInt8:
        v[k] = static_cast<int8_t>(*p);
        break;
      case DType::kUInt8:
        v[k] = *p;
        break;
      case DType::kBool:
        v[k] = *p != 0;
        break;
      default:
        return std::nullopt;
    }
  }
  return v;
}

Status ShapeContext::ExpectArity(int min_inputs, int max_inputs,
                                 int outputs) const {
  if (num_inputs() < min_inputs || num_inputs() > max_inputs) {
    if (min_inputs == max_inputs) {
      return Error("expects {} inputs, has {}", min_inputs, num_inputs());
    }
    return Error("expects {} to {} inputs, has {}", min_inputs, max_inputs,
                 num_inputs());
  }
  if (outputs >= 0 && num_outputs() != outputs) {
    return Error("expects {} outputs, has {}", outputs, num_outputs());
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (input(i) == nullptr) return Error("required input {} is missing", i);
  }
  return Status::Ok();
}

Status ShapeContext::SetOutputShape(int i, const Shape& shape) {
  Tensor* t = output(i);
  if (t == nullptr) return Error("missing output {}", i);
  auto n = NumElements(shape);
  if (!n.ok())
    return n.status().WithContext(graph_.NodeLabel(node_index_) + " output " +
                                  std::to_string(i));
  t->shape = shape;
  return Status::Ok();
}

ShapeFn FindShapeFn(OpCode op) {
  auto it = Table().find(op);
  return it == Table().end() ? nullptr : it->second;
}

Status InferNodeShapes(Graph& graph, int node_index,
                       const CustomShapeFnLookup& custom) {
  const Node& node = graph.nodes[node_index];
  ShapeFn fn = nullptr;
  if (node.op == OpCode::kCustom) {
    if (custom) fn = custom(node.custom_name);
  } else {
    fn = FindShapeFn(node.op);
  }
  if (fn == nullptr) {
    return Unimplemented("{}: op is not supported by mai",
                         graph.NodeLabel(node_index));
  }
  ShapeContext ctx(graph, node_index);
  return fn(ctx);
}

Status InferShapes(Graph& graph, const CustomShapeFnLookup& custom) {
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    MAI_RETURN_IF_ERROR(InferNodeShapes(graph, i, custom));
  }
  return Status::Ok();
}

Result<PaddedDim> ComputePaddedDim(Padding padding, int32_t in, int32_t filter,
                                   int32_t stride, int32_t dilation) {
  if (stride < 1 || dilation < 1 || filter < 1 || in < 0) {
    return InvalidModel("invalid window: in={} filter={} stride={} dilation={}",
                        in, filter, stride, dilation);
  }
  if (padding != Padding::kSame && padding != Padding::kValid) {
    return InvalidArgument("padding mode {} needs explicit amounts",
                           static_cast<int>(padding));
  }
  int64_t effective = int64_t{filter - 1} * dilation + 1;
  PaddedDim d;
  if (padding == Padding::kSame) {
    d.out = static_cast<int32_t>((int64_t{in} + stride - 1) / stride);
  } else {
    int64_t o = (int64_t{in} - effective + stride) / stride;
    if (in < effective) o = 0;
    d.out = static_cast<int32_t>(o);
  }
  int64_t total =
      std::max<int64_t>((int64_t{d.out} - 1) * stride + effective - in, 0);
  d.pad_total = static_cast<int32_t>(total);
  d.pad_before = static_cast<int32_t>(total / 2);
  if (d.out <= 0) {
    return InvalidModel("window (filter {} dilation {}) larger than input {}",
                        filter, dilation, in);
  }
  return d;
}

Result<PaddedDim> ComputePaddedDim(Padding padding, int32_t in, int32_t filter,
                                   int32_t stride, int32_t dilation,
                                   int32_t explicit_before,
                                   int32_t explicit_after) {
  if (padding != Padding::kExplicit) {
    return ComputePaddedDim(padding, in, filter, stride, dilation);
  }
  if (stride < 1 || dilation < 1 || filter < 1 || in < 0 ||
      explicit_before < 0 || explicit_after < 0) {
    return InvalidModel(
        "invalid window: in={} filter={} stride={} dilation={} padding={}+{}",
        in, filter, stride, dilation, explicit_before, explicit_after);
  }
  const int64_t effective = int64_t{filter - 1} * dilation + 1;
  const int64_t padded = int64_t{in} + explicit_before + explicit_after;
  if (padded < effective) {
    return InvalidModel(
        "window (filter {} dilation {}) larger than padded input {}", filter,
        dilation, padded);
  }
  const int64_t out = (padded - effective) / stride + 1;
  if (padded > std::numeric_limits<int32_t>::max()) {
    return InvalidModel("padded input {} is too large", padded);
  }
  PaddedDim d;
  d.out = static_cast<int32_t>(out);
  d.pad_before = explicit_before;
  d.pad_total = explicit_before + explicit_after;
  return d;
}

}  // namespace mai::ir

// Shape functions of the transform family: RESHAPE, SQUEEZE, EXPAND_DIMS,
// TRANSPOSE, CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, SLICE,
// STRIDED_SLICE, GATHER, TILE, SHAPE, FILL, CAST.
#include "ir/shapes/transform.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
constexpr int kMaxTransposeRank = 6;

template <typename P>
const P* ParamsIf(const ShapeContext& ctx) {
  return std::get_if<P>(&ctx.node().params);
}

bool IsIndexDType(DType dtype) {
  return dtype == DType::kInt32 || dtype == DType::kInt64;
}

int Rank(const Tensor* t) { return static_cast<int>(t->shape.size()); }

// Checks output `o` has the dtype of input `i` (byte-moving ops).
Status ExpectSameDType(ShapeContext& ctx, int i, int o) {
  const Tensor* in = ctx.input(i);
  const Tensor* out = ctx.output(o);
  if (out->dtype != in->dtype) {
    return ctx.Error("output {} has dtype {}, input {} has {}", o,
                     DTypeName(out->dtype), i, DTypeName(in->dtype));
  }
  return Status::Ok();
}

Status ExpectAllOutputsDType(ShapeContext& ctx, int i) {
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, i, o));
  }
  return Status::Ok();
}

// Values of the constant int32/int64 input `i`, which must be present.
// Unsupported when it is not constant.
Result<std::vector<int64_t>> ConstIndexInput(ShapeContext& ctx, int i,
                                             const char* what) {
  const Tensor* t = ctx.input(i);
  if (t == nullptr) return ctx.Error("{} input {} is missing", what, i);
  if (!IsIndexDType(t->dtype)) {
    return ctx.Error("{} must be int32 or int64, is {}", what,
                     DTypeName(t->dtype));
  }
  std::optional<std::vector<int64_t>> values = ctx.ConstInts(i);
  if (!values.has_value()) return ctx.Unsupported("{} must be constant", what);
  MAI_ASSIGN_OR_RETURN(int64_t n, NumElements(t->shape));
  if (static_cast<int64_t>(values->size()) != n) {
    return ctx.Error("{} holds {} values, its shape {} says {}", what,
                     values->size(), ShapeToString(t->shape), n);
  }
  return *std::move(values);
}

// A constant scalar (or one-element) int input, e.g. an axis.
Result<int64_t> ConstScalarInput(ShapeContext& ctx, int i, const char* what) {
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> v, ConstIndexInput(ctx, i, what));
  if (v.size() != 1) {
    return ctx.Error("{} must hold one value, holds {}", what, v.size());
  }
  return v[0];
}

// Normalizes `axis` into [0, rank) for a tensor of rank >= 1.
Result<int> AxisIn(ShapeContext& ctx, int64_t axis, int rank, const char* op) {
  if (rank < 1 || axis < -rank || axis >= rank) {
    return ctx.Error("{} axis {} is out of range for rank {}", op, axis, rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

// ---------------------------------------------------------------- reshape

Status ReshapeShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Tensor* input = ctx.input(0);
  MAI_ASSIGN_OR_RETURN(int64_t n, NumElements(input->shape));

  const Tensor* shape_tensor = ctx.input(1);
  const bool shape_is_vector = shape_tensor != nullptr &&
                               Rank(shape_tensor) == 1 &&
                               IsIndexDType(shape_tensor->dtype);
  if (shape_is_vector) {
    if (std::optional<std::vector<int64_t>> v = ctx.ConstInts(1)) {
      if (static_cast<int64_t>(v->size()) != shape_tensor->shape[0]) {
        return ctx.Error("shape input holds {} values, expected {}", v->size(),
                         shape_tensor->shape[0]);
      }
      Result<Shape> out = ResolveReshape(n, *v);
      if (!out.ok())
        return out.status().WithContext(
            ctx.graph().NodeLabel(ctx.node_index()));
      return ctx.SetOutputShape(0, *out);
    }
  }
  const ReshapeParams* params = ParamsIf<ReshapeParams>(ctx);
  if (params != nullptr && params->has_new_shape) {
    std::vector<int64_t> requested(params->new_shape.begin(),
                                   params->new_shape.end());
    // Legacy converters wrote [0] for a scalar.
    if (requested.size() == 1 && requested[0] == 0) requested.clear();
    Result<Shape> out = ResolveReshape(n, requested);
    if (!out.ok())
      return out.status().WithContext(ctx.graph().NodeLabel(ctx.node_index()));
    return ctx.SetOutputShape(0, *out);
  }
  if (shape_is_vector) {
    // A shape computed at run time: keep the file's output shape when it is
    // consistent; the kernel checks the values against it at every Invoke.
    const Tensor* output = ctx.output(0);
    Result<int64_t> out_n = NumElements(output->shape);
    if (out_n.ok() && *out_n == n &&
        static_cast<int64_t>(output->shape.size()) == shape_tensor->shape[0]) {
      return ctx.SetOutputShape(0, output->shape);
    }
    return ctx.Unsupported("shape input must be constant");
  }
  // Neither a shape tensor nor options: TensorFlow Lite reads an empty shape.
  Result<Shape> out = ResolveReshape(n, {});
  if (!out.ok())
    return out.status().WithContext(ctx.graph().NodeLabel(ctx.node_index()));
  return ctx.SetOutputShape(0, *out);
}

Status SqueezeShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& in = ctx.input(0)->shape;
  const int rank = static_cast<int>(in.size());
  std::vector<bool> drop(rank, false);
  const SqueezeParams* params = ParamsIf<SqueezeParams>(ctx);
  if (params == nullptr || params->squeeze_dims.empty()) {
    for (int d = 0; d < rank; ++d) drop[d] = in[d] == 1;
  } else {
    for (int32_t dim : params->squeeze_dims) {
      MAI_ASSIGN_OR_RETURN(int d, AxisIn(ctx, dim, rank, "squeeze"));
      if (in[d] != 1) {
        return ctx.Error("cannot squeeze dim {} of size {}", d, in[d]);
      }
      drop[d] = true;
    }
  }
  Shape out;
  for (int d = 0; d < rank; ++d) {
    if (!drop[d]) out.push_back(in[d]);
  }
  return ctx.SetOutputShape(0, out);
}

Status ExpandDimsShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& in = ctx.input(0)->shape;
  const int rank = static_cast<int>(in.size());
  MAI_ASSIGN_OR_RETURN(int64_t axis, ConstScalarInput(ctx, 1, "axis"));
  if (axis < -(rank + 1) || axis > rank) {
    return ctx.Error("axis {} is out of range for rank {}", axis, rank);
  }
  if (axis < 0) axis += rank + 1;
  Shape out = in;
  out.insert(out.begin() + axis, 1);
  return ctx.SetOutputShape(0, out);
}

// -------------------------------------------------------------- transpose

Status TransposeShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& in = ctx.input(0)->shape;
  const int rank = static_cast<int>(in.size());
  if (rank > kMaxTransposeRank) {
    return ctx.Unsupported("rank {} is above the supported {}", rank,
                           kMaxTransposeRank);
  }
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                       ConstIndexInput(ctx, 1, "perm"));
  if (static_cast<int>(perm.size()) != rank) {
    return ctx.Error("perm has {} entries for rank {}", perm.size(), rank);
  }
  std::vector<bool> seen(rank, false);
  Shape out(rank);
  for (int i = 0; i < rank; ++i) {
    if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]]) {
      return ctx.Error("perm is not a permutation of [0, {})", rank);
    }
    seen[perm[i]] = true;
    out[i] = in[perm[i]];
  }
  return ctx.SetOutputShape(0, out);
}

// ----------------------------------------------------------- concat/pack

Status ConcatenationShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, std::numeric_limits<int>::max(), 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const ConcatenationParams* params = ParamsIf<ConcatenationParams>(ctx);
  const int32_t axis_param = params ? params->axis : 0;
  const Tensor* first = ctx.input(0);
  const int rank = Rank(first);
  MAI_ASSIGN_OR_RETURN(int axis, AxisIn(ctx, axis_param, rank, "concat"));
  int64_t total = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t == nullptr) return ctx.Error("input {} is missing", i);
    if (t->dtype != first->dtype) {
      return ctx.Error("input {} has dtype {}, input 0 has {}", i,
                       DTypeName(t->dtype), DTypeName(first->dtype));
    }
    if (Rank(t) != rank) {
      return ctx.Error("input {} has rank {}, input 0 has {}", i, Rank(t),
                       rank);
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && t->shape[d] != first->shape[d]) {
        return ctx.Error("input {} shape {} does not match input 0 shape {}", i,
                         ShapeToString(t->shape), ShapeToString(first->shape));
      }
    }
    total += t->shape[axis];
  }
  if (total > kMaxDim) return ctx.Error("concatenated axis is too large");
  Shape out = first->shape;
  out[axis] = static_cast<int32_t>(total);
  return ctx.SetOutputShape(0, out);
}

Status PackShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, std::numeric_limits<int>::max(), 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const PackParams* params = ParamsIf<PackParams>(ctx);
  if (params == nullptr || params->values_count != ctx.num_inputs()) {
    return ctx.Error("values_count {} does not match {} inputs",
                     params ? params->values_count : 0, ctx.num_inputs());
  }
  const Tensor* first = ctx.input(0);
  const int rank = Rank(first);
  int64_t axis = params->axis;
  if (axis < -(rank + 1) || axis > rank) {
    return ctx.Error("axis {} is out of range for rank {}", axis, rank + 1);
  }
  if (axis < 0) axis += rank + 1;
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (t == nullptr) return ctx.Error("input {} is missing", i);
    if (t->dtype != first->dtype || t->shape != first->shape) {
      return ctx.Error("input {} ({} {}) differs from input 0 ({} {})", i,
                       DTypeName(t->dtype), ShapeToString(t->shape),
                       DTypeName(first->dtype), ShapeToString(first->shape));
    }
  }
  Shape out = first->shape;
  out.insert(out.begin() + axis, ctx.num_inputs());
  return ctx.SetOutputShape(0, out);
}

Status UnpackShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, -1));
  MAI_RETURN_IF_ERROR(ExpectAllOutputsDType(ctx, 0));
  const UnpackParams* params = ParamsIf<UnpackParams>(ctx);
  const Shape& in = ctx.input(0)->shape;
  const int rank = static_cast<int>(in.size());
  MAI_ASSIGN_OR_RETURN(int axis,
                       AxisIn(ctx, params ? params->axis : 0, rank, "unpack"));
  if (ctx.num_outputs() != in[axis]) {
    return ctx.Error("{} outputs for an axis of size {}", ctx.num_outputs(),
                     in[axis]);
  }
  if (params != nullptr && params->num != ctx.num_outputs()) {
    return ctx.Error("num {} does not match {} outputs", params->num,
                     ctx.num_outputs());
  }
  Shape out = in;
  out.erase(out.begin() + axis);
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    MAI_RETURN_IF_ERROR(ctx.SetOutputShape(o, out));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ split

Status SplitShape(ShapeContext& ctx) {
  // Inputs: axis, input.
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, -1));
  MAI_RETURN_IF_ERROR(ExpectAllOutputsDType(ctx, 1));
  const Shape& in = ctx.input(1)->shape;
  MAI_ASSIGN_OR_RETURN(int64_t axis_value, ConstScalarInput(ctx, 0, "axis"));
  MAI_ASSIGN_OR_RETURN(
      int axis, AxisIn(ctx, axis_value, static_cast<int>(in.size()), "split"));
  const int n = ctx.num_outputs();
  const SplitParams* params = ParamsIf<SplitParams>(ctx);
  if (n < 1 || (params != nullptr && params->num_splits != n)) {
    return ctx.Error("num_splits {} does not match {} outputs",
                     params ? params->num_splits : 0, n);
  }
  if (in[axis] % n != 0) {
    return ctx.Error("axis of size {} cannot be split in {}", in[axis], n);
  }
  Shape out = in;
  out[axis] = in[axis] / n;
  for (int o = 0; o < n; ++o) MAI_RETURN_IF_ERROR(ctx.SetOutputShape(o, out));
  return Status::Ok();
}

Status SplitVShape(ShapeContext& ctx) {
  // Inputs: input, size_splits, axis.
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 3, -1));
  MAI_RETURN_IF_ERROR(ExpectAllOutputsDType(ctx, 0));
  const Shape& in = ctx.input(0)->shape;
  MAI_ASSIGN_OR_RETURN(int64_t axis_value, ConstScalarInput(ctx, 2, "axis"));
  MAI_ASSIGN_OR_RETURN(
      int axis, AxisIn(ctx, axis_value, static_cast<int>(in.size()), "split"));
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> sizes,
                       ConstIndexInput(ctx, 1, "size_splits"));
  const int n = ctx.num_outputs();
  if (static_cast<int>(sizes.size()) != n) {
    return ctx.Error("size_splits has {} values for {} outputs", sizes.size(),
                     n);
  }
  const SplitParams* params = ParamsIf<SplitParams>(ctx);
  if (params != nullptr && params->num_splits != n) {
    return ctx.Error("num_splits {} does not match {} outputs",
                     params->num_splits, n);
  }
  int inferred = -1;
  int64_t known = 0;
  for (int i = 0; i < n; ++i) {
    if (sizes[i] == -1) {
      if (inferred >= 0) return ctx.Error("size_splits has more than one -1");
      inferred = i;
    } else if (sizes[i] < 0 || sizes[i] > kMaxDim) {
      return ctx.Error("size_splits value {} is invalid", sizes[i]);
    } else {
      known += sizes[i];
    }
  }
  if (inferred >= 0) {
    if (known > in[axis]) {
      return ctx.Error("size_splits sum {} exceeds the axis size {}", known,
                       in[axis]);
    }
    sizes[inferred] = in[axis] - known;
  } else if (known != in[axis]) {
    return ctx.Error("size_splits sum {} differs from the axis size {}", known,
                     in[axis]);
  }
  for (int o = 0; o < n; ++o) {
    Shape out = in;
    out[axis] = static_cast<int32_t>(sizes[o]);
    MAI_RETURN_IF_ERROR(ctx.SetOutputShape(o, out));
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ slice

Status SliceShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 3, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& in = ctx.input(0)->shape;
  const size_t rank = in.size();
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                       ConstIndexInput(ctx, 1, "begin"));
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> size,
                       ConstIndexInput(ctx, 2, "size"));
  if (begin.size() != rank || size.size() != rank) {
    return ctx.Error("begin/size have {}/{} values for rank {}", begin.size(),
                     size.size(), rank);
  }
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (begin[d] < 0 || begin[d] > in[d]) {
      return ctx.Error("begin {} is out of range for dim {} of size {}",
                       begin[d], d, in[d]);
    }
    const int64_t s = size[d] == -1 ? in[d] - begin[d] : size[d];
    if (s < 0 || begin[d] + s > in[d]) {
      return ctx.Error("size {} at begin {} exceeds dim {} of size {}", size[d],
                       begin[d], d, in[d]);
    }
    out[d] = static_cast<int32_t>(s);
  }
  return ctx.SetOutputShape(0, out);
}

Status StridedSliceShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(4, 4, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                       ConstIndexInput(ctx, 1, "begin"));
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> end,
                       ConstIndexInput(ctx, 2, "end"));
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> strides,
                       ConstIndexInput(ctx, 3, "strides"));
  const StridedSliceParams* params = ParamsIf<StridedSliceParams>(ctx);
  const StridedSliceParams defaults;
  Result<StridedSlicePlan> plan = PlanStridedSlice(
      ctx.input(0)->shape, begin, end, strides, params ? *params : defaults);
  if (!plan.ok()) {
    return plan.status().WithContext(ctx.graph().NodeLabel(ctx.node_index()));
  }
  return ctx.SetOutputShape(0, plan->output_shape);
}

// ----------------------------------------------------------------- gather

Status GatherShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& params_shape = ctx.input(0)->shape;
  const Tensor* indices = ctx.input(1);
  if (!IsIndexDType(indices->dtype) && indices->dtype != DType::kInt16) {
    return ctx.Unsupported("indices of dtype {} are not supported",
                           DTypeName(indices->dtype));
  }
  const GatherParams* params = ParamsIf<GatherParams>(ctx);
  const int rank = static_cast<int>(params_shape.size());
  const int indices_rank = Rank(indices);
  MAI_ASSIGN_OR_RETURN(int axis,
                       AxisIn(ctx, params ? params->axis : 0, rank, "gather"));
  int batch_dims = params ? params->batch_dims : 0;
  if (batch_dims < 0) batch_dims += indices_rank;
  if (batch_dims < 0 || batch_dims > indices_rank || batch_dims > axis) {
    return ctx.Error("batch_dims {} is invalid for axis {} and indices rank {}",
                     params ? params->batch_dims : 0, axis, indices_rank);
  }
  for (int d = 0; d < batch_dims; ++d) {
    if (params_shape[d] != indices->shape[d]) {
      return ctx.Error("batch dim {} differs: params {} vs indices {}", d,
                       ShapeToString(params_shape),
                       ShapeToString(indices->shape));
    }
  }
  Shape out(params_shape.begin(), params_shape.begin() + axis);
  out.insert(out.end(), indices->shape.begin() + batch_dims,
             indices->shape.end());
  out.insert(out.end(), params_shape.begin() + axis + 1, params_shape.end());
  return ctx.SetOutputShape(0, out);
}

// ------------------------------------------------------------------- tile

Status TileShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 0, 0));
  const Shape& in = ctx.input(0)->shape;
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> multiples,
                       ConstIndexInput(ctx, 1, "multiples"));
  if (multiples.size() != in.size()) {
    return ctx.Error("multiples has {} values for rank {}", multiples.size(),
                     in.size());
  }
  Shape out(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    if (multiples[d] < 0 || multiples[d] > kMaxDim ||
        multiples[d] * in[d] > kMaxDim) {
      return ctx.Error("multiple {} is invalid for dim {} of size {}",
                       multiples[d], d, in[d]);
    }
    out[d] = static_cast<int32_t>(multiples[d] * in[d]);
  }
  return ctx.SetOutputShape(0, out);
}

// ------------------------------------------------------ shape, fill, cast

Status ShapeShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  const DType out_dtype = ctx.output(0)->dtype;
  if (!IsIndexDType(out_dtype)) {
    return ctx.Error("output dtype must be int32 or int64, is {}",
                     DTypeName(out_dtype));
  }
  return ctx.SetOutputShape(0, {static_cast<int32_t>(Rank(ctx.input(0)))});
}

Status FillShape(ShapeContext& ctx) {
  // Inputs: dims, value.
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(ExpectSameDType(ctx, 1, 0));
  const Tensor* dims_tensor = ctx.input(0);
  if (Rank(dims_tensor) != 1) {
    return ctx.Error("dims must be 1-D, has shape {}",
                     ShapeToString(dims_tensor->shape));
  }
  const Tensor* value = ctx.input(1);
  if (NumElementsUnchecked(value->shape) != 1 || Rank(value) > 1) {
    return ctx.Error("value must be a scalar, has shape {}",
                     ShapeToString(value->shape));
  }
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                       ConstIndexInput(ctx, 0, "dims"));
  Shape out(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] < 0 || dims[d] > kMaxDim) {
      return ctx.Error("dim {} is invalid", dims[d]);
    }
    out[d] = static_cast<int32_t>(dims[d]);
  }
  return ctx.SetOutputShape(0, out);
}

Status CastShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  return ctx.SetOutputShape(0, ctx.input(0)->shape);
}

}  // namespace

// ------------------------------------------------------- shared helpers

Result<Shape> ResolveReshape(int64_t num_input_elements,
                             std::span<const int64_t> requested) {
  int inferred = -1;
  int64_t known = 1;
  Shape out(requested.size());
  for (size_t i = 0; i < requested.size(); ++i) {
    const int64_t v = requested[i];
    if (v == -1) {
      if (inferred >= 0) {
        return InvalidModel("reshape to {} has more than one -1",
                            fmt::join(requested, ","));
      }
      inferred = static_cast<int>(i);
      continue;
    }
    if (v < 0 || v > kMaxDim) {
      return InvalidModel("reshape dim {} is invalid", v);
    }
    known *= v;
    if (known > kMaxElements) {
      return InvalidModel("reshape target has too many elements");
    }
    out[i] = static_cast<int32_t>(v);
  }
  if (inferred >= 0) {
    if (known == 0) {
      return InvalidModel("reshape cannot infer a -1 next to a zero dim");
    }
    if (num_input_elements % known != 0) {
      return InvalidModel("cannot reshape {} elements into [{}]",
                          num_input_elements, fmt::join(requested, ","));
    }
    out[inferred] = static_cast<int32_t>(num_input_elements / known);
    known = num_input_elements;
  }
  if (known != num_input_elements) {
    return InvalidModel("cannot reshape {} elements into [{}]",
                        num_input_elements, fmt::join(requested, ","));
  }
  return out;
}

Result<StridedSlicePlan> PlanStridedSlice(const Shape& input,
                                          std::span<const int64_t> begin,
                                          std::span<const int64_t> end,
                                          std::span<const int64_t> strides,
                                          const StridedSliceParams& params) {
  const int n = static_cast<int>(begin.size());
  if (static_cast<int>(end.size()) != n ||
      static_cast<int>(strides.size()) != n) {
    return InvalidModel("begin/end/strides have {}/{}/{} values", n, end.size(),
                        strides.size());
  }
  if (n > 32) return InvalidModel("slice spec of {} entries is too long", n);
  const int rank = static_cast<int>(input.size());
  auto bit = [](int32_t mask, int i) {
    return (static_cast<uint32_t>(mask) >> i) & 1u;
  };

  int ellipses = 0;
  int consumed = 0;  // spec entries that index an input axis
  for (int i = 0; i < n; ++i) {
    if (bit(params.ellipsis_mask, i)) {
      ++ellipses;
    } else if (!bit(params.new_axis_mask, i)) {
      ++consumed;
    }
  }
  if (ellipses > 1)
    return InvalidModel("slice spec has more than one ellipsis");
  if (consumed > rank) {
    return InvalidModel("slice spec indexes {} axes of a rank-{} input",
                        consumed, rank);
  }

  StridedSlicePlan plan;
  int in_axis = 0;
  auto full_axis = [&]() {
    plan.axes.push_back({in_axis, 0, 1, input[in_axis], true});
    ++in_axis;
  };
  for (int i = 0; i < n; ++i) {
    if (bit(params.ellipsis_mask, i)) {
      for (int k = 0; k < rank - consumed; ++k) full_axis();
      continue;
    }
    if (bit(params.new_axis_mask, i)) {
      plan.axes.push_back({-1, 0, 1, 1, true});
      continue;
    }
    const int64_t dim = input[in_axis];
    const int64_t stride = strides[i];
    if (stride == 0) return InvalidModel("stride {} is zero", i);
    if (bit(params.shrink_axis_mask, i)) {
      int64_t index = begin[i];
      if (bit(params.begin_mask, i)) {
        index = stride > 0 ? 0 : dim - 1;
      } else if (index < 0) {
        index += dim;
      }
      if (index < 0 || index >= dim) {
        return InvalidModel("index {} of axis {} is out of range [0, {})",
                            begin[i], in_axis, dim);
      }
      plan.axes.push_back({in_axis, index, 1, 1, false});
      ++in_axis;
      continue;
    }
    const int64_t lo = stride > 0 ? 0 : -1;
    const int64_t hi = stride > 0 ? dim : dim - 1;
    int64_t start = begin[i];
    if (start < 0) start += dim;
    start = std::clamp(start, lo, hi);
    if (bit(params.begin_mask, i)) start = stride > 0 ? 0 : dim - 1;
    int64_t stop = end[i];
    if (params.offset) stop += start;
    if (stop < 0) stop += dim;
    stop = std::clamp(stop, lo, hi);
    if (bit(params.end_mask, i)) stop = stride > 0 ? dim : -1;
    int64_t count = 0;
    if (stride > 0 && stop > start) {
      count = (stop - start + stride - 1) / stride;
    } else if (stride < 0 && stop < start) {
      count = (start - stop + (-stride) - 1) / (-stride);
    }
    plan.axes.push_back(
        {in_axis, start, stride, static_cast<int32_t>(count), true});
    ++in_axis;
  }
  while (in_axis < rank) full_axis();
  for (const StridedSliceAxis& a : plan.axes) {
    if (a.keep) plan.output_shape.push_back(a.size);
  }
  return plan;
}

void RegisterTransformShapeFns(ShapeFnTable& table) {
  table[OpCode::kReshape] = ReshapeShape;
  table[OpCode::kSqueeze] = SqueezeShape;
  table[OpCode::kExpandDims] = ExpandDimsShape;
  table[OpCode::kTranspose] = TransposeShape;
  table[OpCode::kConcatenation] = ConcatenationShape;
  table[OpCode::kPack] = PackShape;
  table[OpCode::kUnpack] = UnpackShape;
  table[OpCode::kSplit] = SplitShape;
  table[OpCode::kSplitV] = SplitVShape;
  table[OpCode::kSlice] = SliceShape;
  table[OpCode::kStridedSlice] = StridedSliceShape;
  table[OpCode::kGather] = GatherShape;
  table[OpCode::kTile] = TileShape;
  table[OpCode::kShape] = ShapeShape;
  table[OpCode::kFill] = FillShape;
  table[OpCode::kCast] = CastShape;
}

}  // namespace mai::ir

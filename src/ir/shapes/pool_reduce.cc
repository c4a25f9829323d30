// Shape functions of the pooling / reduction family: AVERAGE_POOL_2D,
// MAX_POOL_2D, L2_NORMALIZATION, MEAN, SUM, REDUCE_MAX, REDUCE_MIN,
// REDUCE_PROD, SOFTMAX, LOG_SOFTMAX, ARG_MAX, ARG_MIN.
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

// Checks that output `i` has the dtype `expected`.
Status ExpectOutputDType(ShapeContext& ctx, int i, DType expected) {
  const Tensor* out = ctx.output(i);
  if (out == nullptr) return ctx.Error("missing output {}", i);
  if (out->dtype != expected) {
    return ctx.Error("output {} has dtype {}, expected {}", i,
                     DTypeName(out->dtype), DTypeName(expected));
  }
  return Status::Ok();
}

Status Pool2DShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  const Tensor* input = ctx.input(0);
  const auto* params = std::get_if<Pool2DParams>(&ctx.node().params);
  if (params == nullptr) return ctx.Error("missing pool options");
  if (input->shape.size() != 4) {
    return ctx.Error("input must have rank 4 (NHWC), has shape {}",
                     ShapeToString(input->shape));
  }
  if (params->stride_h < 1 || params->stride_w < 1 || params->filter_h < 1 ||
      params->filter_w < 1) {
    return ctx.Error("invalid window: filter {}x{} stride {}x{}",
                     params->filter_h, params->filter_w, params->stride_h,
                     params->stride_w);
  }
  MAI_RETURN_IF_ERROR(ExpectOutputDType(ctx, 0, input->dtype));
  auto h = ComputePaddedHeight(*params, input->shape[1], params->filter_h,
                               params->stride_h, 1);
  if (!h.ok()) return ctx.Error("height: {}", h.status().message());
  auto w = ComputePaddedWidth(*params, input->shape[2], params->filter_w,
                              params->stride_w, 1);
  if (!w.ok()) return ctx.Error("width: {}", w.status().message());
  return ctx.SetOutputShape(0,
                            {input->shape[0], h->out, w->out, input->shape[3]});
}

// Ops whose output has the input's shape and dtype, computed along the last
// dimension (SOFTMAX, LOG_SOFTMAX, L2_NORMALIZATION).
Status LastAxisShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  const Tensor* input = ctx.input(0);
  if (input->shape.empty()) {
    return ctx.Error("input must have rank >= 1, has a scalar");
  }
  MAI_RETURN_IF_ERROR(ExpectOutputDType(ctx, 0, input->dtype));
  return ctx.SetOutputShape(0, input->shape);
}

// Reads the constant axis input (input 1) of a reducer or arg op and
// normalizes every entry into [0, rank).
Result<std::vector<int>> ReadAxes(ShapeContext& ctx, int rank) {
  const Tensor* axis = ctx.input(1);
  if (axis->dtype != DType::kInt32 && axis->dtype != DType::kInt64) {
    return ctx.Error("axis must be int32 or int64, is {}",
                     DTypeName(axis->dtype));
  }
  std::optional<std::vector<int64_t>> values = ctx.ConstInts(1);
  if (!values.has_value()) return ctx.Unsupported("axis must be constant");
  std::vector<int> axes;
  axes.reserve(values->size());
  for (int64_t a : *values) {
    if (a < -rank || a >= rank) {
      return ctx.Error("axis {} is out of range for rank {}", a, rank);
    }
    axes.push_back(static_cast<int>(a < 0 ? a + rank : a));
  }
  return axes;
}

Status ReduceShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const Tensor* input = ctx.input(0);
  const int rank = static_cast<int>(input->shape.size());
  bool keep_dims = false;
  if (const auto* p = std::get_if<ReducerParams>(&ctx.node().params)) {
    keep_dims = p->keep_dims;
  }
  MAI_RETURN_IF_ERROR(ExpectOutputDType(ctx, 0, input->dtype));
  if (rank == 0) return ctx.SetOutputShape(0, {});  // axes are ignored
  MAI_ASSIGN_OR_RETURN(std::vector<int> axes, ReadAxes(ctx, rank));
  std::vector<bool> reduced(rank, false);
  for (int a : axes) reduced[a] = true;
  Shape out;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      out.push_back(input->shape[d]);
    } else if (keep_dims) {
      out.push_back(1);
    }
  }
  return ctx.SetOutputShape(0, out);
}

Status ArgMinMaxShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const Tensor* input = ctx.input(0);
  const int rank = static_cast<int>(input->shape.size());
  if (rank == 0) return ctx.Error("input must have rank >= 1, has a scalar");
  const Tensor* out = ctx.output(0);
  if (out->dtype != DType::kInt32 && out->dtype != DType::kInt64) {
    return ctx.Error("output must be int32 or int64, is {}",
                     DTypeName(out->dtype));
  }
  MAI_ASSIGN_OR_RETURN(std::vector<int> axes, ReadAxes(ctx, rank));
  if (axes.size() != 1) {
    return ctx.Error("axis must hold exactly one value, holds {}", axes.size());
  }
  Shape shape;
  for (int d = 0; d < rank; ++d) {
    if (d != axes[0]) shape.push_back(input->shape[d]);
  }
  return ctx.SetOutputShape(0, shape);
}

}  // namespace

void RegisterPoolReduceShapeFns(ShapeFnTable& table) {
  table[OpCode::kAveragePool2D] = Pool2DShape;
  table[OpCode::kMaxPool2D] = Pool2DShape;
  table[OpCode::kL2Normalization] = LastAxisShape;
  table[OpCode::kSoftmax] = LastAxisShape;
  table[OpCode::kLogSoftmax] = LastAxisShape;
  table[OpCode::kMean] = ReduceShape;
  table[OpCode::kSum] = ReduceShape;
  table[OpCode::kReduceMax] = ReduceShape;
  table[OpCode::kReduceMin] = ReduceShape;
  table[OpCode::kReduceProd] = ReduceShape;
  table[OpCode::kArgMax] = ArgMinMaxShape;
  table[OpCode::kArgMin] = ArgMinMaxShape;
}

}  // namespace mai::ir

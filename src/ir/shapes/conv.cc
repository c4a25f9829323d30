// Shape functions of the convolution family: CONV_2D, DEPTHWISE_CONV_2D,
// TRANSPOSE_CONV, FULLY_CONNECTED, BATCH_MATMUL.
#include <algorithm>

#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

// Checks that an optional bias (input `index`) is absent or holds `channels`
// elements.
Status CheckBias(const ShapeContext& ctx, int index, int32_t channels) {
  const Tensor* bias = ctx.input(index);
  if (bias == nullptr) return Status::Ok();
  auto n = NumElements(bias->shape);
  if (!n.ok() || *n != channels) {
    return ctx.Error(
        "bias {} does not hold {} elements (one per output channel)",
        ShapeToString(bias->shape), channels);
  }
  return Status::Ok();
}

Status CheckRank(const ShapeContext& ctx, const Tensor* t, const char* what,
                 int rank) {
  if (static_cast<int>(t->shape.size()) != rank) {
    return ctx.Error("{} must have rank {}, has shape {}", what, rank,
                     ShapeToString(t->shape));
  }
  return Status::Ok();
}

Status CheckStrides(const ShapeContext& ctx, int32_t stride_h, int32_t stride_w,
                    int32_t dilation_h, int32_t dilation_w) {
  if (stride_h < 1 || stride_w < 1) {
    return ctx.Error("strides must be >= 1, got {}x{}", stride_h, stride_w);
  }
  if (dilation_h < 1 || dilation_w < 1) {
    return ctx.Error("dilations must be >= 1, got {}x{}", dilation_h,
                     dilation_w);
  }
  return Status::Ok();
}

// Output height/width of a windowed op, or an error naming the node.
Result<PaddedDim> Window(const ShapeContext& ctx, Result<PaddedDim> d) {
  if (!d.ok()) return ctx.Error("{}", d.status().message());
  return d;
}

// CONV_2D: input [N,H,W,C], filter [O,KH,KW,C/groups], optional bias [O].
Status Conv2DShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 3, 1));
  const auto* p = std::get_if<Conv2DParams>(&ctx.node().params);
  if (p == nullptr) return ctx.Error("missing Conv2DOptions");
  MAI_RETURN_IF_ERROR(CheckStrides(ctx, p->stride_h, p->stride_w, p->dilation_h,
                                   p->dilation_w));
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  MAI_RETURN_IF_ERROR(CheckRank(ctx, input, "input", 4));
  MAI_RETURN_IF_ERROR(CheckRank(ctx, filter, "filter", 4));
  const Shape& in = input->shape;
  const Shape& f = filter->shape;
  if (f[0] < 1 || f[1] < 1 || f[2] < 1 || f[3] < 1) {
    return ctx.Error("filter shape {} has an empty dimension",
                     ShapeToString(f));
  }
  if (in[3] % f[3] != 0 || in[3] == 0) {
    return ctx.Error(
        "input channels {} are not a multiple of filter channels {}", in[3],
        f[3]);
  }
  const int32_t groups = in[3] / f[3];
  if (f[0] % groups != 0) {
    return ctx.Error("output channels {} are not a multiple of groups {}", f[0],
                     groups);
  }
  MAI_RETURN_IF_ERROR(CheckBias(ctx, 2, f[0]));
  MAI_ASSIGN_OR_RETURN(
      PaddedDim h, Window(ctx, ComputePaddedHeight(*p, in[1], f[1], p->stride_h,
                                                   p->dilation_h)));
  MAI_ASSIGN_OR_RETURN(
      PaddedDim w, Window(ctx, ComputePaddedWidth(*p, in[2], f[2], p->stride_w,
                                                  p->dilation_w)));
  return ctx.SetOutputShape(0, {in[0], h.out, w.out, f[0]});
}

// DEPTHWISE_CONV_2D: input [N,H,W,C], filter [1,KH,KW,C*M], bias [C*M].
Status DepthwiseConv2DShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 3, 1));
  const auto* p = std::get_if<DepthwiseConv2DParams>(&ctx.node().params);
  if (p == nullptr) return ctx.Error("missing DepthwiseConv2DOptions");
  MAI_RETURN_IF_ERROR(CheckStrides(ctx, p->stride_h, p->stride_w, p->dilation_h,
                                   p->dilation_w));
  const Tensor* input = ctx.input(0);
  const Tensor* filter = ctx.input(1);
  MAI_RETURN_IF_ERROR(CheckRank(ctx, input, "input", 4));
  MAI_RETURN_IF_ERROR(CheckRank(ctx, filter, "filter", 4));
  const Shape& in = input->shape;
  const Shape& f = filter->shape;
  if (f[0] != 1 || f[1] < 1 || f[2] < 1 || f[3] < 1) {
    return ctx.Error("filter shape {} is not [1,KH,KW,C*M]", ShapeToString(f));
  }
  // The depth multiplier follows from the shapes (as in recent TFLite); the
  // option is redundant and some converters write 0 or a stale value.
  if (in[3] < 1 || f[3] % in[3] != 0) {
    return ctx.Error(
        "filter channels {} are not a multiple of input channels {}", f[3],
        in[3]);
  }
  MAI_RETURN_IF_ERROR(CheckBias(ctx, 2, f[3]));
  MAI_ASSIGN_OR_RETURN(
      PaddedDim h, Window(ctx, ComputePaddedHeight(*p, in[1], f[1], p->stride_h,
                                                   p->dilation_h)));
  MAI_ASSIGN_OR_RETURN(
      PaddedDim w, Window(ctx, ComputePaddedWidth(*p, in[2], f[2], p->stride_w,
                                                  p->dilation_w)));
  return ctx.SetOutputShape(0, {in[0], h.out, w.out, f[3]});
}

// TRANSPOSE_CONV: inputs (output_shape, weights [O,KH,KW,C], input
// [N,H,W,C], optional bias [O]); the output shape is the constant input 0.
Status TransposeConvShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 4, 1));
  const auto* p = std::get_if<TransposeConvParams>(&ctx.node().params);
  if (p == nullptr) return ctx.Error("missing TransposeConvOptions");
  MAI_RETURN_IF_ERROR(CheckStrides(ctx, p->stride_h, p->stride_w, 1, 1));
  const Tensor* shape_tensor = ctx.input(0);
  const Tensor* weights = ctx.input(1);
  const Tensor* input = ctx.input(2);
  MAI_RETURN_IF_ERROR(CheckRank(ctx, weights, "weights", 4));
  MAI_RETURN_IF_ERROR(CheckRank(ctx, input, "input", 4));
  if (shape_tensor->dtype != DType::kInt32) {
    return ctx.Error("output_shape must be int32, is {}",
                     DTypeName(shape_tensor->dtype));
  }
  std::optional<std::vector<int64_t>> out = ctx.ConstInts(0);
  if (!out.has_value()) return ctx.Unsupported("output_shape must be constant");
  if (out->size() != 4) {
    return ctx.Error("output_shape must hold 4 values, holds {}", out->size());
  }
  const Shape& w = weights->shape;
  const Shape& in = input->shape;
  if (w[0] < 1 || w[1] < 1 || w[2] < 1) {
    return ctx.Error("weights shape {} has an empty dimension",
                     ShapeToString(w));
  }
  if (in[3] != w[3]) {
    return ctx.Error("input channels {} differ from weights channels {}", in[3],
                     w[3]);
  }
  Shape out_shape(4);
  for (int i = 0; i < 4; ++i) {
    int64_t d = (*out)[i];
    if (d < 1 || d > kMaxElements) {
      return ctx.Error("output_shape has invalid dimension {}", d);
    }
    out_shape[i] = static_cast<int32_t>(d);
  }
  if (out_shape[0] != in[0]) {
    return ctx.Error("output_shape batch {} differs from input batch {}",
                     out_shape[0], in[0]);
  }
  if (out_shape[3] != w[0]) {
    return ctx.Error("output_shape channels {} differ from weights outputs {}",
                     out_shape[3], w[0]);
  }
  MAI_RETURN_IF_ERROR(CheckBias(ctx, 3, w[0]));
  return ctx.SetOutputShape(0, out_shape);
}

// FULLY_CONNECTED: input [..., I] (flattened to [-1, I]), weights [O, I],
// optional bias [O].
Status FullyConnectedShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 3, 1));
  const auto* p = std::get_if<FullyConnectedParams>(&ctx.node().params);
  if (p == nullptr) return ctx.Error("missing FullyConnectedOptions");
  if (p->weights_format != 0) {
    return ctx.Unsupported("weights format {} is not supported",
                           p->weights_format);
  }
  const Tensor* input = ctx.input(0);
  const Tensor* weights = ctx.input(1);
  MAI_RETURN_IF_ERROR(CheckRank(ctx, weights, "weights", 2));
  const int32_t units = weights->shape[0];
  const int32_t depth = weights->shape[1];
  if (units < 1 || depth < 1) {
    return ctx.Error("weights shape {} has an empty dimension",
                     ShapeToString(weights->shape));
  }
  MAI_ASSIGN_OR_RETURN(int64_t n, NumElements(input->shape));
  if (n % depth != 0) {
    return ctx.Error("input {} cannot be flattened to rows of {}",
                     ShapeToString(input->shape), depth);
  }
  MAI_RETURN_IF_ERROR(CheckBias(ctx, 2, units));
  if (p->keep_num_dims) {
    if (input->shape.empty() || input->shape.back() != depth) {
      return ctx.Error(
          "keep_num_dims needs input last dimension {}, input is {}", depth,
          ShapeToString(input->shape));
    }
    Shape out = input->shape;
    out.back() = units;
    return ctx.SetOutputShape(0, out);
  }
  return ctx.SetOutputShape(0, {static_cast<int32_t>(n / depth), units});
}

// BATCH_MATMUL: lhs [..., M, K] (adj_x: [..., K, M]), rhs [..., K, N] (adj_y:
// [..., N, K]); batch dimensions broadcast.
Status BatchMatMulShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const auto* p = std::get_if<BatchMatMulParams>(&ctx.node().params);
  if (p == nullptr) return ctx.Error("missing BatchMatMulOptions");
  const Shape& a = ctx.input(0)->shape;
  const Shape& b = ctx.input(1)->shape;
  const int ra = static_cast<int>(a.size());
  const int rb = static_cast<int>(b.size());
  if (ra < 2 || ra > 5 || rb < 2 || rb > 5) {
    return ctx.Error("operands must have rank 2 to 5, have {} and {}",
                     ShapeToString(a), ShapeToString(b));
  }
  const int32_t m = p->adj_x ? a[ra - 1] : a[ra - 2];
  const int32_t ka = p->adj_x ? a[ra - 2] : a[ra - 1];
  const int32_t kb = p->adj_y ? b[rb - 1] : b[rb - 2];
  const int32_t n = p->adj_y ? b[rb - 2] : b[rb - 1];
  if (ka != kb) {
    return ctx.Error("inner dimensions differ: {} (lhs {}) vs {} (rhs {})", ka,
                     ShapeToString(a), kb, ShapeToString(b));
  }
  Shape batch_a(a.begin(), a.end() - 2);
  Shape batch_b(b.begin(), b.end() - 2);
  auto batch = BroadcastShapes(batch_a, batch_b);
  if (!batch.ok())
    return ctx.Error("batch dimensions: {}", batch.status().message());
  Shape out = *batch;
  out.push_back(m);
  out.push_back(n);
  return ctx.SetOutputShape(0, out);
}

}  // namespace

void RegisterConvShapeFns(ShapeFnTable& table) {
  table[OpCode::kConv2D] = Conv2DShape;
  table[OpCode::kDepthwiseConv2D] = DepthwiseConv2DShape;
  table[OpCode::kTransposeConv] = TransposeConvShape;
  table[OpCode::kFullyConnected] = FullyConnectedShape;
  table[OpCode::kBatchMatmul] = BatchMatMulShape;
}

}  // namespace mai::ir

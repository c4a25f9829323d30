// Shape functions of elementwise ops: unary ops keep the input shape,
// binary ops broadcast NumPy-style, comparisons produce bool, PRELU keeps
// the input shape (alpha must broadcast to it), SELECT/SELECT_V2 follow
// TFLite's rules.
#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

Status CheckDTypesMatch(ShapeContext& ctx, int a, int b) {
  const Tensor* ta = ctx.input(a);
  const Tensor* tb = ctx.input(b);
  if (ta->dtype != tb->dtype) {
    return ctx.Error("inputs {} and {} have different dtypes ({} vs {})", a, b,
                     DTypeName(ta->dtype), DTypeName(tb->dtype));
  }
  return Status::Ok();
}

Status UnaryShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  return ctx.SetOutputShape(0, ctx.input(0)->shape);
}

Status BroadcastBinary(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(CheckDTypesMatch(ctx, 0, 1));
  Result<Shape> out = BroadcastShapes(ctx.input(0)->shape, ctx.input(1)->shape);
  if (!out.ok()) return ctx.Error("{}", out.status().message());
  return ctx.SetOutputShape(0, *out);
}

Status ComparisonShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(BroadcastBinary(ctx));
  if (ctx.output(0)->dtype != DType::kBool) {
    return ctx.Error("output dtype must be bool, is {}",
                     DTypeName(ctx.output(0)->dtype));
  }
  return Status::Ok();
}

Status PreluShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  MAI_RETURN_IF_ERROR(CheckDTypesMatch(ctx, 0, 1));
  const Shape& in = ctx.input(0)->shape;
  const Shape& alpha = ctx.input(1)->shape;
  Result<Shape> out = BroadcastShapes(in, alpha);
  if (!out.ok() || *out != in) {
    return ctx.Error(
        "alpha of shape {} does not broadcast to the input shape {}",
        ShapeToString(alpha), ShapeToString(in));
  }
  return ctx.SetOutputShape(0, in);
}

Status SelectV2Shape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 3, 1));
  MAI_RETURN_IF_ERROR(CheckDTypesMatch(ctx, 1, 2));
  Result<Shape> xy = BroadcastShapes(ctx.input(1)->shape, ctx.input(2)->shape);
  if (!xy.ok()) return ctx.Error("{}", xy.status().message());
  Result<Shape> out = BroadcastShapes(ctx.input(0)->shape, *xy);
  if (!out.ok()) return ctx.Error("{}", out.status().message());
  return ctx.SetOutputShape(0, *out);
}

Status SelectShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 3, 1));
  MAI_RETURN_IF_ERROR(CheckDTypesMatch(ctx, 1, 2));
  const Shape& cond = ctx.input(0)->shape;
  const Shape& x = ctx.input(1)->shape;
  const Shape& y = ctx.input(2)->shape;
  if (x != y) {
    return ctx.Error("x {} and y {} must have the same shape", ShapeToString(x),
                     ShapeToString(y));
  }
  const bool ok = cond == x || cond.empty() ||
                  (cond.size() == 1 && !x.empty() && cond[0] == x[0]);
  if (!ok) {
    return ctx.Error(
        "condition of shape {} must match x {}, be a scalar or be rank 1",
        ShapeToString(cond), ShapeToString(x));
  }
  return ctx.SetOutputShape(0, x);
}

}  // namespace

void RegisterElementwiseShapeFns(ShapeFnTable& table) {
  for (OpCode op :
       {OpCode::kAdd, OpCode::kSub, OpCode::kMul, OpCode::kDiv,
        OpCode::kMaximum, OpCode::kMinimum, OpCode::kSquaredDifference,
        OpCode::kPow, OpCode::kFloorDiv, OpCode::kFloorMod, OpCode::kLogicalAnd,
        OpCode::kLogicalOr}) {
    table[op] = BroadcastBinary;
  }
  for (OpCode op : {OpCode::kLess, OpCode::kLessEqual, OpCode::kGreater,
                    OpCode::kGreaterEqual, OpCode::kEqual, OpCode::kNotEqual}) {
    table[op] = ComparisonShape;
  }
  table[OpCode::kPrelu] = PreluShape;
  table[OpCode::kSelect] = SelectShape;
  table[OpCode::kSelectV2] = SelectV2Shape;
  for (OpCode op :
       {OpCode::kRelu,     OpCode::kRelu6,     OpCode::kReluN1To1,
        OpCode::kRelu0To1, OpCode::kLeakyRelu, OpCode::kHardSwish,
        OpCode::kLogistic, OpCode::kTanh,      OpCode::kElu,
        OpCode::kGelu,     OpCode::kExp,       OpCode::kLog,
        OpCode::kSqrt,     OpCode::kRsqrt,     OpCode::kAbs,
        OpCode::kNeg,      OpCode::kFloor,     OpCode::kCeil,
        OpCode::kRound,    OpCode::kSquare,    OpCode::kSin,
        OpCode::kCos,      OpCode::kSign,      OpCode::kLogicalNot}) {
    table[op] = UnaryShape;
  }
}

}  // namespace mai::ir

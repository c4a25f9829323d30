// Registration of the XNNPACK elementwise family: binary arithmetic, PRELU,
// activations, unary math, QUANTIZE/DEQUANTIZE (see elementwise_kernels.h for
// what each runs).
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "backends/xnnpack/table_unary.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

using ir::OpCode;

void RegisterBinary(KernelRegistry& r, OpCode code, XnnBinaryOp op) {
  const bool has_fast = op == XnnBinaryOp::kAdd || op == XnnBinaryOp::kSub ||
                        op == XnnBinaryOp::kMul ||
                        op == XnnBinaryOp::kMaximum ||
                        op == XnnBinaryOp::kMinimum;
  if (!has_fast) {
    r.Register(code, [op] { return NewXnnBinaryKernel(op); });
    return;
  }
  r.Register(code, [op] {
    return NewFirstTakerKernel({[op] { return NewFastBinaryKernel(op); },
                                [op] { return NewXnnBinaryKernel(op); }});
  });
}
void RegisterUnary(KernelRegistry& r, OpCode code, XnnUnaryOp op) {
  r.Register(code, [op] { return NewXnnUnaryKernel(op); });
}

void RegisterUnaryWithTable(KernelRegistry& r, OpCode code, XnnUnaryOp op) {
  r.Register(code, [code, op] {
    return NewFirstTakerKernel(
        {[op] { return NewXnnUnaryKernel(op); },
         [code] { return CreateTableUnaryKernel(code); }});
  });
}

}  // namespace

void RegisterXnnElementwiseKernels(KernelRegistry& registry) {
  KernelRegistry& r = registry;
  RegisterBinary(r, OpCode::kAdd, XnnBinaryOp::kAdd);
  RegisterBinary(r, OpCode::kSub, XnnBinaryOp::kSub);
  RegisterBinary(r, OpCode::kMul, XnnBinaryOp::kMul);
  RegisterBinary(r, OpCode::kDiv, XnnBinaryOp::kDiv);
  RegisterBinary(r, OpCode::kMaximum, XnnBinaryOp::kMaximum);
  RegisterBinary(r, OpCode::kMinimum, XnnBinaryOp::kMinimum);
  RegisterBinary(r, OpCode::kSquaredDifference,
                 XnnBinaryOp::kSquaredDifference);
  r.Register(OpCode::kPrelu, [] { return NewXnnPreluKernel(); });
  r.Register(OpCode::kQuantize, [] { return NewXnnQuantizeKernel(); });
  r.Register(OpCode::kDequantize, [] { return NewXnnDequantizeKernel(); });

  RegisterUnary(r, OpCode::kRelu, XnnUnaryOp::kRelu);
  RegisterUnary(r, OpCode::kRelu6, XnnUnaryOp::kRelu6);
  RegisterUnary(r, OpCode::kReluN1To1, XnnUnaryOp::kReluN1To1);
  RegisterUnary(r, OpCode::kRelu0To1, XnnUnaryOp::kRelu0To1);
  // XNNPACK's operator first; int8/uint8 ops it has none for (HARD_SWISH,
  // int8 LEAKY_RELU, GELU) then run on the reference kernel's lookup table.
  RegisterUnaryWithTable(r, OpCode::kLeakyRelu, XnnUnaryOp::kLeakyRelu);
  RegisterUnaryWithTable(r, OpCode::kHardSwish, XnnUnaryOp::kHardSwish);
  r.Register(OpCode::kGelu,
             [] { return CreateTableUnaryKernel(OpCode::kGelu); });
  RegisterUnary(r, OpCode::kLogistic, XnnUnaryOp::kLogistic);
  RegisterUnary(r, OpCode::kTanh, XnnUnaryOp::kTanh);
  RegisterUnary(r, OpCode::kElu, XnnUnaryOp::kElu);
  RegisterUnary(r, OpCode::kAbs, XnnUnaryOp::kAbs);
  RegisterUnary(r, OpCode::kNeg, XnnUnaryOp::kNeg);
  RegisterUnary(r, OpCode::kFloor, XnnUnaryOp::kFloor);
  RegisterUnary(r, OpCode::kCeil, XnnUnaryOp::kCeil);
  RegisterUnary(r, OpCode::kRound, XnnUnaryOp::kRound);
  RegisterUnary(r, OpCode::kSqrt, XnnUnaryOp::kSqrt);
  RegisterUnary(r, OpCode::kSquare, XnnUnaryOp::kSquare);
}

}  // namespace mai::backends::xnnpack

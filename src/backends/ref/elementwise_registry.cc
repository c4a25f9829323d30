// Registration of the elementwise family: binary arithmetic, PRELU,
// comparisons, logical ops, SELECT, unary math and activations.
#include "backends/ref/binary.h"
#include "backends/ref/ref_registry.h"
#include "backends/ref/unary.h"

namespace mai::backends::ref {
namespace {

using ir::OpCode;

void RegisterArithmetic(KernelRegistry& r, OpCode code, ArithmeticOp op) {
  r.Register(code, [op] { return CreateArithmeticKernel(op); });
}
void RegisterComparison(KernelRegistry& r, OpCode code, ComparisonOp op) {
  r.Register(code, [op] { return CreateComparisonKernel(op); });
}
void RegisterUnary(KernelRegistry& r, OpCode code, UnaryOp op) {
  r.Register(code, [op] { return CreateUnaryKernel(op); });
}

}  // namespace

void RegisterElementwiseKernels(KernelRegistry& registry) {
  KernelRegistry& r = registry;
  RegisterArithmetic(r, OpCode::kAdd, ArithmeticOp::kAdd);
  RegisterArithmetic(r, OpCode::kSub, ArithmeticOp::kSub);
  RegisterArithmetic(r, OpCode::kMul, ArithmeticOp::kMul);
  RegisterArithmetic(r, OpCode::kDiv, ArithmeticOp::kDiv);
  RegisterArithmetic(r, OpCode::kMaximum, ArithmeticOp::kMaximum);
  RegisterArithmetic(r, OpCode::kMinimum, ArithmeticOp::kMinimum);
  RegisterArithmetic(r, OpCode::kSquaredDifference,
                     ArithmeticOp::kSquaredDifference);
  RegisterArithmetic(r, OpCode::kPow, ArithmeticOp::kPow);
  RegisterArithmetic(r, OpCode::kFloorDiv, ArithmeticOp::kFloorDiv);
  RegisterArithmetic(r, OpCode::kFloorMod, ArithmeticOp::kFloorMod);
  r.Register(OpCode::kPrelu, [] { return CreatePreluKernel(); });

  RegisterComparison(r, OpCode::kLess, ComparisonOp::kLess);
  RegisterComparison(r, OpCode::kLessEqual, ComparisonOp::kLessEqual);
  RegisterComparison(r, OpCode::kGreater, ComparisonOp::kGreater);
  RegisterComparison(r, OpCode::kGreaterEqual, ComparisonOp::kGreaterEqual);
  RegisterComparison(r, OpCode::kEqual, ComparisonOp::kEqual);
  RegisterComparison(r, OpCode::kNotEqual, ComparisonOp::kNotEqual);
  r.Register(OpCode::kLogicalAnd,
             [] { return CreateLogicalKernel(LogicalOp::kAnd); });
  r.Register(OpCode::kLogicalOr,
             [] { return CreateLogicalKernel(LogicalOp::kOr); });
  r.Register(OpCode::kSelect,
             [] { return CreateSelectKernel(/*broadcast_v2=*/false); });
  r.Register(OpCode::kSelectV2,
             [] { return CreateSelectKernel(/*broadcast_v2=*/true); });

  RegisterUnary(r, OpCode::kRelu, UnaryOp::kRelu);
  RegisterUnary(r, OpCode::kRelu6, UnaryOp::kRelu6);
  RegisterUnary(r, OpCode::kReluN1To1, UnaryOp::kReluN1To1);
  RegisterUnary(r, OpCode::kRelu0To1, UnaryOp::kRelu0To1);
  RegisterUnary(r, OpCode::kLeakyRelu, UnaryOp::kLeakyRelu);
  RegisterUnary(r, OpCode::kHardSwish, UnaryOp::kHardSwish);
  RegisterUnary(r, OpCode::kLogistic, UnaryOp::kLogistic);
  RegisterUnary(r, OpCode::kTanh, UnaryOp::kTanh);
  RegisterUnary(r, OpCode::kElu, UnaryOp::kElu);
  RegisterUnary(r, OpCode::kGelu, UnaryOp::kGelu);
  RegisterUnary(r, OpCode::kExp, UnaryOp::kExp);
  RegisterUnary(r, OpCode::kLog, UnaryOp::kLog);
  RegisterUnary(r, OpCode::kSqrt, UnaryOp::kSqrt);
  RegisterUnary(r, OpCode::kRsqrt, UnaryOp::kRsqrt);
  RegisterUnary(r, OpCode::kAbs, UnaryOp::kAbs);
  RegisterUnary(r, OpCode::kNeg, UnaryOp::kNeg);
  RegisterUnary(r, OpCode::kFloor, UnaryOp::kFloor);
  RegisterUnary(r, OpCode::kCeil, UnaryOp::kCeil);
  RegisterUnary(r, OpCode::kRound, UnaryOp::kRound);
  RegisterUnary(r, OpCode::kSquare, UnaryOp::kSquare);
  RegisterUnary(r, OpCode::kSin, UnaryOp::kSin);
  RegisterUnary(r, OpCode::kCos, UnaryOp::kCos);
  RegisterUnary(r, OpCode::kSign, UnaryOp::kSign);
  RegisterUnary(r, OpCode::kLogicalNot, UnaryOp::kLogicalNot);
}

}  // namespace mai::backends::ref

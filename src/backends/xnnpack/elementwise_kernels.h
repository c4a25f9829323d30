// XNNPACK kernels of the elementwise family: binary arithmetic with
// broadcasting, PRELU, activations and unary math. Each factory returns a
// fresh kernel for one node; registration is in elementwise_registry.cc.
//
// What runs on XNNPACK (anything else returns Unimplemented from Prepare, so
// the session falls back to the reference kernel):
//   - ADD, SUB, MUL: float32 (fused RELU/RELU6/RELU_N1_TO_1) and per-tensor
//     int8/uint8 (XNNPACK's qs8/qu8 operators; results within 1 of TFLite).
//   - DIV (fused activation), MAXIMUM, MINIMUM, SQUARED_DIFFERENCE: float32.
//     All binary ops broadcast NumPy-style up to XNN_MAX_TENSOR_DIMS dims.
//   - PRELU: float32 with a constant alpha that varies along the last
//     (channel) dimension only (shape [..., 1, C] or a single value);
//     XNNPACK's PRELU takes one slope per channel.
//   - RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1: float32 (clamp); int8/uint8
//     when input and output share scale and zero point (a clamp needs no
//     rescaling then).
//   - LEAKY_RELU: float32, uint8. HARD_SWISH: float32. LOGISTIC: float32,
//     int8, uint8. TANH: int8, uint8. ELU: float32, int8.
//   - ABS, NEG, FLOOR, CEIL, ROUND (half to even), SQRT, SQUARE: float32.
#ifndef MAI_BACKENDS_XNNPACK_ELEMENTWISE_KERNELS_H_
#define MAI_BACKENDS_XNNPACK_ELEMENTWISE_KERNELS_H_

#include <memory>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

enum class XnnBinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMaximum,
  kMinimum,
  kSquaredDifference,
};
std::unique_ptr<OpKernel> NewXnnBinaryKernel(XnnBinaryOp op);  // binary.cc
// mai's threaded float32 kernel for ADD/SUB/MUL/MAXIMUM/MINIMUM on the
// shapes models use (same shapes, a trailing vector, a scalar); declines
// the rest (fast_binary.cc).
std::unique_ptr<OpKernel> NewFastBinaryKernel(XnnBinaryOp op);
std::unique_ptr<OpKernel> NewXnnPreluKernel();  // binary.cc

// QUANTIZE (float32 -> int8/uint8) and DEQUANTIZE (int8/uint8/float16 ->
// float32), per-tensor quantization (convert.cc).
std::unique_ptr<OpKernel> NewXnnQuantizeKernel();
std::unique_ptr<OpKernel> NewXnnDequantizeKernel();

enum class XnnUnaryOp {
  kRelu,
  kRelu6,
  kReluN1To1,
  kRelu0To1,
  kLeakyRelu,
  kHardSwish,
  kLogistic,
  kTanh,
  kElu,
  kAbs,
  kNeg,
  kFloor,
  kCeil,
  kRound,
  kSqrt,
  kSquare,
};
std::unique_ptr<OpKernel> NewXnnUnaryKernel(XnnUnaryOp op);  // unary.cc

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_ELEMENTWISE_KERNELS_H_

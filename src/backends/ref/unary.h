// Elementwise unary kernels of the reference backend: activations
// (activation.cc) and math functions (unary.cc), float32 everywhere, TFLite's
// quantized semantics for int8/uint8 where TFLite has a quantized kernel,
// and integer/bool variants where TFLite has them (ABS, NEG, SIGN,
// LOGICAL_NOT).
//
// Every quantized unary op maps each of the 256 possible input values to
// one output value, so Prepare evaluates TFLite's exact per-element formula
// (fixed-point or float-then-round, whichever TFLite uses for the op) once
// per input value into a table, and Invoke is a table lookup. The results
// are those of TFLite's kernels element for element.
#ifndef MAI_BACKENDS_REF_UNARY_H_
#define MAI_BACKENDS_REF_UNARY_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>

#include "backends/kernel.h"
#include "core/dtype.h"
#include "core/status.h"

namespace mai::backends::ref {

enum class UnaryOp {
  // activation.cc
  kRelu,
  kRelu6,
  kReluN1To1,
  kRelu0To1,
  kLeakyRelu,
  kHardSwish,
  kLogistic,
  kTanh,
  kElu,
  kGelu,
  // unary.cc
  kExp,
  kLog,
  kSqrt,
  kRsqrt,
  kAbs,
  kNeg,
  kFloor,
  kCeil,
  kRound,
  kSquare,
  kSin,
  kCos,
  kSign,
  kLogicalNot,
};

std::unique_ptr<OpKernel> CreateUnaryKernel(UnaryOp op);

// Op parameters that shape the function (read from the node in Prepare).
struct UnaryAttrs {
  float alpha = 0.2f;        // LEAKY_RELU
  bool approximate = false;  // GELU
};

// Per-tensor quantization of a quantized unary op's input and output.
struct UnaryQuant {
  DType dtype = DType::kInt8;  // int8 or uint8, same for input and output
  float input_scale = 1.0f;
  int32_t input_zero_point = 0;
  float output_scale = 1.0f;
  int32_t output_zero_point = 0;
};

// Output for every input value: table[q - QuantMin(dtype)].
using QuantTable = std::array<int32_t, 256>;

// --- activation.cc
// ------------------------------------------------------------
bool IsActivationOp(UnaryOp op);
// float32 evaluation of an activation op over n elements.
void EvalActivationFloat(UnaryOp op, const UnaryAttrs& attrs, const float* in,
                         float* out, int64_t n);
// Fills `table` for a quantized activation; Unimplemented when TFLite has no
// quantized kernel for this op and dtype.
Status BuildActivationTable(UnaryOp op, const UnaryAttrs& attrs,
                            const UnaryQuant& q, QuantTable& table);

// TFLite's float LUT recipe shared by LUT-based ops: dequantize in float,
// apply `fn`, multiply by 1/output_scale, round half away from zero, add the
// output zero point, clamp to the dtype.
template <typename Fn>
void FillFloatTable(const UnaryQuant& q, Fn&& fn, QuantTable& table) {
  const int32_t qmin = q.dtype == DType::kInt8 ? -128 : 0;
  const int32_t qmax = qmin + 255;
  const float inverse_scale = 1.0f / q.output_scale;
  for (int32_t v = qmin; v <= qmax; ++v) {
    const float dequantized =
        q.input_scale * static_cast<float>(v - q.input_zero_point);
    const float transformed = fn(dequantized);
    float rescaled = std::round(transformed * inverse_scale) +
                     static_cast<float>(q.output_zero_point);
    // Clamp in float first: the cast of an out-of-range float is undefined.
    rescaled = std::min(std::max(rescaled, -1e9f), 1e9f);
    int32_t quantized =
        std::isnan(rescaled) ? 0 : static_cast<int32_t>(rescaled);
    table[v - qmin] = std::min(std::max(quantized, qmin), qmax);
  }
}

// 1 / sqrt(x) of an integer x >= 0 as a Q31 multiplier and a left shift
// (TFLite's GetInvSqrtQuantizedMultiplierExp with reverse_shift = -1).
void InvSqrtQuantizedMultiplier(int32_t x, int32_t* multiplier, int* shift);

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_UNARY_H_

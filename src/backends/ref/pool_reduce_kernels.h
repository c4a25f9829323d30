// Reference kernels of the pooling / reduction family, and the MediaPipe
// pooling custom ops. Each factory returns a fresh kernel for one node; the
// registration lives in pool_reduce_registry.cc (builtins) and
// mediapipe_registry.cc (custom ops).
//
// Semantics follow TensorFlow Lite's builtin kernels (the ones its default op
// resolver runs), including their quantized rounding:
//   - MAX_POOL_2D / AVERAGE_POOL_2D: fp32, int8, uint8; SAME/VALID padding,
//     fused activation. Average counts only elements inside the input and
//     divides rounding half away from zero. Quantized pools use the input's
//     quantization for the output (TFLite requires them equal).
//   - L2_NORMALIZATION: fp32 (epsilon 1e-6), int8/uint8 with TFLite's
//     fixed-point inverse square root; quantized output must be scale 1/128,
//     zero point 0 (int8) / 128 (uint8).
//   - MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD: fp32, int32, int64,
//     int8/uint8 (PROD: int8 only, as TFLite); constant axes, negative and
//     duplicate axes, keep_dims.
//   - SOFTMAX (beta) and LOG_SOFTMAX over the last dimension: fp32 and
//     int8/uint8 through TFLite's 256-entry exp table. Quantized outputs must
//     use scale 1/256 and zero point -128 / 0 (softmax) or scale 16/256 and
//     zero point 127 / 255 (log-softmax).
//   - ARG_MAX / ARG_MIN: fp32, int8, uint8, int32, int64 inputs; int32 or
//     int64 output; the first extreme element wins ties.
#ifndef MAI_BACKENDS_REF_POOL_REDUCE_KERNELS_H_
#define MAI_BACKENDS_REF_POOL_REDUCE_KERNELS_H_

#include <cstdint>
#include <memory>
#include <span>

#include "backends/kernel.h"
#include "core/status.h"
#include "ir/op_params.h"
#include "ir/shape_inference.h"

namespace mai::backends::ref {

std::unique_ptr<OpKernel> NewMaxPool2DKernel();
std::unique_ptr<OpKernel> NewAveragePool2DKernel();
std::unique_ptr<OpKernel> NewL2NormalizationKernel();
// `op` is one of kMean, kSum, kReduceMax, kReduceMin, kReduceProd.
std::unique_ptr<OpKernel> NewReduceKernel(ir::OpCode op);
std::unique_ptr<OpKernel> NewSoftmaxKernel();
std::unique_ptr<OpKernel> NewLogSoftmaxKernel();
std::unique_ptr<OpKernel> NewArgMinMaxKernel(bool is_max);

// --- MediaPipe pooling custom ops
// ---------------------------------------------
//
// Their custom_options hold a raw little-endian TfLitePoolParams struct:
//   int32 padding (1 = SAME, 2 = VALID), int32 stride_width,
//   int32 stride_height, int32 filter_width, int32 filter_height,
//   int32 activation (TfLiteFusedActivation), then optionally the 16-byte
//   computed TfLitePaddingValues, which are ignored (mai recomputes them).
// ParseTflitePoolParams needs at least the first 24 bytes and rejects
// unknown padding / activation values and non-positive strides or filters.
Result<ir::Pool2DParams> ParseTflitePoolParams(std::span<const uint8_t> bytes);

namespace mediapipe {

// Registers "MaxPoolingWithArgmax2D" (shape function and kernel):
//   input [N,H,W,C] fp32 → output 0: the max-pooled values (fused activation
//   applied); output 1: the argmax of each window as fp32
//   `y * filter_width + x` (window-relative, + 0.1 so that a cast to int
//   recovers it). Both outputs are fp32 [N,OH,OW,C]; OH/OW and padding as
//   MAX_POOL_2D.
void RegisterMaxPoolingWithArgmax2D(KernelRegistry& registry);

// Registers "MaxUnpooling2D": inputs values [N,H,W,C] fp32 and indices (same
// shape, fp32, as MaxPoolingWithArgmax2D produces them) → output
// [N, H*filter_h, W*filter_w, C]: zeros except each value written where its
// index points inside its window (window origin in*stride - pad, with
// pad = max(0, ((in-1)*stride + filter - out) / 2)); positions outside the
// output are skipped. The fused activation is parsed but not applied, as
// MediaPipe's kernel does.
void RegisterMaxUnpooling2D(KernelRegistry& registry);

}  // namespace mediapipe

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_POOL_REDUCE_KERNELS_H_

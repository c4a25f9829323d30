// MediaPipe's "Convolution2DTransposeBias" custom op (used by the selfie
// segmentation models): a transposed convolution with bias.
//
//   inputs:  input [N,H,W,C] float32, weights [O,KH,KW,C] float32 (OHWI),
//            bias [O] float32
//   output:  [N, OH, OW, O] float32
//   options: custom_options is a packed little-endian C struct of three
//            int32 (TfLiteTransposeConvParams): padding (1 = SAME,
//            2 = VALID, 0 = unknown, treated as VALID as MediaPipe does),
//            stride_width, stride_height. Extra trailing bytes are ignored;
//            fewer than 12 bytes is an error.
//
// Output size and padding follow MediaPipe's kernel: for SAME,
//   pad = max(0, K - (H - 1) % stride - 1), OH = stride * (H - 1) + K - pad,
// with pad / 2 rows of padding before the first output row; for VALID,
//   pad = 0, OH = stride * (H - 1) + K.
// The same holds for the width.
#ifndef MAI_BACKENDS_REF_MEDIAPIPE_TRANSPOSE_CONV_BIAS_H_
#define MAI_BACKENDS_REF_MEDIAPIPE_TRANSPOSE_CONV_BIAS_H_

#include <cstdint>
#include <vector>

#include "backends/kernel.h"
#include "core/status.h"
#include "ir/shape_inference.h"

namespace mai::backends::ref::mediapipe {

// The op's custom_options, parsed and validated (strides >= 1).
struct TransposeConvBiasOptions {
  bool same = false;
  int32_t stride_w = 1;
  int32_t stride_h = 1;
};
Result<TransposeConvBiasOptions> ParseTransposeConvBiasOptions(
    const std::vector<uint8_t>& bytes);

// The op's shape function (also registered by other backends' kernels).
Status TransposeConvBiasShape(ir::ShapeContext& ctx);

// Registers "Convolution2DTransposeBias" (shape function and kernel).
void RegisterConvolution2DTransposeBias(KernelRegistry& registry);

}  // namespace mai::backends::ref::mediapipe

#endif  // MAI_BACKENDS_REF_MEDIAPIPE_TRANSPOSE_CONV_BIAS_H_

// Transposed convolution whose stride equals its kernel size ("patch"
// deconvolution, the learned 2x upsampling of segmentation decoders), float32,
// for TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias.
//
// With stride == kernel and no cropping (output = input x kernel in both
// dims) every input pixel owns one kh x kw block of output pixels:
//   out[y*kh + dy][x*kw + dx][o] = bias[o] + sum_i w[o][dy][dx][i] *
//   in[y][x][i]
// XNNPACK's deconvolution (2022 snapshot) runs this at about 6 % of the FMA
// peak on the selfie models' last layer (16 -> 1 channel, 2x2), 13 % of the
// model's time. This kernel transposes 16 input pixels of a row to
// channel-major (simd_tile.h), computes each (o, dy, dx) for the 16 pixels
// as one vector with four independent multiply-add chains, and writes the
// 16 results to their blocks. Rows split over the thread pool; results do
// not depend on the thread count. Compiled for AVX-512, AVX2+FMA and
// baseline x86-64.
#ifndef MAI_BACKENDS_XNNPACK_PATCH_DECONV_H_
#define MAI_BACKENDS_XNNPACK_PATCH_DECONV_H_

#include <memory>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

// TRANSPOSE_CONV and Convolution2DTransposeBias kernels: the patch kernel
// where it applies, XNNPACK's deconvolution otherwise.
std::unique_ptr<OpKernel> CreateTransposeConvDispatchKernel();
std::unique_ptr<OpKernel> CreateTransposeConvBiasDispatchKernel();

// The patch kernels alone: Prepare declines (Unimplemented) any node that is
// not a float32 transposed convolution with stride == kernel and output =
// input x kernel.
std::unique_ptr<OpKernel> CreatePatchTransposeConvKernel();
std::unique_ptr<OpKernel> CreatePatchTransposeConvBiasKernel();

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_PATCH_DECONV_H_

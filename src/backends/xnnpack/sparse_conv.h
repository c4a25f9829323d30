// Sparse 1x1 convolution for pruned float weights, in NHWC.
//
// A pruned model (e.g. face_detection_full_range_sparse, whose weights come
// as sparse fp16 tensors that prepare densifies) has 1x1 convolutions with
// most weights zero. A dense GEMM multiplies the zeros too; this kernel
// keeps, per output channel, the list of non-zero weights (CSR, built at
// Prepare) and does one multiply-add per non-zero weight per pixel:
//
//   for each tile of kSparseTile pixels:
//     x^T = the tile's input, transposed to [in_c][kSparseTile]
//     for each output channel o:
//       acc[kSparseTile] = bias[o] + sum over non-zero w[o][i]: w * x^T[i]
//       out[pixel][o] = clamp(acc[pixel])
//
// The inner loop is one broadcast weight times one vector of pixels; the
// function is compiled for AVX-512, AVX2+FMA and baseline x86-64, and the
// loader picks the best one the CPU has. Tiles split over the thread pool;
// each output value is computed by one thread in a fixed order, so results
// do not depend on the thread count. The sum runs in the order of the input
// channels, as a dense convolution's would, but without the zero terms:
// results match a dense kernel within float rounding.
#ifndef MAI_BACKENDS_XNNPACK_SPARSE_CONV_H_
#define MAI_BACKENDS_XNNPACK_SPARSE_CONV_H_

#include <cstdint>
#include <memory>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

// Fraction of zero weights from which the sparse kernel is used. Measured
// against XNNPACK's dense GEMM on 1x1 layers of 16..384 channels (1 thread,
// docs/xnnpack_backend.md "Sparse 1x1 convolution"): at 1/2 zeros the
// sparse kernel is slower, at 60% it is 0.6-0.9x the dense time, at 80%
// 0.3-0.5x.
inline constexpr double kSparseConvMinZeroFraction = 0.6;

// Pixels per tile: four AVX-512 vectors of floats, i.e. four independent
// multiply-add chains per output channel.
inline constexpr int kSparseTile = 64;

// The largest input channel count the kernel takes (its transposed tile
// lives on the stack: kSparseMaxInChannels * kSparseTile floats).
inline constexpr int kSparseMaxInChannels = 1024;

// CONV_2D kernel: the sparse kernel when the node is a float32 1x1 stride-1
// convolution without padding whose constant weights have at least
// kSparseConvMinZeroFraction zeros, else XNNPACK's dense convolution.
std::unique_ptr<OpKernel> CreateConv2DDispatchKernel();

// The sparse kernel alone: Prepare declines (Unimplemented) any node it does
// not take, including weights that are not sparse enough.
std::unique_ptr<OpKernel> CreateSparseConv1x1Kernel();

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_SPARSE_CONV_H_

// A kernel that runs the first of several candidate kernels willing to take
// the node: mai's specialised kernels (sparse 1x1 convolution, direct
// depthwise convolution, patch deconvolution) first, XNNPACK's general
// operator after them.
//
//   registry.Register(ir::OpCode::kConv2D, [] {
//     return NewFirstTakerKernel({CreateSparseConv1x1Kernel,
//                                 CreateXnnConv2DKernel});
//   });
//
// Prepare tries the candidates in order: a candidate that declines
// (Unimplemented) passes the node on; any other error is returned as is.
// When all decline, the last one's Unimplemented is returned (so the
// session falls back to the reference kernel, or fails with --no_fallback).
// Candidates are created on first use and kept for later Prepares.
#ifndef MAI_BACKENDS_XNNPACK_DISPATCH_KERNEL_H_
#define MAI_BACKENDS_XNNPACK_DISPATCH_KERNEL_H_

#include <memory>
#include <vector>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

std::unique_ptr<OpKernel> NewFirstTakerKernel(
    std::vector<KernelFactory> candidates);

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_DISPATCH_KERNEL_H_

// The XNNPACK backend: ops run through XNNPACK's operator API (fp32 and
// quantized), and mai's own vectorized kernels for what XNNPACK lacks.
// Registration is plain code, one Register*Kernels per op family.
#ifndef MAI_BACKENDS_XNNPACK_XNNPACK_REGISTRY_H_
#define MAI_BACKENDS_XNNPACK_XNNPACK_REGISTRY_H_

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

// Initializes XNNPACK once per process; error when the CPU is unsupported.
Status EnsureXnnpackInitialized();

// Per-family registration (one per xnnpack/*.cc family).
void RegisterXnnConvKernels(KernelRegistry& registry);        // conv, depthwise, deconv, FC
void RegisterXnnElementwiseKernels(KernelRegistry& registry); // binary, unary, activations
void RegisterXnnPoolKernels(KernelRegistry& registry);        // pooling, softmax, resize, pad, d2s
void RegisterFastKernels(KernelRegistry& registry);           // mai's own kernels (concat, slice...)

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_XNNPACK_REGISTRY_H_

// The reference backend: portable, straightforward kernels for every op mai
// supports, fp32 and TFLite-exact int8/uint8. It is the oracle for every
// faster backend. Kernels live in one file per op family; each family
// registers itself here.
#ifndef MAI_BACKENDS_REF_REF_REGISTRY_H_
#define MAI_BACKENDS_REF_REF_REGISTRY_H_

#include "backends/kernel.h"

namespace mai::backends::ref {

// The registry with every reference kernel and MediaPipe custom op.
const KernelRegistry& RefKernelRegistry();

// Per-family registration (one per ref/*.cc family file).
void RegisterConvKernels(KernelRegistry& registry);  // conv.cc etc.
void RegisterElementwiseKernels(
    KernelRegistry& registry);  // binary.cc, unary.cc
void RegisterPoolReduceKernels(
    KernelRegistry& registry);  // pool.cc, reduce.cc, softmax.cc
void RegisterTransformKernels(
    KernelRegistry& registry);  // reshape/concat/slice/gather/...
void RegisterMediaPipeKernels(
    KernelRegistry& registry);  // mediapipe/*.cc custom ops
void RegisterSpatialKernels(
    KernelRegistry& registry);  // pad/resize/depth_space/quantize/densify

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_REF_REGISTRY_H_

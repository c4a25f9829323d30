#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

const KernelRegistry& RefKernelRegistry() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterConvKernels(*r);
    RegisterElementwiseKernels(*r);
    RegisterPoolReduceKernels(*r);
    RegisterTransformKernels(*r);
    RegisterSpatialKernels(*r);
    RegisterMediaPipeKernels(*r);
    return r;
  }();
  return *registry;
}

}  // namespace mai::backends::ref

#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterXnnElementwiseKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::xnnpack

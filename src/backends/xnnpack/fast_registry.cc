#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterFastKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::xnnpack

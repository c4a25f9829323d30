#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterXnnConvKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::xnnpack

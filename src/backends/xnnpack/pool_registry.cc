#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterXnnPoolKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::xnnpack

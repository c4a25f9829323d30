#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterElementwiseKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::ref

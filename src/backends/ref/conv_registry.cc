#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterConvKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::ref

#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterTransformKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::ref

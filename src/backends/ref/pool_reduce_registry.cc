#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterPoolReduceKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::ref

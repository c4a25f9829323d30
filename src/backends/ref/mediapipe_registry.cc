#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterMediaPipeKernels(KernelRegistry& registry) {}

}  // namespace mai::backends::ref

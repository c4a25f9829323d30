#include "backends/backends.h"

#include "backends/ref/ref_registry.h"

namespace mai::backends {

const KernelRegistry* FindBackend(const std::string& name) {
  if (name == "ref") return &ref::RefKernelRegistry();
  if (name == "xnnpack") return &XnnpackKernelRegistry();
  return nullptr;
}

}  // namespace mai::backends

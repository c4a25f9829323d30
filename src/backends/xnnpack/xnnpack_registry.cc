#include "backends/xnnpack/xnnpack_registry.h"

#include <xnnpack.h>

#include "backends/backends.h"

namespace mai::backends {

namespace xnnpack {

Status EnsureXnnpackInitialized() {
  static const xnn_status status = xnn_initialize(/*allocator=*/nullptr);
  if (status != xnn_status_success) {
    return Unimplemented("XNNPACK cannot run on this CPU (xnn_initialize: {})",
                         static_cast<int>(status));
  }
  return Status::Ok();
}

}  // namespace xnnpack

const KernelRegistry& XnnpackKernelRegistry() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    xnnpack::RegisterXnnConvKernels(*r);
    xnnpack::RegisterXnnElementwiseKernels(*r);
    xnnpack::RegisterXnnPoolKernels(*r);
    xnnpack::RegisterFastKernels(*r);
    return r;
  }();
  return *registry;
}

}  // namespace mai::backends

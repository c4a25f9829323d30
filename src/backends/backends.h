// The backends a Session can run nodes on, by name.
//
//   "ref"      backends/ref: every op, the oracle.
//   "xnnpack"  backends/xnnpack: XNNPACK operators and mai's fast kernels.
//
// A backend is a KernelRegistry. A kernel whose Prepare returns
// StatusCode::kUnimplemented declines the node (unsupported dtype, params...);
// the session then falls back to the reference kernel when allowed.
#ifndef MAI_BACKENDS_BACKENDS_H_
#define MAI_BACKENDS_BACKENDS_H_

#include <string>

#include "backends/kernel.h"

namespace mai::backends {

// nullptr for an unknown name.
const KernelRegistry* FindBackend(const std::string& name);

// The XNNPACK backend's registry (backends/xnnpack/xnnpack_registry.cc).
const KernelRegistry& XnnpackKernelRegistry();

}  // namespace mai::backends

#endif  // MAI_BACKENDS_BACKENDS_H_

#include "backends/kernel.h"

namespace mai::backends {

std::unique_ptr<OpKernel> KernelRegistry::Create(const ir::Node& node) const {
  if (node.op == ir::OpCode::kCustom) {
    auto it = customs_.find(node.custom_name);
    return it == customs_.end() ? nullptr : it->second.factory();
  }
  auto it = builtins_.find(node.op);
  return it == builtins_.end() ? nullptr : it->second();
}

bool KernelRegistry::Supports(const ir::Node& node) const {
  if (node.op == ir::OpCode::kCustom)
    return customs_.count(node.custom_name) > 0;
  return builtins_.count(node.op) > 0;
}

ir::ShapeFn KernelRegistry::FindCustomShapeFn(const std::string& name) const {
  auto it = customs_.find(name);
  return it == customs_.end() ? nullptr : it->second.shape_fn;
}

}  // namespace mai::backends

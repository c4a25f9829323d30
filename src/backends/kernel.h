// The kernel interface every backend implements, one OpKernel per node.
//
// Life cycle (the runtime drives it):
//   1. the runtime creates the kernel from a registry (KernelRegistry);
//   2. Prepare(ctx) runs after shape inference and memory planning, once per
//      (re)size: shapes, dtypes and quantization of all inputs/outputs are
//      final, and every data pointer (constants and arena slots) is valid and
//      stays valid until the next Prepare (activation CONTENTS are not yet
//      meaningful). Prepare validates dtypes/params (returning Unimplemented
//      for unsupported combinations, naming op and dtype — a fast backend's
//      Unimplemented makes the session fall back to the reference kernel),
//      precomputes multipliers, packs weights, binds buffers (e.g. XNNPACK
//      setup) and allocates scratch it owns;
//   3. Invoke(ctx) computes outputs from inputs. Invoke never allocates and
//      never does I/O.
// Data pointers may change at the next Prepare (after a resize): a kernel
// keeps them only from one Prepare to the next.
#ifndef MAI_BACKENDS_KERNEL_H_
#define MAI_BACKENDS_KERNEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace mai::backends {

// A tensor as a kernel sees it. `tensor == nullptr` for an absent optional
// input. Quantization, dtype and shape come from the IR tensor.
struct TensorView {
  const ir::Tensor* tensor = nullptr;
  void* data = nullptr;  // constant data or a slot in the arena
  size_t bytes = 0;

  bool present() const { return tensor != nullptr; }
  DType dtype() const { return tensor->dtype; }
  const Shape& shape() const { return tensor->shape; }
  int rank() const { return static_cast<int>(tensor->shape.size()); }
  int32_t dim(int i) const { return tensor->shape[i]; }
  int64_t num_elements() const { return NumElementsUnchecked(tensor->shape); }
  const ir::QuantParams& quant() const { return tensor->quant; }
  // Per-tensor scale / zero point (entry 0); call only when quantized.
  float scale() const { return tensor->quant.scale[0]; }
  int32_t zero_point() const {
    return tensor->quant.zero_point.empty()
               ? 0
               : static_cast<int32_t>(tensor->quant.zero_point[0]);
  }
  template <typename T>
  T* data_as() const {
    return static_cast<T*>(data);
  }
};

struct KernelContext {
  const ir::Graph* graph = nullptr;
  const ir::Node* node = nullptr;
  int node_index = 0;
  int num_threads = 1;
  // The session's pthreadpool_t (nullptr for one thread); kernels that
  // parallelize run their work on it, never on threads of their own.
  void* threadpool = nullptr;
  std::vector<TensorView> inputs;  // one per node input (absent ones too)
  std::vector<TensorView> outputs;

  const TensorView& input(int i) const { return inputs[i]; }
  const TensorView& output(int i) const { return outputs[i]; }
  int num_inputs() const { return static_cast<int>(inputs.size()); }
  int num_outputs() const { return static_cast<int>(outputs.size()); }
  template <typename P>
  const P& params() const {
    return std::get<P>(node->params);
  }
  template <typename P>
  const P* params_if() const {
    return std::get_if<P>(&node->params);
  }

  // "node N (OP): <message>" with an InvalidModel / Unimplemented code.
  template <typename... Args>
  Status Error(fmt::format_string<Args...> f, Args&&... args) const {
    return InvalidModel("{}: {}", graph->NodeLabel(node_index),
                        fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  Status Unsupported(fmt::format_string<Args...> f, Args&&... args) const {
    return Unimplemented("{}: {}", graph->NodeLabel(node_index),
                         fmt::format(f, std::forward<Args>(args)...));
  }
  // Standard message for a dtype the kernel does not handle.
  Status UnsupportedDType(DType dtype) const {
    return Unsupported("dtype {} is not supported", DTypeName(dtype));
  }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual Status Prepare(const KernelContext& ctx) { return Status::Ok(); }
  virtual Status Invoke(const KernelContext& ctx) = 0;
};

using KernelFactory = std::function<std::unique_ptr<OpKernel>()>;

// Maps builtin op codes and custom op names to kernel factories and (for
// custom ops) shape functions. Registration is plain code: see
// backends/ref/ref_registry.cc.
class KernelRegistry {
 public:
  void Register(ir::OpCode op, KernelFactory factory) {
    builtins_[op] = std::move(factory);
  }
  void RegisterCustom(const std::string& name, ir::ShapeFn shape_fn,
                      KernelFactory factory) {
    customs_[name] = Custom{shape_fn, std::move(factory)};
  }

  // Kernel for a node, or nullptr when none is registered.
  std::unique_ptr<OpKernel> Create(const ir::Node& node) const;
  bool Supports(const ir::Node& node) const;
  ir::ShapeFn FindCustomShapeFn(const std::string& name) const;

 private:
  struct Custom {
    ir::ShapeFn shape_fn = nullptr;
    KernelFactory factory;
  };
  std::unordered_map<ir::OpCode, KernelFactory> builtins_;
  std::unordered_map<std::string, Custom> customs_;
};

// Helper for registration: MakeFactory<Conv2DKernel>().
template <typename K>
KernelFactory MakeFactory() {
  return [] { return std::make_unique<K>(); };
}

}  // namespace mai::backends

#endif  // MAI_BACKENDS_KERNEL_H_

#include "mai/session.h"

#include <pthreadpool.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "backends/backends.h"
#include "backends/kernel.h"
#include "backends/ref/ref_registry.h"
#include "ir/passes/fold_pad.h"
#include "ir/passes/fuse_activation.h"
#include "ir/shape_inference.h"
#include "planner/lifetimes.h"
#include "planner/memory_planner.h"
#include "runtime/constant_folding.h"
#include "tflite/model_reader.h"

namespace mai {
namespace {

struct AlignedDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

struct ThreadpoolDeleter {
  void operator()(pthreadpool* p) const { pthreadpool_destroy(p); }
};

}  // namespace

class Session::Impl {
 public:
  ir::Model model;
  SessionOptions options;
  const backends::KernelRegistry* backend = nullptr;   // primary
  const backends::KernelRegistry* fallback = nullptr;  // ref, when allowed
  std::string backend_name;
  std::unique_ptr<pthreadpool, ThreadpoolDeleter> threadpool;
  std::vector<Session::Fallback> fallbacks;
  std::vector<std::string> node_backends;  // per node

  ir::Graph graph;                     // prepared copy of the main graph
  std::vector<Shape> input_overrides;  // per graph input; empty = file shape
  bool prepared = false;

  std::vector<int> live_nodes;
  std::vector<std::unique_ptr<backends::OpKernel>> kernels;  // per live node
  std::vector<backends::KernelContext> contexts;             // per live node
  std::unique_ptr<uint8_t, AlignedDeleter> arena;
  size_t arena_bytes = 0;
  size_t arena_lower_bound = 0;
  int concats_in_place = 0;
  int reshapes_removed = 0;
  std::vector<uint8_t*> tensor_data;  // per tensor: arena slot / constant
  size_t folded_bytes = 0;
  size_t constant_bytes = 0;  // model constants read in place by live nodes
  int fused_activations = 0;
  int folded_pads = 0;

  ir::ShapeFn CustomShapeFn(const std::string& name) const {
    if (options.custom_ops) {
      if (ir::ShapeFn fn = options.custom_ops->FindCustomShapeFn(name))
        return fn;
    }
    if (ir::ShapeFn fn = backend->FindCustomShapeFn(name)) return fn;
    return backends::ref::RefKernelRegistry().FindCustomShapeFn(name);
  }

  std::unique_ptr<backends::OpKernel> CreateKernel(const ir::Node& node) const {
    if (options.custom_ops) {
      if (auto k = options.custom_ops->Create(node)) return k;
    }
    return backend->Create(node);
  }

  // Prepares live node k's kernel; on a primary kernel that declines the
  // node (Unimplemented), switches to the fallback kernel when allowed.
  Status PrepareKernel(size_t k);

  Status Prepare();
  Status Invoke();
};

Status Session::Impl::Prepare() {
  prepared = false;
  graph = model.main_graph();
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    if (!input_overrides[i].empty())
      graph.tensors[graph.inputs[i]].shape = input_overrides[i];
  }
  auto custom_lookup = [this](const std::string& name) {
    return CustomShapeFn(name);
  };

  // Shape inference and constant folding, node by node.
  live_nodes.clear();
  const backends::KernelRegistry& ref = backends::ref::RefKernelRegistry();
  for (int n = 0; n < static_cast<int>(graph.nodes.size()); ++n) {
    MAI_RETURN_IF_ERROR(ir::InferNodeShapes(graph, n, custom_lookup));
    if (runtime::CanFold(graph, n, ref)) {
      MAI_RETURN_IF_ERROR(
          runtime::FoldNode(graph, n, ref).WithContext("constant folding"));
      continue;
    }
    live_nodes.push_back(n);
  }

  // Graph passes.
  const std::vector<int> before_passes = live_nodes;
  fused_activations = 0;
  folded_pads = 0;
  if (options.optimize_graph && !options.keep_all_tensors) {
    fused_activations = ir::FuseActivations(graph, live_nodes);
    folded_pads = ir::FoldPads(graph, live_nodes);
  }

  // Lifetimes and in-place layout, before kernels: nodes the layout makes
  // no-ops (concatenations written in place by their producers, reshapes of
  // a buffer onto itself) leave live_nodes and get no kernel. Lifetime steps
  // keep counting the removed nodes, which only orders them.
  const bool in_place_layout =
      options.optimize_graph && !options.keep_all_tensors;
  MAI_ASSIGN_OR_RETURN(
      planner::TensorLifetimes lifetimes,
      planner::ComputeLifetimes(graph, live_nodes, !options.keep_all_tensors,
                                in_place_layout));
  std::vector<int> in_place_nodes;
  concats_in_place = 0;
  reshapes_removed = 0;
  if (in_place_layout) {
    concats_in_place = static_cast<int>(lifetimes.concats_in_place.size());
    reshapes_removed = static_cast<int>(lifetimes.noop_reshapes.size());
    in_place_nodes = lifetimes.concats_in_place;
    in_place_nodes.insert(in_place_nodes.end(), lifetimes.noop_reshapes.begin(),
                          lifetimes.noop_reshapes.end());
    std::sort(in_place_nodes.begin(), in_place_nodes.end());
    std::erase_if(live_nodes, [&](int n) {
      return std::binary_search(in_place_nodes.begin(), in_place_nodes.end(),
                                n);
    });
  }

  // Constants the live nodes read, in place from the model or folded.
  constant_bytes = 0;
  folded_bytes = 0;
  std::vector<bool> counted(graph.tensors.size(), false);
  for (int n : live_nodes) {
    for (int t : graph.nodes[n].inputs) {
      if (t < 0 || counted[t] || !graph.tensors[t].is_constant()) continue;
      counted[t] = true;
      (graph.tensors[t].owned_data ? folded_bytes : constant_bytes) +=
          graph.tensors[t].data_bytes;
    }
  }

  // Kernels: the primary backend's, else the fallback's.
  kernels.clear();
  fallbacks.clear();
  node_backends.assign(graph.nodes.size(), "folded");
  for (int n : live_nodes) {
    auto kernel = CreateKernel(graph.nodes[n]);
    node_backends[n] = backend_name;
    if (!kernel && fallback) {
      kernel = fallback->Create(graph.nodes[n]);
      node_backends[n] = "ref";
      fallbacks.push_back(
          {n, graph.nodes[n].OpName(),
           fmt::format("no {} kernel for this op", backend_name)});
    }
    if (!kernel) {
      return Unimplemented("{}: op is not supported by backend '{}'",
                           graph.NodeLabel(n), options.backend);
    }
    kernels.push_back(std::move(kernel));
  }

  for (int n : before_passes) {
    if (node_backends[n] == "folded") node_backends[n] = "fused";
  }
  for (int n : in_place_nodes) node_backends[n] = "in place";

  // Memory plan.
  MAI_ASSIGN_OR_RETURN(arena_lower_bound,
                       planner::ArenaLowerBound(lifetimes.records));
  planner::MemoryPlan plan;
  if (options.keep_all_tensors) {
    MAI_ASSIGN_OR_RETURN(plan,
                         planner::KeepAllPlanner().Plan(lifetimes.records));
  } else {
    MAI_ASSIGN_OR_RETURN(
        plan, planner::SmallestOfPlanner().Plan(lifetimes.records));
  }
  if (plan.arena_bytes > options.max_arena_bytes) {
    return OutOfRange("activations need {} bytes, more than the {} byte limit",
                      plan.arena_bytes, options.max_arena_bytes);
  }
  arena_bytes = plan.arena_bytes;
  // One extra alignment unit past the end: SIMD kernels (XNNPACK reads up
  // to XNN_EXTRA_BYTES = 16) may over-read the last tensor's tail.
  arena.reset(static_cast<uint8_t*>(std::aligned_alloc(
      planner::kArenaAlignment, arena_bytes + planner::kArenaAlignment)));
  if (!arena)
    return OutOfRange("cannot allocate an arena of {} bytes", arena_bytes);

  tensor_data.assign(graph.tensors.size(), nullptr);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const ir::Tensor& tensor = graph.tensors[t];
    if (tensor.is_constant()) {
      tensor_data[t] = const_cast<uint8_t*>(tensor.data);
    } else if (lifetimes.record_of_tensor[t] >= 0) {
      tensor_data[t] = arena.get() +
                       plan.offsets[lifetimes.record_of_tensor[t]] +
                       lifetimes.offset_in_record[t];
    }
  }

  // Kernel contexts and prepare.
  contexts.clear();
  contexts.resize(live_nodes.size());
  for (size_t k = 0; k < live_nodes.size(); ++k) {
    int n = live_nodes[k];
    const ir::Node& node = graph.nodes[n];
    backends::KernelContext& ctx = contexts[k];
    ctx.graph = &graph;
    ctx.node = &node;
    ctx.node_index = n;
    ctx.num_threads = options.num_threads;
    ctx.threadpool = threadpool.get();
    auto view = [&](int t) {
      backends::TensorView v;
      if (t < 0) return v;
      const ir::Tensor& tensor = graph.tensors[t];
      v.tensor = &tensor;
      v.data = tensor_data[t];
      v.bytes = tensor.is_constant() ? tensor.data_bytes : tensor.byte_size();
      return v;
    };
    for (int t : node.inputs) ctx.inputs.push_back(view(t));
    for (int t : node.outputs) ctx.outputs.push_back(view(t));
    MAI_RETURN_IF_ERROR(PrepareKernel(k));
  }
  prepared = true;
  return Status::Ok();
}

Status Session::Impl::PrepareKernel(size_t k) {
  const backends::KernelContext& ctx = contexts[k];
  Status status = kernels[k]->Prepare(ctx);
  if (status.ok() || status.code() != StatusCode::kUnimplemented ||
      fallback == nullptr || node_backends[ctx.node_index] == "ref") {
    return status;
  }
  auto kernel = fallback->Create(*ctx.node);
  if (!kernel) return status;
  fallbacks.push_back({ctx.node_index, ctx.node->OpName(), status.message()});
  node_backends[ctx.node_index] = "ref";
  kernels[k] = std::move(kernel);
  return kernels[k]->Prepare(ctx);
}

Status Session::Impl::Invoke() {
  if (!prepared) MAI_RETURN_IF_ERROR(Prepare());
  Profiler* profiler = options.profiler;
  for (size_t k = 0; k < live_nodes.size(); ++k) {
    const backends::KernelContext& ctx = contexts[k];
    if (profiler) profiler->BeginNode(ctx.node_index, *ctx.node);
    Status status = kernels[k]->Invoke(ctx);
    if (profiler) profiler->EndNode(ctx.node_index, *ctx.node);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::FromModel(
    ir::Model model, const SessionOptions& options) {
  if (model.subgraphs.empty()) return InvalidModel("model has no subgraph");
  auto impl = std::make_unique<Impl>();
  impl->backend_name = options.backend == "auto" ? "xnnpack" : options.backend;
  impl->backend = backends::FindBackend(impl->backend_name);
  if (impl->backend == nullptr) {
    return InvalidArgument(
        "unknown backend '{}' (available: auto, xnnpack, ref)",
        options.backend);
  }
  if (impl->backend_name != "ref" &&
      (options.allow_fallback || options.backend == "auto")) {
    impl->fallback = &backends::ref::RefKernelRegistry();
  }
  if (options.num_threads < 1 || options.num_threads > 1024) {
    return InvalidArgument("num_threads must be in [1, 1024], got {}",
                           options.num_threads);
  }
  if (options.num_threads > 1) {
    impl->threadpool.reset(
        pthreadpool_create(static_cast<size_t>(options.num_threads)));
    if (!impl->threadpool) {
      return Internal("cannot create a pool of {} threads",
                      options.num_threads);
    }
  }
  impl->options = options;
  impl->model = std::move(model);
  impl->graph = impl->model.main_graph();
  impl->input_overrides.assign(impl->graph.inputs.size(), Shape{});
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Result<std::unique_ptr<Session>> Session::LoadFile(
    const std::string& path, const SessionOptions& options) {
  MAI_ASSIGN_OR_RETURN(ir::Model model, tflite::ReadModelFile(path));
  return FromModel(std::move(model), options);
}

Result<std::unique_ptr<Session>> Session::LoadBytes(
    std::vector<uint8_t> bytes, const SessionOptions& options) {
  MAI_ASSIGN_OR_RETURN(ir::Model model,
                       tflite::ReadModelBytes(std::move(bytes)));
  return FromModel(std::move(model), options);
}

static TensorInfo MakeInfo(const ir::Graph& g, int t) {
  const ir::Tensor& tensor = g.tensors[t];
  TensorInfo info;
  info.tensor_index = t;
  info.name = tensor.name;
  info.dtype = tensor.dtype;
  info.shape = tensor.shape;
  info.shape_signature = tensor.shape_signature;
  info.quant = tensor.quant;
  info.bytes = tensor.byte_size();
  return info;
}

std::vector<TensorInfo> Session::inputs() const {
  std::vector<TensorInfo> v;
  for (int t : impl_->graph.inputs) v.push_back(MakeInfo(impl_->graph, t));
  return v;
}

std::vector<TensorInfo> Session::outputs() const {
  std::vector<TensorInfo> v;
  for (int t : impl_->graph.outputs) v.push_back(MakeInfo(impl_->graph, t));
  return v;
}

int Session::num_inputs() const {
  return static_cast<int>(impl_->graph.inputs.size());
}
int Session::num_outputs() const {
  return static_cast<int>(impl_->graph.outputs.size());
}

Status Session::ResizeInput(int i, const Shape& shape) {
  if (i < 0 || i >= num_inputs()) {
    return InvalidArgument("input index {} out of range (model has {} inputs)",
                           i, num_inputs());
  }
  const ir::Tensor& tensor =
      impl_->model.main_graph().tensors[impl_->model.main_graph().inputs[i]];
  if (shape.size() != tensor.shape.size()) {
    return InvalidArgument("input {} '{}' has rank {}, cannot resize to {}", i,
                           tensor.name, tensor.shape.size(),
                           ShapeToString(shape));
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 1) {
      return InvalidArgument("input {} '{}': dimension {} must be >= 1 in {}",
                             i, tensor.name, d, ShapeToString(shape));
    }
    if (!tensor.shape_signature.empty() && tensor.shape_signature[d] != -1 &&
        tensor.shape_signature[d] != shape[d]) {
      return InvalidArgument(
          "input {} '{}': dimension {} is fixed to {} by the model's shape "
          "signature {}",
          i, tensor.name, d, tensor.shape_signature[d],
          ShapeToString(tensor.shape_signature));
    }
  }
  MAI_RETURN_IF_ERROR(NumElements(shape).status());
  impl_->input_overrides[i] = shape;
  impl_->prepared = false;
  impl_->graph.tensors[impl_->graph.inputs[i]].shape = shape;
  return Status::Ok();
}

Status Session::Prepare() { return impl_->Prepare(); }
Status Session::Invoke() { return impl_->Invoke(); }

std::span<uint8_t> Session::input_data(int i) {
  if (!impl_->prepared || i < 0 || i >= num_inputs()) return {};
  int t = impl_->graph.inputs[i];
  if (!impl_->tensor_data[t]) return {};
  const ir::Tensor& tensor = impl_->graph.tensors[t];
  return {impl_->tensor_data[t], tensor.byte_size()};
}

std::span<const uint8_t> Session::output_data(int i) const {
  if (i < 0 || i >= num_outputs()) return {};
  return tensor_data(impl_->graph.outputs[i]);
}

std::span<const uint8_t> Session::tensor_data(int t) const {
  if (!impl_->prepared || t < 0 ||
      t >= static_cast<int>(impl_->graph.tensors.size()))
    return {};
  if (!impl_->tensor_data[t]) return {};
  const ir::Tensor& tensor = impl_->graph.tensors[t];
  if (tensor.is_constant()) return {tensor.data, tensor.data_bytes};
  return {impl_->tensor_data[t], tensor.byte_size()};
}

Status Session::SetInput(int i, std::span<const uint8_t> bytes) {
  if (!impl_->prepared) MAI_RETURN_IF_ERROR(Prepare());
  if (i < 0 || i >= num_inputs()) {
    return InvalidArgument("input index {} out of range (model has {} inputs)",
                           i, num_inputs());
  }
  std::span<uint8_t> dst = input_data(i);
  if (dst.size() != bytes.size()) {
    const ir::Tensor& tensor = impl_->graph.tensors[impl_->graph.inputs[i]];
    return InvalidArgument("input {} '{}' needs {} bytes ({} {}), got {}", i,
                           tensor.name, dst.size(), DTypeName(tensor.dtype),
                           ShapeToString(tensor.shape), bytes.size());
  }
  if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
  return Status::Ok();
}

const ir::Graph& Session::graph() const { return impl_->graph; }
const ir::Model& Session::model() const { return impl_->model; }

MemoryStats Session::memory() const {
  MemoryStats m;
  m.arena_bytes = impl_->arena_bytes;
  m.arena_lower_bound_bytes = impl_->arena_lower_bound;
  m.folded_bytes = impl_->folded_bytes;
  m.constant_bytes = impl_->constant_bytes;
  m.concats_in_place = impl_->concats_in_place;
  m.reshapes_removed = impl_->reshapes_removed;
  m.fused_activations = impl_->fused_activations;
  m.folded_pads = impl_->folded_pads;
  if (impl_->model.storage) m.model_file_bytes = impl_->model.storage->size();
  return m;
}

void Session::set_profiler(Profiler* profiler) {
  impl_->options.profiler = profiler;
}

const std::vector<Session::Fallback>& Session::fallbacks() const {
  return impl_->fallbacks;
}

std::string Session::node_backend(int node_index) const {
  if (node_index < 0 ||
      node_index >= static_cast<int>(impl_->node_backends.size())) {
    return "";
  }
  return impl_->node_backends[node_index];
}

}  // namespace mai

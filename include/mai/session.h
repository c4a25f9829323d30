// mai::Session — load a .tflite model, prepare it for one backend, run it.
//
//   mai::SessionOptions options;            // backend "ref", 1 thread
//   auto session = mai::Session::LoadFile("model.tflite", options);
//   if (!session.ok()) { ...session.status().message()... }
//   Session& s = **session;
//   s.ResizeInput(0, {1, 256, 256, 3});     // optional, before Prepare
//   MAI_RETURN_IF_ERROR(s.Prepare());       // shapes, folding, plan, kernels
//   std::memcpy(s.input_data(0).data(), pixels, s.input_data(0).size());
//   MAI_RETURN_IF_ERROR(s.Invoke());
//   std::span<const float> y = s.output<float>(0);
//
// Ownership: the Session owns the model (and its memory-mapped file), the
// arena and the kernels. Spans returned by input_data/output_data stay valid
// until the next ResizeInput/Prepare. A Session is not thread-safe; use one
// per thread.
#ifndef MAI_SESSION_H_
#define MAI_SESSION_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mai {

namespace backends {
class KernelRegistry;
}

// Called by the executor around every node's Invoke (not from kernels).
class Profiler {
 public:
  virtual ~Profiler() = default;
  virtual void BeginNode(int node_index, const ir::Node& node) = 0;
  virtual void EndNode(int node_index, const ir::Node& node) = 0;
};

struct SessionOptions {
  // "ref": the reference kernels only. "xnnpack": the fast CPU backend.
  // "auto": xnnpack, falling back per node to ref for what it cannot run.
  std::string backend = "ref";
  // With backend "xnnpack": false makes Prepare fail on the first node the
  // backend cannot run instead of falling back to ref (the test mode).
  bool allow_fallback = true;
  int num_threads = 1;
  // Debug: give every tensor its own arena slot (no reuse) so all
  // intermediate values can be read after Invoke.
  bool keep_all_tensors = false;
  // Graph passes at prepare (activation fusion, PAD folding) and the
  // in-place layout (concatenations written by their producers, no-op
  // reshapes not run). Off in keep_all_tensors mode, where every tensor of
  // the file must stay readable.
  bool optimize_graph = true;
  // Extra kernels (custom ops) tried before the backend's own registry.
  const backends::KernelRegistry* custom_ops = nullptr;
  // Prepare fails (instead of allocating) when activations need more.
  size_t max_arena_bytes = size_t{8} << 30;
  Profiler* profiler = nullptr;
};

struct TensorInfo {
  int tensor_index = 0;
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  Shape shape_signature;
  ir::QuantParams quant;
  size_t bytes = 0;
};

// Memory figures of a prepared session.
struct MemoryStats {
  size_t arena_bytes = 0;  // planned activation arena
  // No plan can do with less: the most activation bytes alive at one step.
  size_t arena_lower_bound_bytes = 0;
  size_t constant_bytes = 0;  // model constants the kernels read in place
  size_t folded_bytes = 0;    // constants produced by prepare-time folding
                              // (e.g. fp16 or sparse weights made dense fp32)
  size_t model_file_bytes = 0;
  int fused_activations = 0;  // activation nodes fused into their producer
  int folded_pads = 0;        // PAD nodes folded into the next conv/pool
  int concats_in_place = 0;   // concatenations whose producers write the
                              // output directly (the node no longer runs)
  int reshapes_removed = 0;   // reshape-like nodes left with nothing to do
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> LoadFile(
      const std::string& path, const SessionOptions& options = {});
  static Result<std::unique_ptr<Session>> LoadBytes(
      std::vector<uint8_t> bytes, const SessionOptions& options = {});
  static Result<std::unique_ptr<Session>> FromModel(
      ir::Model model, const SessionOptions& options = {});
  ~Session();

  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  int num_inputs() const;
  int num_outputs() const;

  // Changes input i's shape (as TFLite's ResizeInputTensor); takes effect at
  // the next Prepare. Error when the dims the signature fixes differ.
  Status ResizeInput(int i, const Shape& shape);

  // Shape inference, constant folding, memory plan, kernel prepare. Invoke
  // calls it when needed.
  Status Prepare();

  // Input/output bytes in the arena (valid after Prepare).
  std::span<uint8_t> input_data(int i);
  std::span<const uint8_t> output_data(int i) const;
  Status SetInput(int i, std::span<const uint8_t> bytes);
  template <typename T>
  std::span<const T> output(int i) const {
    auto b = output_data(i);
    return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
  }

  Status Invoke();

  // The prepared main graph (shapes after inference and folding).
  const ir::Graph& graph() const;
  const ir::Model& model() const;
  MemoryStats memory() const;
  // Bytes of any tensor after Invoke; empty unless the tensor lives (in
  // keep_all_tensors mode every tensor does).
  std::span<const uint8_t> tensor_data(int tensor_index) const;

  void set_profiler(Profiler* profiler);

  // Nodes that run on the reference backend although another backend was
  // asked for, with the reason the primary backend gave (after Prepare).
  struct Fallback {
    int node_index = 0;
    std::string op;
    std::string reason;
  };
  const std::vector<Fallback>& fallbacks() const;
  // The backend each live node runs on ("ref", "xnnpack"), by node index;
  // "folded" for nodes evaluated at prepare time; "fused" for nodes a graph
  // pass merged into a neighbour (activation fusion, PAD folding); "in place"
  // for nodes the memory layout made no-ops (see MemoryStats).
  std::string node_backend(int node_index) const;

  class Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Fills `bytes` (a tensor of `dtype`) with the deterministic lcg-nr32-v1
// sequence for input `input_index` (see docs/inputs.md).
void FillDeterministic(DType dtype, uint32_t seed, int input_index,
                       std::span<uint8_t> bytes);

}  // namespace mai

#endif  // MAI_SESSION_H_

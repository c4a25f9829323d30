// Builds lifetime records for a graph's activation tensors, for a
// MemoryPlanner. Steps are node positions in execution order; graph inputs
// are alive from step 0, graph outputs until the last step.
//
// In-place reuse (tensors that share a record, each at a byte offset in it):
//
// - Reshape aliasing: the output of a reshape-like node (RESHAPE, SQUEEZE,
//   EXPAND_DIMS) shares its input's buffer when the input is an activation
//   that dies at that node and neither tensor is a graph input or output.
//   Such a node has nothing to do at run time (listed in `noop_reshapes`,
//   except a RESHAPE whose shape is computed at run time: its kernel checks
//   the values).
// - Concatenation in place (`concat_in_place`): when a CONCATENATION's
//   output is laid out as its inputs back to back (every output dim before
//   the axis is 1) and every input qualifies, each input's buffer (with its
//   whole reshape-alias group) is placed at its offset inside the output's
//   buffer, so the producers write the concatenated result directly. An
//   input qualifies when it is an activation produced by an earlier live
//   node, read once and only by this concatenation, neither a graph input
//   nor output nor a variable, of the output's dtype (float32, or int8/uint8
//   with identical quantization), not already placed inside another
//   concatenation, and the node has no fused activation. The concatenation
//   then has nothing to do (listed in `concats_in_place`); the caller must
//   not run it (its kernel would copy each input onto itself). One merged
//   record covers the producers of the inputs through the last reader of the
//   output. Concatenations with some inputs that do not qualify are left
//   as they are.
#ifndef MAI_PLANNER_LIFETIMES_H_
#define MAI_PLANNER_LIFETIMES_H_

#include <cstddef>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "planner/memory_planner.h"

namespace mai::planner {

struct TensorLifetimes {
  std::vector<LifetimeRecord> records;
  // Per graph tensor: index into `records`, or -1 for tensors that need no
  // arena space (constants, unused tensors).
  std::vector<int> record_of_tensor;
  // Per graph tensor: where its bytes start inside its record (0 unless it
  // was placed inside a concatenation's output).
  std::vector<size_t> offset_in_record;
  int num_aliased = 0;  // tensors that share a buffer with their input
  // Node indices (ascending) whose work the layout already does.
  std::vector<int> noop_reshapes;
  std::vector<int> concats_in_place;
};

// `live_nodes` are the node indices that run, in order (folded nodes are
// left out). `allow_in_place` enables reshape aliasing (off in the debug
// keep-all mode); `concat_in_place` enables concatenation placement (needs
// `allow_in_place`).
Result<TensorLifetimes> ComputeLifetimes(const ir::Graph& graph,
                                         const std::vector<int>& live_nodes,
                                         bool allow_in_place,
                                         bool concat_in_place = false);

// True for ops whose output bytes equal their input bytes.
bool IsReshapeLike(ir::OpCode op);

}  // namespace mai::planner

#endif  // MAI_PLANNER_LIFETIMES_H_

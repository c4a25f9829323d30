// Builds lifetime records for a graph's activation tensors, for a
// MemoryPlanner. Steps are node positions in execution order; graph inputs
// are alive from step 0, graph outputs until the last step.
//
// In-place reuse: the output of a reshape-like node (RESHAPE, SQUEEZE,
// EXPAND_DIMS) shares its input's buffer when the input is an activation
// that dies at that node and neither tensor is a graph input or output; both
// tensors then map to one record.
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
  int num_aliased = 0;  // tensors that share a buffer with their input
};

// `live_nodes` are the node indices that run, in order (folded nodes are
// left out). `allow_in_place` enables reshape aliasing (off in the debug
// keep-all mode).
Result<TensorLifetimes> ComputeLifetimes(const ir::Graph& graph,
                                         const std::vector<int>& live_nodes,
                                         bool allow_in_place);

// True for ops whose output bytes equal their input bytes.
bool IsReshapeLike(ir::OpCode op);

}  // namespace mai::planner

#endif  // MAI_PLANNER_LIFETIMES_H_

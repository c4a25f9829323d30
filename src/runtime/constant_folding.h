// Prepare-time constant folding: a node whose inputs are all constant runs
// once, with the reference kernels, and its outputs become constants owned
// by the graph. This turns float16 weights + DEQUANTIZE and sparse weights +
// DENSIFY into plain float32 constants (they then cost nothing per run), and
// evaluates shape arithmetic (SHAPE → STRIDED_SLICE → PACK → RESHAPE) so
// shapes are static.
#ifndef MAI_RUNTIME_CONSTANT_FOLDING_H_
#define MAI_RUNTIME_CONSTANT_FOLDING_H_

#include <cstddef>

#include "backends/kernel.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mai::runtime {

// Limit on bytes one folded output may take (larger nodes are left to run).
inline constexpr size_t kMaxFoldedBytes = size_t{256} << 20;

// True when node `node_index` can be folded now: every input is constant or
// absent (or, for SHAPE, has a known shape), no output is a graph output or
// variable, and `registry` has a kernel for it.
bool CanFold(const ir::Graph& graph, int node_index,
             const backends::KernelRegistry& registry);

// Runs the node with `registry`'s kernel and stores its outputs as owned
// constants in `graph`. Shapes must have been inferred.
Status FoldNode(ir::Graph& graph, int node_index,
                const backends::KernelRegistry& registry);

}  // namespace mai::runtime

#endif  // MAI_RUNTIME_CONSTANT_FOLDING_H_

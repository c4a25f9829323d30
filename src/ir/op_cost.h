// Static cost of a node: multiply-accumulates of the ops that do matrix work
// (convolutions, fully connected, batch matmul), computed from the tensor
// shapes in the graph. Other ops count 0 MACs.
#ifndef MAI_IR_OP_COST_H_
#define MAI_IR_OP_COST_H_

#include <cstdint>

#include "ir/graph.h"

namespace mai::ir {

// MACs of one node; 0 when shapes are missing or the op does no MACs.
int64_t NodeMacs(const Graph& graph, int node_index);

}  // namespace mai::ir

#endif  // MAI_IR_OP_COST_H_

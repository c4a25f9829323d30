// Graph pass: fuses a standalone RELU / RELU6 / RELU_N1_TO_1 into the op that
// produces its input, when that op has a fused-activation field (CONV_2D,
// DEPTHWISE_CONV_2D, TRANSPOSE_CONV, FULLY_CONNECTED, pools, ADD/SUB/MUL/DIV,
// CONCATENATION, L2_NORMALIZATION) still set to NONE.
//
// Preconditions for each fusion (else the pair is left alone): the
// intermediate tensor has no other reader and is not a graph output; the
// activation's input and output have the same dtype, and the same
// quantization when quantized. The producer then writes the activation's
// output tensor directly, and the activation node is dropped from
// `live_nodes`. Results are identical: max(0, x) clamps the same way fused
// or not, in float and in the quantized domain.
#ifndef MAI_IR_PASSES_FUSE_ACTIVATION_H_
#define MAI_IR_PASSES_FUSE_ACTIVATION_H_

#include <vector>

#include "ir/graph.h"

namespace mai::ir {

// Returns the number of activations fused. `live_nodes` lists the nodes that
// run, in order; fused activation nodes are removed from it.
int FuseActivations(Graph& graph, std::vector<int>& live_nodes);

}  // namespace mai::ir

#endif  // MAI_IR_PASSES_FUSE_ACTIVATION_H_

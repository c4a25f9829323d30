// Graph pass: folds a PAD (or PADV2 with a zero pad value) into the
// convolution or max pooling that reads its output, which then reads the
// unpadded tensor with explicit padding (Padding::kExplicit) instead of a
// padded copy of the activation.
//
// A PAD node P (input x, output y) is folded into its consumer C when:
//   - P's paddings are constant, pad only H and W of a rank-4 NHWC tensor
//     (batch and channel paddings 0), and are all >= 0;
//   - the pad value is the real value 0: PAD, PADV2 without value, or PADV2
//     whose constant value is 0.0 (float32) / equals the zero point
//     (quantized);
//   - y has exactly one reader, C, reading it once as input 0, and y is not
//     a graph output;
//   - x and y have the same dtype, float32 or int8/uint8, and when quantized
//     the same per-tensor scale and zero point (a quantized convolution pads
//     with its input zero point, the value PAD fills in);
//   - C is CONV_2D or DEPTHWISE_CONV_2D (any padding mode), or MAX_POOL_2D
//     when the fold is provably exact: x is known to be >= 0 (its producer
//     is a RELU/RELU6 node or has a fused RELU/RELU6; in the quantized domain
//     that is x >= zero point) and every pooling window still holds at least
//     one element of x. Then the zeros PAD adds never win a max, and leaving
//     them out of the window (pool padding semantics) changes nothing.
//   AVERAGE_POOL_2D and L2_POOL_2D are never folded: their padding leaves
//   padded cells out of the average, while PAD's zeros count in it.
// C's new explicit padding is P's padding plus the padding C's own mode gives
// on the padded size, so C's output shape is unchanged; the pass checks this
// and skips the pair otherwise.
//
// After a fold, C reads x and P is removed from `live_nodes`. Results are
// identical: padded taps contribute 0 (float) or (zero_point - zero_point) *
// w = 0 (quantized) to a convolution either way.
//
// Preconditions: shapes are inferred (the pass reads static shapes, so it
// runs again after an input resize) and, for the max-pooling rule to see
// fused activations, FuseActivations has run.
#ifndef MAI_IR_PASSES_FOLD_PAD_H_
#define MAI_IR_PASSES_FOLD_PAD_H_

#include <vector>

#include "ir/graph.h"

namespace mai::ir {

// Returns the number of PAD/PADV2 nodes folded. `live_nodes` lists the nodes
// that run, in order; folded PAD nodes are removed from it.
int FoldPads(Graph& graph, std::vector<int>& live_nodes);

}  // namespace mai::ir

#endif  // MAI_IR_PASSES_FOLD_PAD_H_

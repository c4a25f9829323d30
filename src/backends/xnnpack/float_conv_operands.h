// The operands of a float32 convolution-like node (convolution, depthwise
// convolution, transposed convolution) as mai's own convolution kernels take
// them: all float32, weights and bias constants.
#ifndef MAI_BACKENDS_XNNPACK_FLOAT_CONV_OPERANDS_H_
#define MAI_BACKENDS_XNNPACK_FLOAT_CONV_OPERANDS_H_

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

struct FloatConvOperands {
  const TensorView* input = nullptr;
  const TensorView* weights = nullptr;
  const TensorView* bias = nullptr;  // null when the node has none
  const TensorView* output = nullptr;
};

// Inputs at the given positions (bias optional: absent or past the end).
// Error when the node has fewer than `min_inputs` inputs or not one output;
// Unimplemented (the next kernel gets the node) when a tensor is not
// float32 or the weights or bias are computed at run time. `kernel` names
// the kernel in that message.
Result<FloatConvOperands> GetFloatConvOperands(const KernelContext& ctx,
                                               int input_index,
                                               int weights_index,
                                               int bias_index, int min_inputs,
                                               const char* kernel);

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_FLOAT_CONV_OPERANDS_H_

// int8/uint8 elementwise activations as a 256-entry lookup table, for the
// ops XNNPACK has no quantized operator for (HARD_SWISH, LEAKY_RELU on
// int8, GELU). The table is the reference kernel's (ref::BuildActivationTable,
// TFLite's builtin arithmetic), so outputs are bit-identical to the
// reference backend; the lookups are split over the session's threads.
// Declines (Unimplemented) float tensors and other ops.
#ifndef MAI_BACKENDS_XNNPACK_TABLE_UNARY_H_
#define MAI_BACKENDS_XNNPACK_TABLE_UNARY_H_

#include <memory>

#include "backends/kernel.h"
#include "ir/op_code.h"

namespace mai::backends::xnnpack {

std::unique_ptr<OpKernel> CreateTableUnaryKernel(ir::OpCode op);

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_TABLE_UNARY_H_

// mai's own fast kernels of the xnnpack backend: the data-movement and
// reduction ops that XNNPACK's operator API (2022-02) lacks, written as
// plain C++ that the compiler vectorizes, parallel on the session's thread
// pool for large tensors. fast_registry.cc registers them.
//
// Each kernel gives the reference kernel's result: byte for byte for the
// data-movement ops and the quantized paths, and within float rounding for
// the float reductions (MEAN/SUM accumulate in float, not double). Prepare
// computes offsets, strides and index tables; Invoke does not allocate.
// Cases a kernel does not cover are declined at Prepare with Unimplemented,
// so the session runs the reference kernel for that node.
//
//   CONCATENATION  any 1/2/4/8-byte dtype; int8/uint8/int16 inputs whose
//                  quantization differs from the output's are requantized
//                  as the reference does; fused activations on float32 and
//                  quantized outputs.
//   PACK, UNPACK, SPLIT, SPLIT_V  any 1/2/4/8-byte dtype.
//   SLICE, STRIDED_SLICE, TRANSPOSE, TILE  any 1/2/4/8-byte dtype; one
//                  strided copy (fast_util.h StridedCopyPlan).
//   GATHER         any 1/2/4/8-byte dtype, int16/int32/int64 indices (an
//                  index out of range is OutOfRange at Invoke, as ref).
//   RESIZE_NEAREST_NEIGHBOR  NHWC, any 1/2/4/8-byte dtype.
//   MIRROR_PAD     any 1/2/4/8-byte dtype, REFLECT and SYMMETRIC.
//   MEAN, SUM, REDUCE_MAX, REDUCE_MIN  float32, and int8/uint8 (MEAN/SUM
//                  with the reference's requantization; MAX/MIN with equal
//                  input and output quantization), over axes that form one
//                  contiguous block once size-1 dims are ignored (e.g. the
//                  spatial axes [1, 2] of NHWC, or the last axis). Other axis
//                  sets and integer dtypes are declined.
#ifndef MAI_BACKENDS_XNNPACK_FAST_KERNELS_H_
#define MAI_BACKENDS_XNNPACK_FAST_KERNELS_H_

#include <memory>

#include "backends/kernel.h"
#include "ir/op_code.h"

namespace mai::backends::xnnpack {

std::unique_ptr<OpKernel> NewFastConcatenationKernel();  // fast_concat.cc
std::unique_ptr<OpKernel> NewFastPackKernel();           // fast_concat.cc
std::unique_ptr<OpKernel> NewFastSplitKernel();          // fast_split.cc
std::unique_ptr<OpKernel> NewFastSplitVKernel();         // fast_split.cc
std::unique_ptr<OpKernel> NewFastUnpackKernel();         // fast_split.cc
std::unique_ptr<OpKernel> NewFastSliceKernel();          // fast_slice.cc
std::unique_ptr<OpKernel> NewFastStridedSliceKernel();   // fast_slice.cc
std::unique_ptr<OpKernel> NewFastTransposeKernel();      // fast_transpose.cc
std::unique_ptr<OpKernel> NewFastTileKernel();           // fast_transpose.cc
std::unique_ptr<OpKernel> NewFastGatherKernel();         // fast_gather.cc
std::unique_ptr<OpKernel>
NewFastResizeNearestKernel();                        // fast_resize_nearest.cc
std::unique_ptr<OpKernel> NewFastMirrorPadKernel();  // fast_mirror_pad.cc
// DEPTH_TO_SPACE for 1/2/4/8-byte types (fast_depth_to_space.cc).
std::unique_ptr<OpKernel> NewFastDepthToSpaceKernel();
// `op` is kMean, kSum, kReduceMax or kReduceMin (fast_reduce.cc).
std::unique_ptr<OpKernel> NewFastReduceKernel(ir::OpCode op);

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_FAST_KERNELS_H_

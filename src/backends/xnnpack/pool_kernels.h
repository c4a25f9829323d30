// XNNPACK kernels of the pooling / data-movement family: 2-D pooling,
// softmax, bilinear resize, depth-to-space, constant padding and the
// reshape-like copies. Each factory returns a fresh kernel for one node;
// registration is in pool_registry.cc.
//
// What runs on XNNPACK (anything else returns Unimplemented from Prepare, so
// the session falls back to the reference kernel):
//   - MAX_POOL_2D: float32, int8, uint8, SAME/VALID (TFLite's padding made
//     explicit), fused RELU/RELU6/RELU_N1_TO_1; windows of at least 2
//     elements.
//   - AVERAGE_POOL_2D: float32 (XNNPACK divides by the number of elements
//     inside the input, as TFLite); uint8 only when no padding is needed
//     and input and output share quantization (XNNPACK's quantized average
//     counts padded elements); windows of at least 2 elements.
//   - SOFTMAX: float32 with beta == 1; uint8 (beta folded into the input
//     scale) with output scale 1/256 and zero point 0.
//   - RESIZE_BILINEAR: float32, int8, uint8 with align_corners (output
//     height and width > 1), half_pixel_centers, or neither (TensorFlow's
//     legacy coordinates).
//   - DEPTH_TO_SPACE: 4-byte element types (float32, int32), block >= 2.
//   - PAD / PADV2: 1-, 2- and 4-byte element types, up to XNN_MAX_TENSOR_DIMS
//     dims, constant paddings; the pad value is 0 (the output zero point for
//     quantized tensors) or PADV2's constant value.
//   - RESHAPE, SQUEEZE, EXPAND_DIMS: nothing when the planner gave input and
//     output the same buffer, else one memcpy.
#ifndef MAI_BACKENDS_XNNPACK_POOL_KERNELS_H_
#define MAI_BACKENDS_XNNPACK_POOL_KERNELS_H_

#include <memory>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

std::unique_ptr<OpKernel> NewXnnMaxPool2DKernel();       // pool.cc
std::unique_ptr<OpKernel> NewXnnAveragePool2DKernel();   // pool.cc
std::unique_ptr<OpKernel> NewXnnSoftmaxKernel();         // softmax.cc
std::unique_ptr<OpKernel> NewXnnResizeBilinearKernel();  // resize.cc
std::unique_ptr<OpKernel> NewXnnDepthToSpaceKernel();    // depth_to_space.cc
std::unique_ptr<OpKernel> NewXnnPadKernel();             // pad.cc
std::unique_ptr<OpKernel> NewXnnCopyKernel();            // copy.cc

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_POOL_KERNELS_H_

// Reference kernels of the spatial family (pad, resize, depth/space,
// quantize/dequantize, densify). Each factory returns a fresh kernel; the
// family registers them in spatial_registry.cc.
//
// Supported dtypes (all others are Unimplemented at Prepare):
//   PAD, PADV2          any fixed-size dtype; quantized int8/uint8/int16 pad
//                       with the output zero point (PAD) or the constant
//                       value input (PADV2, same scale/zero point required)
//   MIRROR_PAD          any fixed-size dtype; REFLECT and SYMMETRIC
//   RESIZE_BILINEAR     float32, uint8 (TFLite's float path with +0.5
//                       rounding), int8 and int16 (TFLite's 10-bit fixed point)
//   RESIZE_NEAREST_NEIGHBOR  any fixed-size dtype
//   DEPTH_TO_SPACE, SPACE_TO_DEPTH  any fixed-size dtype
//   QUANTIZE            float32 -> int8/uint8/int16 (per-tensor, or
//                       per-channel for int8/int16); int8/uint8 -> int8/uint8
//                       and int16 -> int8/int16 requantization
//   DEQUANTIZE          int8/uint8/int16 (per-tensor or per-channel) and
//                       float16 -> float32
//   DENSIFY             any fixed-size dtype (see densify.h)
#ifndef MAI_BACKENDS_REF_SPATIAL_KERNELS_H_
#define MAI_BACKENDS_REF_SPATIAL_KERNELS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "backends/kernel.h"
#include "core/status.h"

namespace mai::backends::ref {

std::unique_ptr<OpKernel> NewPadKernel();             // PAD and PADV2 (pad.cc)
std::unique_ptr<OpKernel> NewMirrorPadKernel();       // pad_mirror.cc
std::unique_ptr<OpKernel> NewResizeBilinearKernel();  // resize_bilinear.cc
std::unique_ptr<OpKernel>
NewResizeNearestNeighborKernel();                   // resize_nearest.cc
std::unique_ptr<OpKernel> NewDepthToSpaceKernel();  // depth_space.cc
std::unique_ptr<OpKernel> NewSpaceToDepthKernel();  // depth_space.cc
std::unique_ptr<OpKernel> NewQuantizeKernel();      // quantize.cc
std::unique_ptr<OpKernel> NewDequantizeKernel();    // dequantize.cc
std::unique_ptr<OpKernel> NewDensifyKernel();       // densify.cc

// The constant [rank, 2] int32/int64 paddings (input 1) of PAD, PADV2 and
// MIRROR_PAD as {before_0, after_0, before_1, ...}, checked against the
// input rank and the output shape (output = input + before + after).
// Defined in pad.cc.
Result<std::vector<int64_t>> ReadConstPaddings(const KernelContext& ctx);

}  // namespace mai::backends::ref

#endif  // MAI_BACKENDS_REF_SPATIAL_KERNELS_H_

// Direct float32 depthwise convolution in NHWC, for depth multiplier 1 and
// no dilation: the depthwise layers of mobile models (3x3 and 5x5, stride 1
// or 2, any padding).
//
// XNNPACK's depthwise operator (this 2022 snapshot) builds an indirection
// buffer and runs one output pixel at a time; on the face and selfie models'
// layers it reaches 15-30 % of the FMA peak. This kernel walks output rows:
// for each block of channels it keeps the KxK weight vectors in registers
// and computes four output pixels at once (four independent multiply-add
// chains), with unchecked loads in the interior of the row and checked
// ones only at the edges, where padding lies. Channel blocks are 16, then 8,
// then 4 floats wide, then single channels, so any channel count works.
// Output rows split over the thread pool; each output value is one thread's
// fixed-order sum, so results do not depend on the thread count. Compiled
// for AVX-512, AVX2+FMA and baseline x86-64 (picked at load time).
//
// Measured against XNNPACK's depthwise operator (1 thread, minimum of 3 x 50
// runs, docs/xnnpack_backend.md): 0.3-0.75x its time on the face and selfie
// models' layers (96x96 to 24x24 outputs, 8 to 128 channels, 3x3 and 5x5,
// strides 1 and 2); 1.1x on outputs narrower than 16 pixels, which are
// therefore left to XNNPACK.
#ifndef MAI_BACKENDS_XNNPACK_DEPTHWISE_DIRECT_H_
#define MAI_BACKENDS_XNNPACK_DEPTHWISE_DIRECT_H_

#include <memory>

#include "backends/kernel.h"

namespace mai::backends::xnnpack {

// DEPTHWISE_CONV_2D kernel: the direct kernel for float32 with depth
// multiplier 1, dilation 1 and output rows of at least 16 pixels, XNNPACK's
// depthwise operator otherwise.
std::unique_ptr<OpKernel> CreateDepthwiseDispatchKernel();

// The direct kernel alone: Prepare declines (Unimplemented) what it does not
// take.
std::unique_ptr<OpKernel> CreateDepthwiseDirectKernel();

}  // namespace mai::backends::xnnpack

#endif  // MAI_BACKENDS_XNNPACK_DEPTHWISE_DIRECT_H_

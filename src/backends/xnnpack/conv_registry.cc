#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "backends/xnnpack/depthwise_direct.h"
#include "backends/xnnpack/patch_deconv.h"
#include "backends/xnnpack/sparse_conv.h"
#include "backends/xnnpack/xnn_conv_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterXnnConvKernels(KernelRegistry& registry) {
  registry.Register(ir::OpCode::kConv2D, CreateConv2DDispatchKernel);
  registry.Register(ir::OpCode::kDepthwiseConv2D,
                    CreateDepthwiseDispatchKernel);
  registry.Register(ir::OpCode::kTransposeConv,
                    CreateTransposeConvDispatchKernel);
  registry.Register(ir::OpCode::kFullyConnected, CreateXnnFullyConnectedKernel);
  registry.RegisterCustom("Convolution2DTransposeBias",
                          ref::mediapipe::TransposeConvBiasShape,
                          CreateTransposeConvBiasDispatchKernel);
}

}  // namespace mai::backends::xnnpack

#include "backends/ref/mediapipe/geometry_ops.h"
#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterMediaPipeKernels(KernelRegistry& registry) {
  mediapipe::RegisterLandmarksToTransformMatrix(registry);
  mediapipe::RegisterTransformTensorBilinear(registry);
  mediapipe::RegisterTransformLandmarks(registry);
  mediapipe::RegisterConvolution2DTransposeBias(registry);
  mediapipe::RegisterMaxPoolingWithArgmax2D(registry);
  mediapipe::RegisterMaxUnpooling2D(registry);
}

}  // namespace mai::backends::ref

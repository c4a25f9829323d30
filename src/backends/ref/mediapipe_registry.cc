#include "backends/ref/ref_registry.h"
#include "backends/ref/mediapipe/geometry_ops.h"

namespace mai::backends::ref {

void RegisterMediaPipeKernels(KernelRegistry& registry) {
  mediapipe::RegisterLandmarksToTransformMatrix(registry);
  mediapipe::RegisterTransformTensorBilinear(registry);
  mediapipe::RegisterTransformLandmarks(registry);
}

}  // namespace mai::backends::ref

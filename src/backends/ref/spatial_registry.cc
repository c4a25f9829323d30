#include "backends/ref/ref_registry.h"
#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {

void RegisterSpatialKernels(KernelRegistry& registry) {
  using ir::OpCode;
  registry.Register(OpCode::kPad, NewPadKernel);
  registry.Register(OpCode::kPadv2, NewPadKernel);
  registry.Register(OpCode::kMirrorPad, NewMirrorPadKernel);
  registry.Register(OpCode::kResizeBilinear, NewResizeBilinearKernel);
  registry.Register(OpCode::kResizeNearestNeighbor,
                    NewResizeNearestNeighborKernel);
  registry.Register(OpCode::kDepthToSpace, NewDepthToSpaceKernel);
  registry.Register(OpCode::kSpaceToDepth, NewSpaceToDepthKernel);
  registry.Register(OpCode::kQuantize, NewQuantizeKernel);
  registry.Register(OpCode::kDequantize, NewDequantizeKernel);
  registry.Register(OpCode::kDensify, NewDensifyKernel);
}

}  // namespace mai::backends::ref

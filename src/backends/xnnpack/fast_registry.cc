#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterFastKernels(KernelRegistry& registry) {
  using ir::OpCode;
  registry.Register(OpCode::kConcatenation, NewFastConcatenationKernel);
  registry.Register(OpCode::kPack, NewFastPackKernel);
  registry.Register(OpCode::kUnpack, NewFastUnpackKernel);
  registry.Register(OpCode::kSplit, NewFastSplitKernel);
  registry.Register(OpCode::kSplitV, NewFastSplitVKernel);
  registry.Register(OpCode::kSlice, NewFastSliceKernel);
  registry.Register(OpCode::kStridedSlice, NewFastStridedSliceKernel);
  registry.Register(OpCode::kTranspose, NewFastTransposeKernel);
  registry.Register(OpCode::kTile, NewFastTileKernel);
  registry.Register(OpCode::kGather, NewFastGatherKernel);
  registry.Register(OpCode::kResizeNearestNeighbor, NewFastResizeNearestKernel);
  registry.Register(OpCode::kMirrorPad, NewFastMirrorPadKernel);
  for (OpCode op :
       {OpCode::kMean, OpCode::kSum, OpCode::kReduceMax, OpCode::kReduceMin}) {
    registry.Register(op, [op] { return NewFastReduceKernel(op); });
  }
}

}  // namespace mai::backends::xnnpack

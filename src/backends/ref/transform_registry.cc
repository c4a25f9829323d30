#include "backends/ref/ref_registry.h"
#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {

void RegisterTransformKernels(KernelRegistry& registry) {
  using ir::OpCode;
  registry.Register(OpCode::kReshape, NewReshapeKernel);
  registry.Register(OpCode::kSqueeze, NewReshapeKernel);
  registry.Register(OpCode::kExpandDims, NewReshapeKernel);
  registry.Register(OpCode::kTranspose, NewTransposeKernel);
  registry.Register(OpCode::kConcatenation, NewConcatenationKernel);
  registry.Register(OpCode::kPack, NewPackKernel);
  registry.Register(OpCode::kUnpack, NewUnpackKernel);
  registry.Register(OpCode::kSplit, NewSplitKernel);
  registry.Register(OpCode::kSplitV, NewSplitVKernel);
  registry.Register(OpCode::kSlice, NewSliceKernel);
  registry.Register(OpCode::kStridedSlice, NewStridedSliceKernel);
  registry.Register(OpCode::kGather, NewGatherKernel);
  registry.Register(OpCode::kTile, NewTileKernel);
  registry.Register(OpCode::kShape, NewShapeKernel);
  registry.Register(OpCode::kFill, NewFillKernel);
  registry.Register(OpCode::kCast, NewCastKernel);
}

}  // namespace mai::backends::ref

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterPoolReduceKernels(KernelRegistry& registry) {
  using ir::OpCode;
  registry.Register(OpCode::kMaxPool2D, NewMaxPool2DKernel);
  registry.Register(OpCode::kAveragePool2D, NewAveragePool2DKernel);
  registry.Register(OpCode::kL2Normalization, NewL2NormalizationKernel);
  for (OpCode op : {OpCode::kMean, OpCode::kSum, OpCode::kReduceMax,
                    OpCode::kReduceMin, OpCode::kReduceProd}) {
    registry.Register(op, [op] { return NewReduceKernel(op); });
  }
  registry.Register(OpCode::kSoftmax, NewSoftmaxKernel);
  registry.Register(OpCode::kLogSoftmax, NewLogSoftmaxKernel);
  registry.Register(OpCode::kArgMax, [] { return NewArgMinMaxKernel(true); });
  registry.Register(OpCode::kArgMin, [] { return NewArgMinMaxKernel(false); });
}

}  // namespace mai::backends::ref

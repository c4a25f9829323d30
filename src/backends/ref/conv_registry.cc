#include "backends/ref/conv_util.h"
#include "backends/ref/ref_registry.h"

namespace mai::backends::ref {

void RegisterConvKernels(KernelRegistry& registry) {
  registry.Register(ir::OpCode::kConv2D, CreateConv2DKernel);
  registry.Register(ir::OpCode::kDepthwiseConv2D, CreateDepthwiseConv2DKernel);
  registry.Register(ir::OpCode::kTransposeConv, CreateTransposeConvKernel);
  registry.Register(ir::OpCode::kFullyConnected, CreateFullyConnectedKernel);
  registry.Register(ir::OpCode::kBatchMatmul, CreateBatchMatMulKernel);
}

}  // namespace mai::backends::ref

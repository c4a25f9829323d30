// Registration of the XNNPACK pooling / data-movement family (see
// pool_kernels.h for what each kernel runs).
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/pool_kernels.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {

void RegisterXnnPoolKernels(KernelRegistry& registry) {
  using ir::OpCode;
  KernelRegistry& r = registry;
  r.Register(OpCode::kMaxPool2D, [] { return NewXnnMaxPool2DKernel(); });
  r.Register(OpCode::kAveragePool2D,
             [] { return NewXnnAveragePool2DKernel(); });
  r.Register(OpCode::kSoftmax, [] { return NewXnnSoftmaxKernel(); });
  r.Register(OpCode::kResizeBilinear,
             [] { return NewXnnResizeBilinearKernel(); });
  r.Register(OpCode::kDepthToSpace, [] {
    return NewFirstTakerKernel(
        {NewXnnDepthToSpaceKernel, NewFastDepthToSpaceKernel});
  });
  r.Register(OpCode::kPad, [] { return NewXnnPadKernel(); });
  r.Register(OpCode::kPadv2, [] { return NewXnnPadKernel(); });
  r.Register(OpCode::kReshape, [] { return NewXnnCopyKernel(); });
  r.Register(OpCode::kSqueeze, [] { return NewXnnCopyKernel(); });
  r.Register(OpCode::kExpandDims, [] { return NewXnnCopyKernel(); });
}

}  // namespace mai::backends::xnnpack

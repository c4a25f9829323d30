// mai's threaded float32 ADD/SUB/MUL/MAXIMUM/MINIMUM against the reference
// kernel, byte for byte: same shapes, a trailing vector or a scalar on
// either side, fused activations, tensors large enough to split over 2
// threads; and the broadcasts it declines (XNNPACK's operator runs them).
#include <gtest/gtest.h>

#include <vector>

#include "backends/kernel.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "testing/op_test_util.h"
#include "tflite/model_builder.h"
#include "xnnpack/backend_compare.h"

namespace mai::testing {
namespace {

using backends::xnnpack::XnnBinaryOp;

struct OpCase {
  ir::OpCode code;
  XnnBinaryOp op;
};
const OpCase kOps[] = {{ir::OpCode::kAdd, XnnBinaryOp::kAdd},
                       {ir::OpCode::kSub, XnnBinaryOp::kSub},
                       {ir::OpCode::kMul, XnnBinaryOp::kMul},
                       {ir::OpCode::kMaximum, XnnBinaryOp::kMaximum},
                       {ir::OpCode::kMinimum, XnnBinaryOp::kMinimum}};

std::vector<uint8_t> BinaryModel(ir::OpCode code, const Shape& a,
                                 const Shape& b, ir::Activation act) {
  tflite::ModelBuilder m;
  int x = m.AddInput("a", DType::kFloat32, a);
  int y = m.AddInput("b", DType::kFloat32, b);
  int z = m.AddTensor("z", DType::kFloat32, std::nullopt);
  ir::OpParams params;
  if (code == ir::OpCode::kAdd || code == ir::OpCode::kSub ||
      code == ir::OpCode::kMul) {
    ir::BinaryParams p;
    p.activation = act;
    params = p;
  }
  m.AddOp(code, {x, y}, {z}, params);
  m.MarkOutput(z);
  auto bytes = m.Build();
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return *bytes;
}

Status PrepareFastOnly(const std::vector<uint8_t>& model, ir::OpCode code,
                       XnnBinaryOp op) {
  backends::KernelRegistry registry;
  registry.Register(
      code, [op] { return backends::xnnpack::NewFastBinaryKernel(op); });
  SessionOptions o = XnnOptions(1);
  o.custom_ops = &registry;
  MAI_ASSIGN_OR_RETURN(auto session, Session::LoadBytes(model, o));
  return session->Prepare();
}

TEST(FastBinaryTest, MatchesReferenceExactly) {
  Rng rng(9501);
  const ir::Activation acts[] = {ir::Activation::kNone, ir::Activation::kRelu,
                                 ir::Activation::kRelu6};
  for (int iter = 0; iter < 40; ++iter) {
    const OpCase& op = kOps[iter % 5];
    Shape full = {1, rng.Int(1, 40), rng.Int(1, 40), rng.Int(1, 40)};
    if (iter % 8 == 0) full = {1, 64, 64, 32};  // large: 2 threads split it
    Shape a = full, b = full;
    switch (rng.Int(0, 4)) {
      case 0:
        break;  // same shapes
      case 1:
        b = {full[3]};  // per-channel vector
        break;
      case 2:
        a = {1, 1, full[2], full[3]};  // trailing vector, leading 1s
        break;
      case 3:
        b = {};  // scalar
        break;
      case 4:
        a = {1};  // scalar on the left
        break;
    }
    const ir::Activation act = acts[rng.Int(0, 2)];
    SCOPED_TRACE(::testing::Message()
                 << "case " << iter << ": " << ShapeToString(a) << " op "
                 << ShapeToString(b));
    auto model = BinaryModel(op.code, a, b, act);
    ASSERT_TRUE(PrepareFastOnly(model, op.code, op.op).ok());
    std::vector<HostTensor> inputs = {
        HostTensor::From<float>(a, rng.Floats(NumElementsUnchecked(a), -3, 3)),
        HostTensor::From<float>(b, rng.Floats(NumElementsUnchecked(b), -3, 3))};
    ExpectXnnMatchesRefExactly(model, inputs);
  }
}

TEST(FastBinaryTest, DeclinesGeneralBroadcasts) {
  Rng rng(9502);
  const Shape a = {1, 4, 1, 3}, b = {1, 1, 5, 3};
  auto model = BinaryModel(ir::OpCode::kAdd, a, b, ir::Activation::kNone);
  EXPECT_EQ(PrepareFastOnly(model, ir::OpCode::kAdd, XnnBinaryOp::kAdd).code(),
            StatusCode::kUnimplemented);
  // The default kernel hands it to XNNPACK's operator, correctly.
  EXPECT_EQ(AutoNodeBackend(model), "xnnpack");
  ExpectXnnMatchesRefFloat(model,
                           {HostTensor::From<float>(a, rng.Floats(12)),
                            HostTensor::From<float>(b, rng.Floats(15))},
                           1e-6);
}

}  // namespace
}  // namespace mai::testing

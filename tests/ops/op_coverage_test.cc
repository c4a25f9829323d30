// Every op the engine promises (the reference backend's contract) has a
// shape function and a reference kernel. Guards against an op silently
// dropping out of a registry.
#include <gtest/gtest.h>

#include "backends/ref/ref_registry.h"
#include "ir/shape_inference.h"

namespace mai {
namespace {

using ir::OpCode;

TEST(OpCoverageTest, EveryPromisedBuiltinHasShapeFnAndKernel) {
  const OpCode ops[] = {
      OpCode::kConv2D,
      OpCode::kDepthwiseConv2D,
      OpCode::kTransposeConv,
      OpCode::kFullyConnected,
      OpCode::kBatchMatmul,
      OpCode::kAdd,
      OpCode::kSub,
      OpCode::kMul,
      OpCode::kDiv,
      OpCode::kMaximum,
      OpCode::kMinimum,
      OpCode::kSquaredDifference,
      OpCode::kPow,
      OpCode::kRelu,
      OpCode::kRelu6,
      OpCode::kReluN1To1,
      OpCode::kLeakyRelu,
      OpCode::kPrelu,
      OpCode::kHardSwish,
      OpCode::kLogistic,
      OpCode::kTanh,
      OpCode::kElu,
      OpCode::kGelu,
      OpCode::kExp,
      OpCode::kLog,
      OpCode::kSqrt,
      OpCode::kRsqrt,
      OpCode::kAbs,
      OpCode::kNeg,
      OpCode::kFloor,
      OpCode::kCeil,
      OpCode::kRound,
      OpCode::kMaxPool2D,
      OpCode::kAveragePool2D,
      OpCode::kL2Normalization,
      OpCode::kMean,
      OpCode::kSum,
      OpCode::kReduceMax,
      OpCode::kReduceMin,
      OpCode::kSoftmax,
      OpCode::kLogSoftmax,
      OpCode::kArgMax,
      OpCode::kArgMin,
      OpCode::kReshape,
      OpCode::kSqueeze,
      OpCode::kExpandDims,
      OpCode::kTranspose,
      OpCode::kConcatenation,
      OpCode::kPack,
      OpCode::kUnpack,
      OpCode::kSplit,
      OpCode::kSplitV,
      OpCode::kSlice,
      OpCode::kStridedSlice,
      OpCode::kGather,
      OpCode::kTile,
      OpCode::kPad,
      OpCode::kPadv2,
      OpCode::kMirrorPad,
      OpCode::kResizeBilinear,
      OpCode::kResizeNearestNeighbor,
      OpCode::kDepthToSpace,
      OpCode::kSpaceToDepth,
      OpCode::kDequantize,
      OpCode::kQuantize,
      OpCode::kDensify,
      OpCode::kCast,
      OpCode::kShape,
      OpCode::kFill,
      OpCode::kSelectV2,
      OpCode::kLess,
      OpCode::kLessEqual,
      OpCode::kGreater,
      OpCode::kGreaterEqual,
      OpCode::kEqual,
      OpCode::kNotEqual,
  };
  const backends::KernelRegistry& registry = backends::ref::RefKernelRegistry();
  for (OpCode op : ops) {
    ir::Node node;
    node.op = op;
    EXPECT_NE(ir::FindShapeFn(op), nullptr)
        << ir::OpCodeName(op) << " has no shape function";
    EXPECT_TRUE(registry.Supports(node))
        << ir::OpCodeName(op) << " has no reference kernel";
  }
}

TEST(OpCoverageTest, MediaPipeCustomOpsAreRegistered) {
  const backends::KernelRegistry& registry = backends::ref::RefKernelRegistry();
  for (const char* name :
       {"Convolution2DTransposeBias", "MaxPoolingWithArgmax2D",
        "MaxUnpooling2D", "Landmarks2TransformMatrix",
        "TransformTensorBilinear", "TransformLandmarks"}) {
    ir::Node node;
    node.op = OpCode::kCustom;
    node.custom_name = name;
    EXPECT_TRUE(registry.Supports(node)) << name;
    EXPECT_NE(registry.FindCustomShapeFn(name), nullptr) << name;
  }
}

TEST(OpCoverageTest, UnknownOpsAreNotClaimed) {
  ir::Node node;
  node.op = OpCode::kLstm;
  EXPECT_FALSE(backends::ref::RefKernelRegistry().Supports(node));
  node.op = OpCode::kCustom;
  node.custom_name = "NoSuchOp";
  EXPECT_FALSE(backends::ref::RefKernelRegistry().Supports(node));
}

}  // namespace
}  // namespace mai

#include "tflite/builtin_options.h"

namespace mai::tflite {
namespace {

using ir::OpCode;
using Written = std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>>;

// node.params as P; the defaults of P when the node carries none.
template <typename P>
Result<P> ParamsOf(const ir::Node& node) {
  if (std::holds_alternative<std::monostate>(node.params)) return P{};
  const P* p = std::get_if<P>(&node.params);
  if (p == nullptr) {
    return InvalidArgument(
        "{} node carries params of another op (variant index {})",
        node.OpName(), node.params.index());
  }
  return *p;
}

fb::ActivationFunctionType Act(ir::Activation a) {
  return static_cast<fb::ActivationFunctionType>(a);
}
// The file's Padding value. kExplicit is internal to mai (set by graph
// passes) and has no representation in the format; other values pass
// through as they are (tests write out-of-range ones on purpose).
Result<fb::Padding> Pad(ir::Padding p) {
  if (p == ir::Padding::kExplicit) {
    return InvalidArgument(
        "explicit padding (set by a graph pass) cannot be written to a "
        ".tflite file");
  }
  return static_cast<fb::Padding>(p);
}
fb::TensorType Type(DType d) { return static_cast<fb::TensorType>(d); }

template <typename T>
Written Done(flatbuffers::Offset<T> offset) {
  // A copy: the trait is declared without a definition, so no reference to it.
  const fb::BuiltinOptions type = fb::BuiltinOptionsTraits<T>::enum_value;
  return {type, offset.Union()};
}

}  // namespace

fb::BuiltinOptions OptionsTypeOf(ir::OpCode op) {
  using B = fb::BuiltinOptions;
  switch (op) {
    case OpCode::kConv2D:
      return B::Conv2DOptions;
    case OpCode::kDepthwiseConv2D:
      return B::DepthwiseConv2DOptions;
    case OpCode::kTransposeConv:
      return B::TransposeConvOptions;
    case OpCode::kFullyConnected:
      return B::FullyConnectedOptions;
    case OpCode::kBatchMatmul:
      return B::BatchMatMulOptions;
    case OpCode::kAveragePool2D:
    case OpCode::kMaxPool2D:
    case OpCode::kL2Pool2D:
      return B::Pool2DOptions;
    case OpCode::kAdd:
      return B::AddOptions;
    case OpCode::kSub:
      return B::SubOptions;
    case OpCode::kMul:
      return B::MulOptions;
    case OpCode::kDiv:
      return B::DivOptions;
    case OpCode::kConcatenation:
      return B::ConcatenationOptions;
    case OpCode::kReshape:
      return B::ReshapeOptions;
    case OpCode::kSoftmax:
      return B::SoftmaxOptions;
    case OpCode::kLeakyRelu:
      return B::LeakyReluOptions;
    case OpCode::kMean:
    case OpCode::kSum:
    case OpCode::kReduceProd:
    case OpCode::kReduceMax:
    case OpCode::kReduceMin:
    case OpCode::kReduceAny:
    case OpCode::kReduceAll:
      return B::ReducerOptions;
    case OpCode::kSqueeze:
      return B::SqueezeOptions;
    case OpCode::kStridedSlice:
      return B::StridedSliceOptions;
    case OpCode::kPack:
      return B::PackOptions;
    case OpCode::kUnpack:
      return B::UnpackOptions;
    case OpCode::kSplit:
      return B::SplitOptions;
    case OpCode::kSplitV:
      return B::SplitVOptions;
    case OpCode::kGather:
      return B::GatherOptions;
    case OpCode::kResizeBilinear:
      return B::ResizeBilinearOptions;
    case OpCode::kResizeNearestNeighbor:
      return B::ResizeNearestNeighborOptions;
    case OpCode::kDepthToSpace:
      return B::DepthToSpaceOptions;
    case OpCode::kSpaceToDepth:
      return B::SpaceToDepthOptions;
    case OpCode::kMirrorPad:
      return B::MirrorPadOptions;
    case OpCode::kCast:
      return B::CastOptions;
    case OpCode::kShape:
      return B::ShapeOptions;
    case OpCode::kArgMax:
      return B::ArgMaxOptions;
    case OpCode::kArgMin:
      return B::ArgMinOptions;
    case OpCode::kGelu:
      return B::GeluOptions;
    case OpCode::kL2Normalization:
      return B::L2NormOptions;
    default:
      return B::NONE;
  }
}

Result<Written> WriteBuiltinOptions(flatbuffers::FlatBufferBuilder& fbb,
                                    const ir::Node& node) {
  switch (node.op) {
    case OpCode::kConv2D: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::Conv2DParams>(node));
      MAI_ASSIGN_OR_RETURN(fb::Padding padding, Pad(p.padding));
      return Done(fb::CreateConv2DOptions(fbb, padding, p.stride_w, p.stride_h,
                                          Act(p.activation), p.dilation_w,
                                          p.dilation_h));
    }
    case OpCode::kDepthwiseConv2D: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::DepthwiseConv2DParams>(node));
      MAI_ASSIGN_OR_RETURN(fb::Padding padding, Pad(p.padding));
      return Done(fb::CreateDepthwiseConv2DOptions(
          fbb, padding, p.stride_w, p.stride_h, p.depth_multiplier,
          Act(p.activation), p.dilation_w, p.dilation_h));
    }
    case OpCode::kTransposeConv: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::TransposeConvParams>(node));
      MAI_ASSIGN_OR_RETURN(fb::Padding padding, Pad(p.padding));
      return Done(fb::CreateTransposeConvOptions(
          fbb, padding, p.stride_w, p.stride_h, Act(p.activation)));
    }
    case OpCode::kFullyConnected: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::FullyConnectedParams>(node));
      return Done(fb::CreateFullyConnectedOptions(
          fbb, Act(p.activation),
          static_cast<fb::FullyConnectedOptionsWeightsFormat>(p.weights_format),
          p.keep_num_dims, p.asymmetric_quantize_inputs));
    }
    case OpCode::kBatchMatmul: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BatchMatMulParams>(node));
      return Done(fb::CreateBatchMatMulOptions(fbb, p.adj_x, p.adj_y,
                                               p.asymmetric_quantize_inputs));
    }
    case OpCode::kAveragePool2D:
    case OpCode::kMaxPool2D:
    case OpCode::kL2Pool2D: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::Pool2DParams>(node));
      MAI_ASSIGN_OR_RETURN(fb::Padding padding, Pad(p.padding));
      return Done(fb::CreatePool2DOptions(fbb, padding, p.stride_w, p.stride_h,
                                          p.filter_w, p.filter_h,
                                          Act(p.activation)));
    }
    case OpCode::kAdd: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BinaryParams>(node));
      return Done(
          fb::CreateAddOptions(fbb, Act(p.activation), p.pot_scale_int16));
    }
    case OpCode::kSub: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BinaryParams>(node));
      return Done(
          fb::CreateSubOptions(fbb, Act(p.activation), p.pot_scale_int16));
    }
    case OpCode::kMul: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BinaryParams>(node));
      return Done(fb::CreateMulOptions(fbb, Act(p.activation)));
    }
    case OpCode::kDiv: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BinaryParams>(node));
      return Done(fb::CreateDivOptions(fbb, Act(p.activation)));
    }
    case OpCode::kConcatenation: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ConcatenationParams>(node));
      return Done(
          fb::CreateConcatenationOptions(fbb, p.axis, Act(p.activation)));
    }
    case OpCode::kReshape: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ReshapeParams>(node));
      if (!p.has_new_shape) return Done(fb::CreateReshapeOptions(fbb));
      return Done(fb::CreateReshapeOptions(fbb, fbb.CreateVector(p.new_shape)));
    }
    case OpCode::kSoftmax: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::SoftmaxParams>(node));
      return Done(fb::CreateSoftmaxOptions(fbb, p.beta));
    }
    case OpCode::kLeakyRelu: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::LeakyReluParams>(node));
      return Done(fb::CreateLeakyReluOptions(fbb, p.alpha));
    }
    case OpCode::kMean:
    case OpCode::kSum:
    case OpCode::kReduceProd:
    case OpCode::kReduceMax:
    case OpCode::kReduceMin:
    case OpCode::kReduceAny:
    case OpCode::kReduceAll: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ReducerParams>(node));
      return Done(fb::CreateReducerOptions(fbb, p.keep_dims));
    }
    case OpCode::kSqueeze: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::SqueezeParams>(node));
      return Done(
          fb::CreateSqueezeOptions(fbb, fbb.CreateVector(p.squeeze_dims)));
    }
    case OpCode::kStridedSlice: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::StridedSliceParams>(node));
      return Done(fb::CreateStridedSliceOptions(
          fbb, p.begin_mask, p.end_mask, p.ellipsis_mask, p.new_axis_mask,
          p.shrink_axis_mask, p.offset));
    }
    case OpCode::kPack: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::PackParams>(node));
      return Done(fb::CreatePackOptions(fbb, p.values_count, p.axis));
    }
    case OpCode::kUnpack: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::UnpackParams>(node));
      return Done(fb::CreateUnpackOptions(fbb, p.num, p.axis));
    }
    case OpCode::kSplit: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::SplitParams>(node));
      return Done(fb::CreateSplitOptions(fbb, p.num_splits));
    }
    case OpCode::kSplitV: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::SplitParams>(node));
      return Done(fb::CreateSplitVOptions(fbb, p.num_splits));
    }
    case OpCode::kGather: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::GatherParams>(node));
      return Done(fb::CreateGatherOptions(fbb, p.axis, p.batch_dims));
    }
    case OpCode::kResizeBilinear: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ResizeParams>(node));
      return Done(fb::CreateResizeBilinearOptions(fbb, p.align_corners,
                                                  p.half_pixel_centers));
    }
    case OpCode::kResizeNearestNeighbor: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ResizeParams>(node));
      return Done(fb::CreateResizeNearestNeighborOptions(fbb, p.align_corners,
                                                         p.half_pixel_centers));
    }
    case OpCode::kDepthToSpace: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BlockSizeParams>(node));
      return Done(fb::CreateDepthToSpaceOptions(fbb, p.block_size));
    }
    case OpCode::kSpaceToDepth: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::BlockSizeParams>(node));
      return Done(fb::CreateSpaceToDepthOptions(fbb, p.block_size));
    }
    case OpCode::kMirrorPad: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::MirrorPadParams>(node));
      return Done(fb::CreateMirrorPadOptions(
          fbb, static_cast<fb::MirrorPadMode>(p.mode)));
    }
    case OpCode::kCast: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::CastParams>(node));
      return Done(
          fb::CreateCastOptions(fbb, Type(p.in_dtype), Type(p.out_dtype)));
    }
    case OpCode::kShape: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ShapeParams>(node));
      return Done(fb::CreateShapeOptions(fbb, Type(p.out_type)));
    }
    case OpCode::kArgMax: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ArgMinMaxParams>(node));
      return Done(fb::CreateArgMaxOptions(fbb, Type(p.output_type)));
    }
    case OpCode::kArgMin: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::ArgMinMaxParams>(node));
      return Done(fb::CreateArgMinOptions(fbb, Type(p.output_type)));
    }
    case OpCode::kGelu: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::GeluParams>(node));
      return Done(fb::CreateGeluOptions(fbb, p.approximate));
    }
    case OpCode::kL2Normalization: {
      MAI_ASSIGN_OR_RETURN(auto p, ParamsOf<ir::L2NormParams>(node));
      return Done(fb::CreateL2NormOptions(fbb, Act(p.activation)));
    }
    default:
      if (!std::holds_alternative<std::monostate>(node.params)) {
        return InvalidArgument(
            "{} node carries params, but the op has none in the format",
            node.OpName());
      }
      return Written{fb::BuiltinOptions::NONE, 0};
  }
}

}  // namespace mai::tflite

#include <cmath>
#include <string>

#include "tflite/builtin_options.h"

namespace mai::tflite {
namespace {

using ir::OpCode;

std::string OptionsName(fb::BuiltinOptions type) {
  const char* name = fb::EnumNameBuiltinOptions(type);
  if (name == nullptr || *name == '\0') {
    return "options type " + std::to_string(static_cast<int>(type));
  }
  return name;
}

// The options table of type T, nullptr when absent. Error when the operator
// carries another table type, or none although `required`.
template <typename T>
Result<const T*> Options(const fb::Operator& op, bool required) {
  constexpr fb::BuiltinOptions kType = fb::BuiltinOptionsTraits<T>::enum_value;
  fb::BuiltinOptions type = op.builtin_options_type();
  if (type != fb::BuiltinOptions::NONE && type != kType) {
    return InvalidModel("has {}, expected {}", OptionsName(type),
                        OptionsName(kType));
  }
  const T* options =
      type == kType ? static_cast<const T*>(op.builtin_options()) : nullptr;
  if (options == nullptr && required) {
    return InvalidModel("has no {}", OptionsName(kType));
  }
  return options;
}

Result<ir::Activation> ToActivation(fb::ActivationFunctionType a) {
  int v = static_cast<int>(a);
  if (v < 0 || v > static_cast<int>(ir::Activation::kSignBit)) {
    return InvalidModel("unknown fused activation {}", v);
  }
  return static_cast<ir::Activation>(v);
}

Result<ir::Padding> ToPadding(fb::Padding p) {
  int v = static_cast<int>(p);
  if (v != 0 && v != 1) return InvalidModel("unknown padding {}", v);
  return static_cast<ir::Padding>(v);
}

Result<DType> ToDType(fb::TensorType t, const char* field) {
  int v = static_cast<int>(t);
  if (!IsValidDType(v)) return InvalidModel("{} is unknown type {}", field, v);
  return static_cast<DType>(v);
}

Status AtLeast(int64_t value, int64_t min, const char* field) {
  if (value < min)
    return InvalidModel("{} is {}, must be >= {}", field, value, min);
  return Status::Ok();
}

Status Finite(float value, const char* field) {
  if (!std::isfinite(value))
    return InvalidModel("{} is {}, not finite", field, value);
  return Status::Ok();
}

DType TensorDType(const ir::Graph& graph, const std::vector<int32_t>& indices,
                  size_t i, DType fallback) {
  if (i < indices.size() && indices[i] >= 0)
    return graph.tensors[indices[i]].dtype;
  return fallback;
}

Result<ir::OpParams> Conv2D(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::Conv2DOptions* o,
                       Options<fb::Conv2DOptions>(op, true));
  ir::Conv2DParams p;
  MAI_ASSIGN_OR_RETURN(p.padding, ToPadding(o->padding()));
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  p.stride_w = o->stride_w();
  p.stride_h = o->stride_h();
  p.dilation_w = o->dilation_w_factor();
  p.dilation_h = o->dilation_h_factor();
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_w, 1, "stride_w"));
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_h, 1, "stride_h"));
  MAI_RETURN_IF_ERROR(AtLeast(p.dilation_w, 1, "dilation_w_factor"));
  MAI_RETURN_IF_ERROR(AtLeast(p.dilation_h, 1, "dilation_h_factor"));
  return ir::OpParams(p);
}

Result<ir::OpParams> DepthwiseConv2D(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::DepthwiseConv2DOptions* o,
                       Options<fb::DepthwiseConv2DOptions>(op, true));
  ir::DepthwiseConv2DParams p;
  MAI_ASSIGN_OR_RETURN(p.padding, ToPadding(o->padding()));
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  p.stride_w = o->stride_w();
  p.stride_h = o->stride_h();
  p.depth_multiplier = o->depth_multiplier();
  p.dilation_w = o->dilation_w_factor();
  p.dilation_h = o->dilation_h_factor();
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_w, 1, "stride_w"));
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_h, 1, "stride_h"));
  MAI_RETURN_IF_ERROR(AtLeast(p.depth_multiplier, 0, "depth_multiplier"));
  MAI_RETURN_IF_ERROR(AtLeast(p.dilation_w, 1, "dilation_w_factor"));
  MAI_RETURN_IF_ERROR(AtLeast(p.dilation_h, 1, "dilation_h_factor"));
  return ir::OpParams(p);
}

Result<ir::OpParams> TransposeConv(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::TransposeConvOptions* o,
                       Options<fb::TransposeConvOptions>(op, true));
  ir::TransposeConvParams p;
  MAI_ASSIGN_OR_RETURN(p.padding, ToPadding(o->padding()));
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  p.stride_w = o->stride_w();
  p.stride_h = o->stride_h();
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_w, 1, "stride_w"));
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_h, 1, "stride_h"));
  return ir::OpParams(p);
}

Result<ir::OpParams> Pool2D(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::Pool2DOptions* o,
                       Options<fb::Pool2DOptions>(op, true));
  ir::Pool2DParams p;
  MAI_ASSIGN_OR_RETURN(p.padding, ToPadding(o->padding()));
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  p.stride_w = o->stride_w();
  p.stride_h = o->stride_h();
  p.filter_w = o->filter_width();
  p.filter_h = o->filter_height();
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_w, 1, "stride_w"));
  MAI_RETURN_IF_ERROR(AtLeast(p.stride_h, 1, "stride_h"));
  MAI_RETURN_IF_ERROR(AtLeast(p.filter_w, 1, "filter_width"));
  MAI_RETURN_IF_ERROR(AtLeast(p.filter_h, 1, "filter_height"));
  return ir::OpParams(p);
}

Result<ir::OpParams> FullyConnected(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::FullyConnectedOptions* o,
                       Options<fb::FullyConnectedOptions>(op, false));
  ir::FullyConnectedParams p;
  if (o == nullptr) return ir::OpParams(p);
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  int format = static_cast<int>(o->weights_format());
  if (format != 0 && format != 1)
    return InvalidModel("unknown weights_format {}", format);
  p.weights_format = static_cast<int8_t>(format);
  p.keep_num_dims = o->keep_num_dims();
  p.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs();
  return ir::OpParams(p);
}

Result<ir::OpParams> BatchMatMul(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::BatchMatMulOptions* o,
                       Options<fb::BatchMatMulOptions>(op, false));
  ir::BatchMatMulParams p;
  if (o != nullptr) {
    p.adj_x = o->adj_x();
    p.adj_y = o->adj_y();
    p.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs();
  }
  return ir::OpParams(p);
}

// ADD and SUB also carry pot_scale_int16; MUL and DIV only the activation.
template <typename T>
Result<ir::OpParams> Binary(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const T* o, Options<T>(op, false));
  ir::BinaryParams p;
  if (o == nullptr) return ir::OpParams(p);
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  if constexpr (std::is_same_v<T, fb::AddOptions> ||
                std::is_same_v<T, fb::SubOptions>) {
    p.pot_scale_int16 = o->pot_scale_int16();
  }
  return ir::OpParams(p);
}

Result<ir::OpParams> Concatenation(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::ConcatenationOptions* o,
                       Options<fb::ConcatenationOptions>(op, false));
  ir::ConcatenationParams p;
  if (o == nullptr) return ir::OpParams(p);
  p.axis = o->axis();
  MAI_ASSIGN_OR_RETURN(p.activation,
                       ToActivation(o->fused_activation_function()));
  return ir::OpParams(p);
}

Status CopyInts(const flatbuffers::Vector<int32_t>* in,
                std::vector<int32_t>& out, ReadBudget& budget) {
  if (in == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(budget.Spend(in->size(), sizeof(int32_t)));
  out.assign(in->begin(), in->end());
  return Status::Ok();
}

Result<ir::OpParams> Reshape(const fb::Operator& op, ReadBudget& budget) {
  MAI_ASSIGN_OR_RETURN(const fb::ReshapeOptions* o,
                       Options<fb::ReshapeOptions>(op, false));
  ir::ReshapeParams p;
  if (o != nullptr && o->new_shape() != nullptr) {
    p.has_new_shape = true;
    MAI_RETURN_IF_ERROR(CopyInts(o->new_shape(), p.new_shape, budget));
  }
  return ir::OpParams(p);
}

Result<ir::OpParams> Softmax(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::SoftmaxOptions* o,
                       Options<fb::SoftmaxOptions>(op, false));
  ir::SoftmaxParams p;
  if (o != nullptr) p.beta = o->beta();
  MAI_RETURN_IF_ERROR(Finite(p.beta, "beta"));
  return ir::OpParams(p);
}

Result<ir::OpParams> LeakyRelu(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::LeakyReluOptions* o,
                       Options<fb::LeakyReluOptions>(op, false));
  ir::LeakyReluParams p;
  if (o != nullptr) p.alpha = o->alpha();
  MAI_RETURN_IF_ERROR(Finite(p.alpha, "alpha"));
  return ir::OpParams(p);
}

Result<ir::OpParams> Reducer(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::ReducerOptions* o,
                       Options<fb::ReducerOptions>(op, false));
  ir::ReducerParams p;
  if (o != nullptr) p.keep_dims = o->keep_dims();
  return ir::OpParams(p);
}

Result<ir::OpParams> Squeeze(const fb::Operator& op, ReadBudget& budget) {
  MAI_ASSIGN_OR_RETURN(const fb::SqueezeOptions* o,
                       Options<fb::SqueezeOptions>(op, false));
  ir::SqueezeParams p;
  if (o != nullptr)
    MAI_RETURN_IF_ERROR(CopyInts(o->squeeze_dims(), p.squeeze_dims, budget));
  return ir::OpParams(p);
}

Result<ir::OpParams> StridedSlice(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::StridedSliceOptions* o,
                       Options<fb::StridedSliceOptions>(op, false));
  ir::StridedSliceParams p;
  if (o != nullptr) {
    p.begin_mask = o->begin_mask();
    p.end_mask = o->end_mask();
    p.ellipsis_mask = o->ellipsis_mask();
    p.new_axis_mask = o->new_axis_mask();
    p.shrink_axis_mask = o->shrink_axis_mask();
    p.offset = o->offset();
  }
  return ir::OpParams(p);
}

Result<ir::OpParams> Pack(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::PackOptions* o,
                       Options<fb::PackOptions>(op, false));
  ir::PackParams p;
  if (o != nullptr) {
    p.values_count = o->values_count();
    p.axis = o->axis();
  }
  MAI_RETURN_IF_ERROR(AtLeast(p.values_count, 0, "values_count"));
  return ir::OpParams(p);
}

Result<ir::OpParams> Unpack(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::UnpackOptions* o,
                       Options<fb::UnpackOptions>(op, false));
  ir::UnpackParams p;
  if (o != nullptr) {
    p.num = o->num();
    p.axis = o->axis();
  }
  MAI_RETURN_IF_ERROR(AtLeast(p.num, 0, "num"));
  return ir::OpParams(p);
}

template <typename T>
Result<ir::OpParams> Split(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const T* o, Options<T>(op, false));
  ir::SplitParams p;
  if (o != nullptr) p.num_splits = o->num_splits();
  MAI_RETURN_IF_ERROR(AtLeast(p.num_splits, 0, "num_splits"));
  return ir::OpParams(p);
}

Result<ir::OpParams> Gather(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::GatherOptions* o,
                       Options<fb::GatherOptions>(op, false));
  ir::GatherParams p;
  if (o != nullptr) {
    p.axis = o->axis();
    p.batch_dims = o->batch_dims();
  }
  return ir::OpParams(p);
}

template <typename T>
Result<ir::OpParams> Resize(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const T* o, Options<T>(op, false));
  ir::ResizeParams p;
  if (o != nullptr) {
    p.align_corners = o->align_corners();
    p.half_pixel_centers = o->half_pixel_centers();
  }
  return ir::OpParams(p);
}

template <typename T>
Result<ir::OpParams> BlockSize(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const T* o, Options<T>(op, true));
  ir::BlockSizeParams p;
  p.block_size = o->block_size();
  MAI_RETURN_IF_ERROR(AtLeast(p.block_size, 1, "block_size"));
  return ir::OpParams(p);
}

Result<ir::OpParams> MirrorPad(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::MirrorPadOptions* o,
                       Options<fb::MirrorPadOptions>(op, false));
  ir::MirrorPadParams p;
  if (o != nullptr) {
    int mode = static_cast<int>(o->mode());
    if (mode != 0 && mode != 1)
      return InvalidModel("unknown mirror pad mode {}", mode);
    p.mode = static_cast<ir::MirrorPadMode>(mode);
  }
  return ir::OpParams(p);
}

Result<ir::OpParams> Cast(const fb::Operator& op, const ir::Node& node,
                          const ir::Graph& graph) {
  MAI_ASSIGN_OR_RETURN(const fb::CastOptions* o,
                       Options<fb::CastOptions>(op, false));
  ir::CastParams p;
  if (o == nullptr) {
    // The tensors say what the cast does.
    p.in_dtype = TensorDType(graph, node.inputs, 0, p.in_dtype);
    p.out_dtype = TensorDType(graph, node.outputs, 0, p.out_dtype);
    return ir::OpParams(p);
  }
  MAI_ASSIGN_OR_RETURN(p.in_dtype, ToDType(o->in_data_type(), "in_data_type"));
  MAI_ASSIGN_OR_RETURN(p.out_dtype,
                       ToDType(o->out_data_type(), "out_data_type"));
  return ir::OpParams(p);
}

Result<ir::OpParams> ShapeOp(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::ShapeOptions* o,
                       Options<fb::ShapeOptions>(op, false));
  ir::ShapeParams p;
  if (o != nullptr) {
    MAI_ASSIGN_OR_RETURN(p.out_type, ToDType(o->out_type(), "out_type"));
  }
  return ir::OpParams(p);
}

template <typename T>
Result<ir::OpParams> ArgMinMax(const fb::Operator& op, const ir::Node& node,
                               const ir::Graph& graph) {
  MAI_ASSIGN_OR_RETURN(const T* o, Options<T>(op, false));
  ir::ArgMinMaxParams p;
  if (o != nullptr) {
    MAI_ASSIGN_OR_RETURN(p.output_type,
                         ToDType(o->output_type(), "output_type"));
  } else {
    DType out = TensorDType(graph, node.outputs, 0, p.output_type);
    if (out == DType::kInt32 || out == DType::kInt64) p.output_type = out;
  }
  return ir::OpParams(p);
}

Result<ir::OpParams> Gelu(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::GeluOptions* o,
                       Options<fb::GeluOptions>(op, false));
  ir::GeluParams p;
  if (o != nullptr) p.approximate = o->approximate();
  return ir::OpParams(p);
}

Result<ir::OpParams> L2Norm(const fb::Operator& op) {
  MAI_ASSIGN_OR_RETURN(const fb::L2NormOptions* o,
                       Options<fb::L2NormOptions>(op, false));
  ir::L2NormParams p;
  if (o != nullptr) {
    MAI_ASSIGN_OR_RETURN(p.activation,
                         ToActivation(o->fused_activation_function()));
  }
  return ir::OpParams(p);
}

}  // namespace

Result<ir::OpParams> ReadBuiltinOptions(const fb::Operator& op,
                                        const ir::Node& node,
                                        const ir::Graph& graph,
                                        ReadBudget& budget) {
  switch (node.op) {
    case OpCode::kConv2D:
      return Conv2D(op);
    case OpCode::kDepthwiseConv2D:
      return DepthwiseConv2D(op);
    case OpCode::kTransposeConv:
      return TransposeConv(op);
    case OpCode::kFullyConnected:
      return FullyConnected(op);
    case OpCode::kBatchMatmul:
      return BatchMatMul(op);
    case OpCode::kAveragePool2D:
    case OpCode::kMaxPool2D:
    case OpCode::kL2Pool2D:
      return Pool2D(op);
    case OpCode::kAdd:
      return Binary<fb::AddOptions>(op);
    case OpCode::kSub:
      return Binary<fb::SubOptions>(op);
    case OpCode::kMul:
      return Binary<fb::MulOptions>(op);
    case OpCode::kDiv:
      return Binary<fb::DivOptions>(op);
    case OpCode::kConcatenation:
      return Concatenation(op);
    case OpCode::kReshape:
      return Reshape(op, budget);
    case OpCode::kSoftmax:
      return Softmax(op);
    case OpCode::kLeakyRelu:
      return LeakyRelu(op);
    case OpCode::kMean:
    case OpCode::kSum:
    case OpCode::kReduceProd:
    case OpCode::kReduceMax:
    case OpCode::kReduceMin:
    case OpCode::kReduceAny:
    case OpCode::kReduceAll:
      return Reducer(op);
    case OpCode::kSqueeze:
      return Squeeze(op, budget);
    case OpCode::kStridedSlice:
      return StridedSlice(op);
    case OpCode::kPack:
      return Pack(op);
    case OpCode::kUnpack:
      return Unpack(op);
    case OpCode::kSplit:
      return Split<fb::SplitOptions>(op);
    case OpCode::kSplitV:
      return Split<fb::SplitVOptions>(op);
    case OpCode::kGather:
      return Gather(op);
    case OpCode::kResizeBilinear:
      return Resize<fb::ResizeBilinearOptions>(op);
    case OpCode::kResizeNearestNeighbor:
      return Resize<fb::ResizeNearestNeighborOptions>(op);
    case OpCode::kDepthToSpace:
      return BlockSize<fb::DepthToSpaceOptions>(op);
    case OpCode::kSpaceToDepth:
      return BlockSize<fb::SpaceToDepthOptions>(op);
    case OpCode::kMirrorPad:
      return MirrorPad(op);
    case OpCode::kCast:
      return Cast(op, node, graph);
    case OpCode::kShape:
      return ShapeOp(op);
    case OpCode::kArgMax:
      return ArgMinMax<fb::ArgMaxOptions>(op, node, graph);
    case OpCode::kArgMin:
      return ArgMinMax<fb::ArgMinOptions>(op, node, graph);
    case OpCode::kGelu:
      return Gelu(op);
    case OpCode::kL2Normalization:
      return L2Norm(op);
    default:
      return ir::OpParams();
  }
}

}  // namespace mai::tflite

// Typed parameters of builtin ops. The reader converts each flatbuffer
// `*Options` table into one of these; the writer converts back. Ops without
// options carry std::monostate. Fields mirror TFLite's option tables; values
// are validated by the reader (e.g. strides >= 1) before a kernel sees them.
#ifndef MAI_IR_OP_PARAMS_H_
#define MAI_IR_OP_PARAMS_H_

#include <cstdint>
#include <variant>
#include <vector>

#include "core/dtype.h"

namespace mai::ir {

// TFLite's ActivationFunctionType values.
enum class Activation : int8_t {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};

// TFLite's Padding values, plus kExplicit: an internal mode, never read from
// or written to a .tflite file, set by graph passes (ir/passes/fold_pad.h) on
// CONV_2D, DEPTHWISE_CONV_2D and the 2D pools only. With kExplicit the op's
// `explicit_padding` gives the rows/columns of padding on each side, and
// out = (in + before + after - effective_filter) / stride + 1. Padded cells
// behave as with TFLite's SAME padding: convolutions see zeros (the input
// zero point when quantized), pools leave them out of the window.
enum class Padding : int8_t { kSame = 0, kValid = 1, kExplicit = 2 };

// Padding of the H and W dims when padding == Padding::kExplicit (ignored
// otherwise). All values >= 0.
struct ExplicitPadding {
  int32_t top = 0, bottom = 0, left = 0, right = 0;
};

struct Conv2DParams {  // CONV_2D
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  Activation activation = Activation::kNone;
  ExplicitPadding explicit_padding;  // only with Padding::kExplicit
};

struct DepthwiseConv2DParams {  // DEPTHWISE_CONV_2D
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  int32_t depth_multiplier = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  Activation activation = Activation::kNone;
  ExplicitPadding explicit_padding;  // only with Padding::kExplicit
};

struct TransposeConvParams {  // TRANSPOSE_CONV (inputs: output_shape, weights,
                              // input[, bias])
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  Activation activation = Activation::kNone;
};

struct FullyConnectedParams {  // FULLY_CONNECTED
  Activation activation = Activation::kNone;
  bool keep_num_dims = false;
  bool asymmetric_quantize_inputs = false;
  int8_t weights_format = 0;  // 0 = DEFAULT; others are unsupported
};

struct BatchMatMulParams {  // BATCH_MATMUL
  bool adj_x = false, adj_y = false;
  bool asymmetric_quantize_inputs = false;
};

struct Pool2DParams {  // AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  int32_t filter_w = 1, filter_h = 1;
  Activation activation = Activation::kNone;
  ExplicitPadding explicit_padding;  // only with Padding::kExplicit
};

struct BinaryParams {  // ADD, SUB, MUL, DIV (fused activation)
  Activation activation = Activation::kNone;
  bool pot_scale_int16 = true;  // ADD/SUB only
};

struct ConcatenationParams {  // CONCATENATION
  int32_t axis = 0;
  Activation activation = Activation::kNone;
};

struct ReshapeParams {  // RESHAPE (used when there is no shape input tensor)
  std::vector<int32_t> new_shape;
  bool has_new_shape = false;
};

struct SoftmaxParams {  // SOFTMAX
  float beta = 1.0f;
};

struct LeakyReluParams {  // LEAKY_RELU
  float alpha = 0.2f;
};

struct ReducerParams {  // MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD, ...
  bool keep_dims = false;
};

struct SqueezeParams {  // SQUEEZE
  std::vector<int32_t> squeeze_dims;
};

struct StridedSliceParams {  // STRIDED_SLICE
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0;
  int32_t new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
};

struct PackParams {  // PACK
  int32_t values_count = 0;
  int32_t axis = 0;
};

struct UnpackParams {  // UNPACK
  int32_t num = 0;
  int32_t axis = 0;
};

struct SplitParams {  // SPLIT, SPLIT_V
  int32_t num_splits = 0;
};

struct GatherParams {  // GATHER
  int32_t axis = 0;
  int32_t batch_dims = 0;
};

struct ResizeParams {  // RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
  bool align_corners = false;
  bool half_pixel_centers = false;
};

struct BlockSizeParams {  // DEPTH_TO_SPACE, SPACE_TO_DEPTH
  int32_t block_size = 1;
};

enum class MirrorPadMode : int8_t { kReflect = 0, kSymmetric = 1 };
struct MirrorPadParams {  // MIRROR_PAD
  MirrorPadMode mode = MirrorPadMode::kReflect;
};

struct CastParams {  // CAST (optional in files; output dtype comes from
                     // tensors)
  DType in_dtype = DType::kFloat32;
  DType out_dtype = DType::kFloat32;
};

struct ShapeParams {  // SHAPE
  DType out_type = DType::kInt32;
};

struct ArgMinMaxParams {  // ARG_MAX, ARG_MIN
  DType output_type = DType::kInt64;
};

struct GeluParams {  // GELU
  bool approximate = false;
};

struct L2NormParams {  // L2_NORMALIZATION
  Activation activation = Activation::kNone;
};

using OpParams = std::variant<
    std::monostate, Conv2DParams, DepthwiseConv2DParams, TransposeConvParams,
    FullyConnectedParams, BatchMatMulParams, Pool2DParams, BinaryParams,
    ConcatenationParams, ReshapeParams, SoftmaxParams, LeakyReluParams,
    ReducerParams, SqueezeParams, StridedSliceParams, PackParams, UnpackParams,
    SplitParams, GatherParams, ResizeParams, BlockSizeParams, MirrorPadParams,
    CastParams, ShapeParams, ArgMinMaxParams, GeluParams, L2NormParams>;

}  // namespace mai::ir

#endif  // MAI_IR_OP_PARAMS_H_

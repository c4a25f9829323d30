// Shape functions of the spatial family: PAD, PADV2, MIRROR_PAD,
// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
// QUANTIZE, DEQUANTIZE, DENSIFY.
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "ir/shapes/shape_fns.h"

namespace mai::ir {
namespace {

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

// Reads the constant [rank, 2] paddings tensor (input 1) of a pad op.
Result<std::vector<int64_t>> ReadPaddings(ShapeContext& ctx, int rank) {
  const Tensor* paddings = ctx.input(1);
  if (paddings->shape.size() != 2 || paddings->shape[1] != 2 ||
      paddings->shape[0] != rank) {
    return ctx.Error("paddings must have shape [{}, 2], has {}", rank,
                     ShapeToString(paddings->shape));
  }
  if (paddings->dtype != DType::kInt32 && paddings->dtype != DType::kInt64) {
    return ctx.Unsupported("paddings of dtype {} are not supported",
                           DTypeName(paddings->dtype));
  }
  std::optional<std::vector<int64_t>> values = ctx.ConstInts(1);
  if (!values.has_value()) {
    return ctx.Unsupported("paddings must be constant");
  }
  if (values->size() != static_cast<size_t>(rank) * 2) {
    return ctx.Error("paddings hold {} values, expected {}", values->size(),
                     rank * 2);
  }
  for (int64_t p : *values) {
    if (p < 0 || p > kMaxDim) {
      return ctx.Error("padding {} is out of range (must be >= 0)", p);
    }
  }
  return *std::move(values);
}

Status PadShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 3, 1));
  const Tensor* input = ctx.input(0);
  const int rank = static_cast<int>(input->shape.size());
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ReadPaddings(ctx, rank));
  if (const Tensor* value = ctx.input(2)) {
    if (value->dtype != input->dtype) {
      return ctx.Error("constant value dtype {} differs from input dtype {}",
                       DTypeName(value->dtype), DTypeName(input->dtype));
    }
    auto n = NumElements(value->shape);
    if (!n.ok() || *n != 1) {
      return ctx.Error("constant value must hold one element, has shape {}",
                       ShapeToString(value->shape));
    }
  }
  Shape out(rank);
  for (int d = 0; d < rank; ++d) {
    int64_t dim = int64_t{input->shape[d]} + pads[2 * d] + pads[2 * d + 1];
    if (dim > kMaxDim) return ctx.Error("padded dim {} is too large", d);
    out[d] = static_cast<int32_t>(dim);
  }
  return ctx.SetOutputShape(0, out);
}

Status MirrorPadShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const auto* params = std::get_if<MirrorPadParams>(&ctx.node().params);
  const MirrorPadMode mode =
      params != nullptr ? params->mode : MirrorPadMode::kReflect;
  if (mode != MirrorPadMode::kReflect && mode != MirrorPadMode::kSymmetric) {
    return ctx.Error("unknown mirror pad mode {}", static_cast<int>(mode));
  }
  const Tensor* input = ctx.input(0);
  const int rank = static_cast<int>(input->shape.size());
  MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ReadPaddings(ctx, rank));
  Shape out(rank);
  for (int d = 0; d < rank; ++d) {
    const int64_t in = input->shape[d];
    // REFLECT excludes the edge element, SYMMETRIC repeats it.
    const int64_t limit = mode == MirrorPadMode::kReflect ? in - 1 : in;
    if (pads[2 * d] > limit || pads[2 * d + 1] > limit) {
      return ctx.Error("paddings ({}, {}) of dim {} exceed {} for size {}",
                       pads[2 * d], pads[2 * d + 1], d, limit, in);
    }
    out[d] = static_cast<int32_t>(in + pads[2 * d] + pads[2 * d + 1]);
  }
  return ctx.SetOutputShape(0, out);
}

Status ResizeShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const Tensor* input = ctx.input(0);
  if (input->shape.size() != 4) {
    return ctx.Error("input must be 4-D (NHWC), has shape {}",
                     ShapeToString(input->shape));
  }
  const auto* params = std::get_if<ResizeParams>(&ctx.node().params);
  if (params != nullptr && params->align_corners &&
      params->half_pixel_centers) {
    return ctx.Error("align_corners and half_pixel_centers are exclusive");
  }
  const Tensor* size = ctx.input(1);
  if (size->dtype != DType::kInt32) {
    return ctx.Error("size must be int32, is {}", DTypeName(size->dtype));
  }
  std::optional<std::vector<int64_t>> hw = ctx.ConstInts(1);
  if (!hw.has_value()) return ctx.Unsupported("size must be constant");
  if (size->shape.size() != 1 || hw->size() != 2) {
    return ctx.Error("size must hold 2 values, has shape {}",
                     ShapeToString(size->shape));
  }
  if ((*hw)[0] <= 0 || (*hw)[1] <= 0) {
    return ctx.Error("size ({}, {}) must be positive", (*hw)[0], (*hw)[1]);
  }
  return ctx.SetOutputShape(0,
                            {input->shape[0], static_cast<int32_t>((*hw)[0]),
                             static_cast<int32_t>((*hw)[1]), input->shape[3]});
}

Result<int32_t> BlockSize(ShapeContext& ctx) {
  const auto* params = std::get_if<BlockSizeParams>(&ctx.node().params);
  if (params == nullptr) return ctx.Error("missing block_size option");
  if (params->block_size < 1) {
    return ctx.Error("block_size {} must be >= 1", params->block_size);
  }
  return params->block_size;
}

Status DepthToSpaceShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  MAI_ASSIGN_OR_RETURN(const int64_t bs, BlockSize(ctx));
  const Shape& in = ctx.input(0)->shape;
  if (in.size() != 4) {
    return ctx.Error("input must be 4-D (NHWC), has shape {}",
                     ShapeToString(in));
  }
  if (in[3] % (bs * bs) != 0) {
    return ctx.Error("depth {} is not divisible by block_size^2 = {}", in[3],
                     bs * bs);
  }
  const int64_t h = in[1] * bs;
  const int64_t w = in[2] * bs;
  if (h > kMaxDim || w > kMaxDim) return ctx.Error("output is too large");
  return ctx.SetOutputShape(
      0, {in[0], static_cast<int32_t>(h), static_cast<int32_t>(w),
          static_cast<int32_t>(in[3] / (bs * bs))});
}

Status SpaceToDepthShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  MAI_ASSIGN_OR_RETURN(const int64_t bs, BlockSize(ctx));
  const Shape& in = ctx.input(0)->shape;
  if (in.size() != 4) {
    return ctx.Error("input must be 4-D (NHWC), has shape {}",
                     ShapeToString(in));
  }
  if (in[1] % bs != 0 || in[2] % bs != 0) {
    return ctx.Error(
        "height {} and width {} must be divisible by block_size {}", in[1],
        in[2], bs);
  }
  const int64_t c = in[3] * bs * bs;
  if (c > kMaxDim) return ctx.Error("output depth is too large");
  return ctx.SetOutputShape(
      0, {in[0], static_cast<int32_t>(in[1] / bs),
          static_cast<int32_t>(in[2] / bs), static_cast<int32_t>(c)});
}

// QUANTIZE, DEQUANTIZE: element-wise, output shape = input shape.
Status SameShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  return ctx.SetOutputShape(0, ctx.input(0)->shape);
}

Status DensifyShape(ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 1));
  const Tensor* input = ctx.input(0);
  if (!input->is_constant()) return ctx.Error("input must be constant");
  if (!input->sparsity.has_value()) {
    return ctx.Error("input has no sparsity parameters");
  }
  return ctx.SetOutputShape(0, input->shape);
}

}  // namespace

void RegisterSpatialShapeFns(ShapeFnTable& table) {
  table[OpCode::kPad] = PadShape;
  table[OpCode::kPadv2] = PadShape;
  table[OpCode::kMirrorPad] = MirrorPadShape;
  table[OpCode::kResizeBilinear] = ResizeShape;
  table[OpCode::kResizeNearestNeighbor] = ResizeShape;
  table[OpCode::kDepthToSpace] = DepthToSpaceShape;
  table[OpCode::kSpaceToDepth] = SpaceToDepthShape;
  table[OpCode::kQuantize] = SameShape;
  table[OpCode::kDequantize] = SameShape;
  table[OpCode::kDensify] = DensifyShape;
}

}  // namespace mai::ir

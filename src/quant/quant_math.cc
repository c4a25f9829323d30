#include "quant/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mai::quant {
namespace {

// Number of channels and the element stride between consecutive channels of
// `shape` along `channel_dim`: element i belongs to channel
// (i / inner) % channels.
struct ChannelLayout {
  int64_t channels = 1;
  int64_t inner = 1;
  int64_t total = 0;
};

Result<ChannelLayout> LayoutOf(const Shape& shape, int channel_dim) {
  MAI_ASSIGN_OR_RETURN(int64_t total, NumElements(shape));
  if (channel_dim < 0 || channel_dim >= static_cast<int>(shape.size())) {
    return InvalidArgument("channel dim {} outside weight shape {}",
                           channel_dim, ShapeToString(shape));
  }
  ChannelLayout layout;
  layout.total = total;
  layout.channels = shape[channel_dim];
  for (size_t d = channel_dim + 1; d < shape.size(); ++d) {
    layout.inner *= shape[d];
  }
  return layout;
}

}  // namespace

float RoundHalfAwayFromZero(float x) { return std::round(x); }

AsymmetricParams ChooseInt8Asymmetric(float min, float max) {
  if (!std::isfinite(min)) min = 0.0f;
  if (!std::isfinite(max)) max = 0.0f;
  if (min > max) std::swap(min, max);
  AsymmetricParams p;
  p.min = std::min(min, 0.0f);
  p.max = std::max(max, 0.0f);
  const float qmin = static_cast<float>(kInt8Min);
  const float qmax = static_cast<float>(kInt8Max);
  const float scale = (p.max - p.min) / (qmax - qmin);
  if (!(scale > 0.0f)) {  // all-zero range
    p.scale = 1.0f;
    p.zero_point = kInt8Min;
    return p;
  }
  p.scale = scale;
  const float zero_point_from_min = qmin - p.min / scale;
  if (zero_point_from_min < qmin) {
    p.zero_point = kInt8Min;
  } else if (zero_point_from_min > qmax) {
    p.zero_point = kInt8Max;
  } else {
    p.zero_point = static_cast<int32_t>(std::round(zero_point_from_min));
  }
  return p;
}

int8_t QuantizeInt8(float x, const AsymmetricParams& params) {
  const float q = std::round(x / params.scale) + params.zero_point;
  return static_cast<int8_t>(std::clamp(q, static_cast<float>(kInt8Min),
                                        static_cast<float>(kInt8Max)));
}

float DequantizeInt8(int8_t q, const AsymmetricParams& params) {
  return params.scale * static_cast<float>(q - params.zero_point);
}

Result<std::vector<float>> SymmetricPerChannelScales(const float* w,
                                                     const Shape& shape,
                                                     int channel_dim) {
  MAI_ASSIGN_OR_RETURN(ChannelLayout layout, LayoutOf(shape, channel_dim));
  std::vector<float> half_range(layout.channels, 0.0f);
  for (int64_t i = 0; i < layout.total; ++i) {
    const int64_t c = (i / layout.inner) % layout.channels;
    const float a = std::fabs(w[i]);
    if (!std::isfinite(a)) {
      return InvalidArgument("weight element {} is not finite", i);
    }
    half_range[c] = std::max(half_range[c], a);
  }
  std::vector<float> scales(layout.channels);
  for (int64_t c = 0; c < layout.channels; ++c) {
    scales[c] = half_range[c] > 0.0f
                    ? half_range[c] / static_cast<float>(kWeightQuantMax)
                    : 1.0f;
  }
  return scales;
}

Result<std::vector<int8_t>> QuantizeWeightsPerChannel(
    const float* w, const Shape& shape, int channel_dim,
    const std::vector<float>& scales) {
  MAI_ASSIGN_OR_RETURN(ChannelLayout layout, LayoutOf(shape, channel_dim));
  const bool per_tensor = scales.size() == 1;
  if (!per_tensor && static_cast<int64_t>(scales.size()) != layout.channels) {
    return InvalidArgument("{} weight scales for {} channels", scales.size(),
                           layout.channels);
  }
  std::vector<float> inverse(scales.size());
  for (size_t c = 0; c < scales.size(); ++c) {
    if (!(scales[c] > 0.0f) || !std::isfinite(scales[c])) {
      return InvalidArgument("weight scale {} of channel {} is not positive",
                             scales[c], c);
    }
    inverse[c] = 1.0f / scales[c];
  }
  std::vector<int8_t> q(layout.total);
  for (int64_t i = 0; i < layout.total; ++i) {
    const int64_t c = per_tensor ? 0 : (i / layout.inner) % layout.channels;
    const float v = std::round(w[i] * inverse[c]);
    q[i] =
        static_cast<int8_t>(std::clamp(v, static_cast<float>(-kWeightQuantMax),
                                       static_cast<float>(kWeightQuantMax)));
  }
  return q;
}

std::vector<float> BiasScales(int n, float input_scale,
                              const std::vector<float>& weight_scales) {
  std::vector<float> scales(std::max(n, 0));
  for (int c = 0; c < n; ++c) {
    const float ws =
        weight_scales.size() == 1 ? weight_scales[0] : weight_scales[c];
    scales[c] = input_scale * ws;
  }
  return scales;
}

Result<std::vector<int32_t>> QuantizeBias(
    const float* b, int n, float input_scale,
    const std::vector<float>& weight_scales) {
  if (n < 0) return InvalidArgument("negative bias length {}", n);
  if (weight_scales.size() != 1 &&
      weight_scales.size() != static_cast<size_t>(n)) {
    return InvalidArgument("{} weight scales for a bias of {} values",
                           weight_scales.size(), n);
  }
  const std::vector<float> scales = BiasScales(n, input_scale, weight_scales);
  constexpr double kLimit = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> q(n);
  for (int c = 0; c < n; ++c) {
    const float inverse = scales[c] == 0.0f ? 0.0f : 1.0f / scales[c];
    const double v = std::round(static_cast<double>(b[c] * inverse));
    if (std::isnan(v)) {
      return InvalidArgument("bias element {} is not a number", c);
    }
    q[c] = static_cast<int32_t>(std::clamp(v, -kLimit, kLimit));
  }
  return q;
}

std::optional<AsymmetricParams> FixedOutputRange(ir::OpCode op) {
  auto fixed = [](float scale, int32_t zero_point) {
    AsymmetricParams p;
    p.scale = scale;
    p.zero_point = zero_point;
    p.min = scale * static_cast<float>(kInt8Min - zero_point);
    p.max = scale * static_cast<float>(kInt8Max - zero_point);
    return p;
  };
  switch (op) {
    case ir::OpCode::kLogistic:
    case ir::OpCode::kSoftmax:
      return fixed(1.0f / 256.0f, -128);
    case ir::OpCode::kTanh:
    case ir::OpCode::kL2Normalization:
      return fixed(1.0f / 128.0f, 0);
    case ir::OpCode::kLogSoftmax:
      return fixed(16.0f / 256.0f, 127);
    default:
      return std::nullopt;
  }
}

bool RequiresSameInputOutputQuant(ir::OpCode op) {
  switch (op) {
    case ir::OpCode::kAveragePool2D:
    case ir::OpCode::kMaxPool2D:
    case ir::OpCode::kConcatenation:
    case ir::OpCode::kPack:
    case ir::OpCode::kUnpack:
    case ir::OpCode::kSplit:
    case ir::OpCode::kSplitV:
    case ir::OpCode::kGather:
    case ir::OpCode::kMaximum:
    case ir::OpCode::kMinimum:
    case ir::OpCode::kPad:
    case ir::OpCode::kPadv2:
    case ir::OpCode::kMirrorPad:
    case ir::OpCode::kReshape:
    case ir::OpCode::kSqueeze:
    case ir::OpCode::kExpandDims:
    case ir::OpCode::kTranspose:
    case ir::OpCode::kResizeBilinear:
    case ir::OpCode::kResizeNearestNeighbor:
    case ir::OpCode::kSlice:
    case ir::OpCode::kStridedSlice:
    case ir::OpCode::kSpaceToDepth:
    case ir::OpCode::kDepthToSpace:
    case ir::OpCode::kSpaceToBatchNd:
    case ir::OpCode::kBatchToSpaceNd:
    case ir::OpCode::kReduceMax:
    case ir::OpCode::kReduceMin:
      return true;
    default:
      return false;
  }
}

}  // namespace mai::quant

#include "tflite/quantization.h"

#include <cmath>
#include <limits>

namespace mai::tflite {
namespace {

template <typename Out, typename In>
Status CopyVector(const flatbuffers::Vector<In>* in, std::vector<Out>& out,
                  ReadBudget& budget) {
  if (in == nullptr) return Status::Ok();
  MAI_RETURN_IF_ERROR(budget.Spend(in->size(), sizeof(Out)));
  out.assign(in->begin(), in->end());
  return Status::Ok();
}

// Inclusive zero-point range of a quantized dtype; false for dtypes whose
// zero point mai does not constrain.
bool ZeroPointRange(DType dtype, int64_t& lo, int64_t& hi) {
  switch (dtype) {
    case DType::kInt8:
      lo = -128;
      hi = 127;
      return true;
    case DType::kUInt8:
      lo = 0;
      hi = 255;
      return true;
    case DType::kInt16:
      lo = -32768;
      hi = 32767;
      return true;
    case DType::kInt4:
      lo = -8;
      hi = 7;
      return true;
    case DType::kInt32:
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<ir::QuantParams> ReadQuantization(const fb::QuantizationParameters* q,
                                         ReadBudget& budget) {
  ir::QuantParams quant;
  if (q == nullptr) return quant;
  if (q->details_type() != fb::QuantizationDetails::NONE) {
    return Unimplemented("custom quantization details are not supported");
  }
  MAI_RETURN_IF_ERROR(CopyVector(q->min(), quant.min, budget));
  MAI_RETURN_IF_ERROR(CopyVector(q->max(), quant.max, budget));
  MAI_RETURN_IF_ERROR(CopyVector(q->scale(), quant.scale, budget));
  // Without scales the tensor is not quantized; stray zero points are dropped.
  if (!quant.scale.empty()) {
    MAI_RETURN_IF_ERROR(CopyVector(q->zero_point(), quant.zero_point, budget));
  }
  quant.quantized_dimension = q->quantized_dimension();
  return quant;
}

Status ValidateQuantization(const ir::Tensor& tensor) {
  const ir::QuantParams& q = tensor.quant;
  if (q.scale.empty()) return Status::Ok();
  if (q.zero_point.size() != q.scale.size()) {
    return InvalidModel("quantization has {} scales but {} zero points",
                        q.scale.size(), q.zero_point.size());
  }
  for (size_t i = 0; i < q.scale.size(); ++i) {
    float s = q.scale[i];
    if (!std::isfinite(s) || s < 0.0f) {
      return InvalidModel(
          "quantization scale[{}] = {} is not a finite, non-negative number", i,
          s);
    }
    if (s == 0.0f && !tensor.is_constant()) {
      return InvalidModel(
          "quantization scale[{}] is 0 on a non-constant tensor", i);
    }
  }
  int64_t lo = 0, hi = 0;
  if (ZeroPointRange(tensor.dtype, lo, hi)) {
    for (size_t i = 0; i < q.zero_point.size(); ++i) {
      if (q.zero_point[i] < lo || q.zero_point[i] > hi) {
        return InvalidModel(
            "quantization zero_point[{}] = {} is outside [{}, {}] of {}", i,
            q.zero_point[i], lo, hi, DTypeName(tensor.dtype));
      }
    }
  }
  if (q.per_channel()) {
    int rank = static_cast<int>(tensor.shape.size());
    int dim = q.quantized_dimension;
    if (dim < 0 || dim >= rank) {
      return InvalidModel(
          "quantized_dimension {} is outside the rank {} of shape {}", dim,
          rank, ShapeToString(tensor.shape));
    }
    if (static_cast<int64_t>(q.scale.size()) != tensor.shape[dim]) {
      return InvalidModel(
          "per-channel quantization has {} scales but dimension {} of shape {} "
          "has size {}",
          q.scale.size(), dim, ShapeToString(tensor.shape), tensor.shape[dim]);
    }
  }
  return Status::Ok();
}

flatbuffers::Offset<fb::QuantizationParameters> WriteQuantization(
    flatbuffers::FlatBufferBuilder& fbb, const ir::QuantParams& quant) {
  if (quant.scale.empty() && quant.zero_point.empty() && quant.min.empty() &&
      quant.max.empty()) {
    return 0;
  }
  auto vec_or_null = [&](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    return v.empty() ? flatbuffers::Offset<flatbuffers::Vector<T>>(0)
                     : fbb.CreateVector(v);
  };
  auto min = vec_or_null(quant.min);
  auto max = vec_or_null(quant.max);
  auto scale = vec_or_null(quant.scale);
  auto zero_point = vec_or_null(quant.zero_point);
  return fb::CreateQuantizationParameters(fbb, min, max, scale, zero_point,
                                          fb::QuantizationDetails::NONE, 0,
                                          quant.quantized_dimension);
}

}  // namespace mai::tflite

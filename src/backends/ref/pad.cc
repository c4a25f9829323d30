// PAD and PADV2: constant padding of an N-D tensor.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/ref/spatial_kernels.h"

namespace mai::backends::ref {

Result<std::vector<int64_t>> ReadConstPaddings(const KernelContext& ctx) {
  if (ctx.num_inputs() < 2 || !ctx.input(1).present()) {
    return ctx.Error("missing paddings input");
  }
  const TensorView& in = ctx.input(0);
  const TensorView& out = ctx.output(0);
  const TensorView& paddings = ctx.input(1);
  if (!paddings.tensor->is_constant()) {
    return ctx.Unsupported("paddings must be constant");
  }
  const int rank = in.rank();
  const size_t count = static_cast<size_t>(rank) * 2;
  std::vector<int64_t> pads(count);
  if (paddings.dtype() == DType::kInt32) {
    auto v = paddings.tensor->ConstValues<int32_t>();
    if (v.size() != count)
      return ctx.Error("paddings must hold {} values", count);
    for (size_t i = 0; i < count; ++i) pads[i] = v[i];
  } else if (paddings.dtype() == DType::kInt64) {
    auto v = paddings.tensor->ConstValues<int64_t>();
    if (v.size() != count)
      return ctx.Error("paddings must hold {} values", count);
    for (size_t i = 0; i < count; ++i) pads[i] = v[i];
  } else {
    return ctx.Unsupported("paddings of dtype {} are not supported",
                           DTypeName(paddings.dtype()));
  }
  if (out.rank() != rank) {
    return ctx.Error("output rank {} differs from input rank {}", out.rank(),
                     rank);
  }
  for (int d = 0; d < rank; ++d) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 ||
        in.dim(d) + pads[2 * d] + pads[2 * d + 1] != out.dim(d)) {
      return ctx.Error("output dim {} is {}, expected {} + {} + {}", d,
                       out.dim(d), in.dim(d), pads[2 * d], pads[2 * d + 1]);
    }
  }
  return pads;
}

namespace {

bool IsQuantizedDType(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16;
}

// Stores `value` (a zero point) as one element of dtype `t`.
void StoreInt(DType t, int32_t value, uint8_t* dst) {
  switch (t) {
    case DType::kInt8: {
      int8_t v = static_cast<int8_t>(value);
      std::memcpy(dst, &v, 1);
      break;
    }
    case DType::kUInt8: {
      uint8_t v = static_cast<uint8_t>(value);
      std::memcpy(dst, &v, 1);
      break;
    }
    case DType::kInt16: {
      int16_t v = static_cast<int16_t>(value);
      std::memcpy(dst, &v, 2);
      break;
    }
    default:
      break;
  }
}

class PadKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    elem_ = DTypeSize(in.dtype());
    if (elem_ == 0) return ctx.UnsupportedDType(in.dtype());
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ReadConstPaddings(ctx));

    const int rank = in.rank();
    before_.assign(rank, 0);
    in_dims_.assign(rank, 0);
    out_strides_.assign(rank, 1);
    index_.assign(rank, 0);
    for (int d = 0; d < rank; ++d) {
      before_[d] = pads[2 * d];
      in_dims_[d] = in.dim(d);
    }
    for (int d = rank - 2; d >= 0; --d) {
      out_strides_[d] = out_strides_[d + 1] * out.dim(d + 1);
    }

    // The pad value, as raw bytes of one element.
    pad_value_.assign(elem_, 0);
    value_from_input_ = false;
    const bool has_value = ctx.num_inputs() > 2 && ctx.input(2).present();
    if (has_value) {
      const TensorView& value = ctx.input(2);
      if (value.dtype() != in.dtype() || value.num_elements() != 1) {
        return ctx.Error("constant value must be one {} element",
                         DTypeName(in.dtype()));
      }
      if (IsQuantizedDType(in.dtype()) && !out.quant().empty() &&
          !value.quant().empty() &&
          (value.scale() != out.scale() ||
           value.zero_point() != out.zero_point())) {
        return ctx.Unsupported(
            "constant value must have the output's scale and zero point");
      }
      if (value.tensor->is_constant()) {
        if (value.tensor->data_bytes < elem_) {
          return ctx.Error("constant value has no data");
        }
        std::memcpy(pad_value_.data(), value.tensor->data, elem_);
      } else {
        value_from_input_ = true;
      }
    } else if (IsQuantizedDType(in.dtype()) &&
               (!out.quant().empty() || in.dtype() == DType::kUInt8)) {
      // Quantized tensors pad with the real value 0, i.e. the zero point.
      const int32_t zp = out.quant().empty() ? 0 : out.zero_point();
      if (zp < QuantMin(in.dtype()) || zp > QuantMax(in.dtype())) {
        return ctx.Error("zero point {} is outside the {} range", zp,
                         DTypeName(in.dtype()));
      }
      StoreInt(in.dtype(), zp, pad_value_.data());
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (value_from_input_) {
      std::memcpy(pad_value_.data(), ctx.input(2).data, elem_);
    }
    uint8_t* dst = out.data_as<uint8_t>();
    const uint8_t* src = in.data_as<const uint8_t>();
    const int64_t out_count = out.num_elements();
    for (int64_t i = 0; i < out_count; ++i) {
      std::memcpy(dst + i * elem_, pad_value_.data(), elem_);
    }
    const int64_t in_count = in.num_elements();
    const int rank = in.rank();
    if (in_count == 0) return Status::Ok();
    if (rank == 0) {
      std::memcpy(dst, src, elem_);
      return Status::Ok();
    }
    // Copy the input row by row (a row = the innermost dim).
    const int64_t row = in_dims_[rank - 1];
    const size_t row_bytes = static_cast<size_t>(row) * elem_;
    std::vector<int64_t>& index = index_;
    std::fill(index.begin(), index.end(), 0);
    for (int64_t start = 0; start < in_count; start += row) {
      int64_t offset = before_[rank - 1];
      for (int d = 0; d < rank - 1; ++d) {
        offset += (index[d] + before_[d]) * out_strides_[d];
      }
      std::memcpy(dst + offset * elem_, src + start * elem_, row_bytes);
      for (int d = rank - 2; d >= 0; --d) {
        if (++index[d] < in_dims_[d]) break;
        index[d] = 0;
      }
    }
    return Status::Ok();
  }

 private:
  size_t elem_ = 0;
  std::vector<int64_t> before_, in_dims_, out_strides_;
  std::vector<uint8_t> pad_value_;
  bool value_from_input_ = false;
  std::vector<int64_t> index_;
};

}  // namespace

std::unique_ptr<OpKernel> NewPadKernel() {
  return std::make_unique<PadKernel>();
}

}  // namespace mai::backends::ref

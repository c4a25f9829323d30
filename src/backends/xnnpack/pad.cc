// PAD and PADV2 (constant padding) as row copies, for 1-, 2- and 4-byte
// elements. XNNPACK has a constant_pad_nd operator, but on the pads real
// models have (a few pixels around an image, a few channels appended for a
// residual ADD) it runs one small copy per innermost row through generic
// code and was measured 5-10x slower than this kernel (face_detection: a
// [1,64,64,24] -> [1,64,64,28] channel pad 50 us vs 5 us), so mai pads
// itself:
//
// Trailing dims without padding merge into one contiguous block; the last
// two (merged) dims are W and C. Every output row (all dims before W) is
// either wholly padding or the image of one input row, which is copied as
// [fill before_w pixels][per pixel: fill before_c, copy, fill after_c]
// [fill after_w pixels] (one memcpy for all pixels when C is not padded).
// Rows split over the thread pool; the bytes never depend on the threads.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/ref/spatial_kernels.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/pool_kernels.h"

namespace mai::backends::xnnpack {
namespace {

bool IsQuantizedDType(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16;
}

// Writes `count` elements of `elem` bytes, each equal to the low bytes of
// `value`.
void FillElements(uint8_t* dst, int64_t count, size_t elem, uint32_t value) {
  if (count <= 0) return;
  if (value == 0) {
    std::memset(dst, 0, static_cast<size_t>(count) * elem);
  } else if (elem == 1) {
    std::memset(dst, static_cast<int>(value & 0xff),
                static_cast<size_t>(count));
  } else if (elem == 2) {
    const auto v = static_cast<uint16_t>(value);
    for (int64_t i = 0; i < count; ++i) std::memcpy(dst + 2 * i, &v, 2);
  } else {
    for (int64_t i = 0; i < count; ++i) std::memcpy(dst + 4 * i, &value, 4);
  }
}

class PadKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("PAD expects an input, paddings and one output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("output dtype {} differs from input dtype {}",
                       DTypeName(out.dtype()), DTypeName(in.dtype()));
    }
    elem_ = DTypeSize(in.dtype());
    if (elem_ != 1 && elem_ != 2 && elem_ != 4) {
      return ctx.UnsupportedDType(in.dtype());
    }
    MAI_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                         ref::ReadConstPaddings(ctx));
    MAI_RETURN_IF_ERROR(ReadPadValue(ctx, elem_));
    const int rank = in.rank();
    out_elements_ = out.num_elements();
    in_empty_ = in.num_elements() == 0;
    for (int d = 0; d < rank; ++d) {
      if (out.dim(d) != in.dim(d) + pads[2 * d] + pads[2 * d + 1]) {
        return ctx.Error("output dim {} is {}, expected {}", d, out.dim(d),
                         in.dim(d) + pads[2 * d] + pads[2 * d + 1]);
      }
    }
    // Merge trailing unpadded dims into the one before, down to rank 2.
    std::vector<int64_t> dims(in.shape().begin(), in.shape().end());
    std::vector<int64_t> before(rank), after(rank);
    for (int d = 0; d < rank; ++d) {
      before[d] = pads[2 * d];
      after[d] = pads[2 * d + 1];
    }
    while (dims.size() < 2) {
      dims.insert(dims.begin(), 1);
      before.insert(before.begin(), 0);
      after.insert(after.begin(), 0);
    }
    while (dims.size() > 2 && before.back() == 0 && after.back() == 0) {
      const int64_t inner = dims.back();
      dims.pop_back();
      before.pop_back();
      after.pop_back();
      dims.back() *= inner;
      before.back() *= inner;
      after.back() *= inner;
    }
    const size_t r = dims.size();
    in_c_ = dims[r - 1];
    before_c_ = before[r - 1];
    after_c_ = after[r - 1];
    in_w_ = dims[r - 2];
    before_w_ = before[r - 2];
    after_w_ = after[r - 2];
    out_c_ = in_c_ + before_c_ + after_c_;
    out_w_ = in_w_ + before_w_ + after_w_;
    outer_.clear();
    for (size_t d = 0; d + 2 < r; ++d) {
      outer_.push_back({dims[d], before[d], dims[d] + before[d] + after[d]});
    }
    out_rows_ = 1;
    for (const OuterDim& o : outer_) out_rows_ *= o.out;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    if (out_elements_ == 0) return Status::Ok();
    const auto* in = static_cast<const uint8_t*>(ctx.input(0).data);
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    const int64_t row_bytes = out_w_ * out_c_ * static_cast<int64_t>(elem_);
    fast::ParallelFor(ctx, out_rows_, 2 * row_bytes * out_rows_,
                      [&](int64_t begin, int64_t end) {
                        for (int64_t row = begin; row < end; ++row) {
                          PadRow(in, out, row);
                        }
                      });
    return Status::Ok();
  }

 private:
  struct OuterDim {
    int64_t in = 0, before = 0, out = 0;
  };

  // Output row `row` (row-major index over the outer dims).
  void PadRow(const uint8_t* in, uint8_t* out, int64_t row) const {
    const size_t e = elem_;
    uint8_t* dst = out + static_cast<size_t>(row * out_w_ * out_c_) * e;
    // The input row this output row shows, if any.
    int64_t in_row = 0;
    bool inside = !in_empty_;
    int64_t rest = row;
    int64_t in_stride = 1;
    for (size_t d = outer_.size(); d-- > 0;) {
      const OuterDim& o = outer_[d];
      const int64_t i = rest % o.out - o.before;
      rest /= o.out;
      if (i < 0 || i >= o.in) inside = false;
      in_row += i * in_stride;
      in_stride *= o.in;
    }
    if (!inside) {
      FillElements(dst, out_w_ * out_c_, e, pad_value_);
      return;
    }
    const uint8_t* src = in + static_cast<size_t>(in_row * in_w_ * in_c_) * e;
    FillElements(dst, before_w_ * out_c_, e, pad_value_);
    dst += static_cast<size_t>(before_w_ * out_c_) * e;
    if (before_c_ == 0 && after_c_ == 0) {
      std::memcpy(dst, src, static_cast<size_t>(in_w_ * in_c_) * e);
      dst += static_cast<size_t>(in_w_ * in_c_) * e;
    } else {
      const size_t copy = static_cast<size_t>(in_c_) * e;
      for (int64_t w = 0; w < in_w_; ++w) {
        FillElements(dst, before_c_, e, pad_value_);
        dst += static_cast<size_t>(before_c_) * e;
        std::memcpy(dst, src, copy);
        dst += copy;
        src += copy;
        FillElements(dst, after_c_, e, pad_value_);
        dst += static_cast<size_t>(after_c_) * e;
      }
    }
    FillElements(dst, after_w_ * out_c_, e, pad_value_);
  }

  // The pad value's bytes in the low bytes of pad_value_ (XNNPACK reads an
  // element of its own width from the pointer it is given).
  Status ReadPadValue(const KernelContext& ctx, size_t elem) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    pad_value_ = 0;
    if (ctx.num_inputs() > 2 && ctx.input(2).present()) {
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
      if (!value.tensor->is_constant()) {
        return ctx.Unsupported("the constant value is computed at run time");
      }
      if (value.tensor->data_bytes < elem) {
        return ctx.Error("constant value has no data");
      }
      std::memcpy(&pad_value_, value.tensor->data, elem);
      return Status::Ok();
    }
    if (IsQuantizedDType(in.dtype()) &&
        (!out.quant().empty() || in.dtype() == DType::kUInt8)) {
      // Quantized tensors pad with the real value 0, i.e. the zero point.
      const int32_t zp = out.quant().empty() ? 0 : out.zero_point();
      if (zp < ref::QuantMin(in.dtype()) || zp > ref::QuantMax(in.dtype())) {
        return ctx.Error("zero point {} is outside the {} range", zp,
                         DTypeName(in.dtype()));
      }
      if (elem == 1) {
        const auto v = static_cast<uint8_t>(zp);
        std::memcpy(&pad_value_, &v, 1);
      } else {
        const auto v = static_cast<uint16_t>(zp);
        std::memcpy(&pad_value_, &v, 2);
      }
    }
    return Status::Ok();
  }

  size_t elem_ = 4;
  uint32_t pad_value_ = 0;
  int64_t out_elements_ = 0;
  bool in_empty_ = false;
  int64_t in_c_ = 0, before_c_ = 0, after_c_ = 0, out_c_ = 0;
  int64_t in_w_ = 0, before_w_ = 0, after_w_ = 0, out_w_ = 0;
  std::vector<OuterDim> outer_;
  int64_t out_rows_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnPadKernel() {
  return std::make_unique<PadKernel>();
}

}  // namespace mai::backends::xnnpack

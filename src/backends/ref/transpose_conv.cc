// TRANSPOSE_CONV: inputs (output_shape, weights [O,KH,KW,C], input [N,H,W,C],
// optional bias [O]). Padding is TFLite's: the padding a forward conv from
// the output size to the input size would use (leading half only). float32,
// int8 (per-channel weights along dim 0) and uint8 (per-tensor weights).
#include "backends/ref/conv_util.h"

namespace mai::backends::ref {
namespace {

// Leading padding of one spatial dim, as TFLite's ComputePaddingHeightWidth
// computes it from the output size (C++ truncating division included).
int TransposeConvPad(ir::Padding padding, int out, int filter, int stride) {
  const int64_t conv_out = padding == ir::Padding::kSame
                               ? (int64_t{out} + stride - 1) / stride
                               : (int64_t{out} + stride - filter) / stride;
  const int64_t total = (conv_out - 1) * stride + filter - out;
  return total > 0 ? static_cast<int>(total / 2) : 0;
}

template <typename T>
void TransposeConvQuantized(const TransposeConvGeometry& g, const T* input,
                            const T* weights, const int32_t* bias,
                            const ConvQuant& q, T* output) {
  const int ic_count = g.in_c;
  for (int b = 0; b < g.batches; ++b) {
    const T* in_b =
        input + static_cast<int64_t>(b) * g.in_h * g.in_w * ic_count;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        T* out =
            output +
            ((static_cast<int64_t>(b) * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          int64_t acc = 0;
          for (int fy = 0; fy < g.filter_h; ++fy) {
            const int64_t ty = int64_t{oy} + g.pad_top - fy;
            if (ty < 0) break;
            if (ty % g.stride_h != 0) continue;
            const int iy = static_cast<int>(ty / g.stride_h);
            if (iy >= g.in_h) continue;
            for (int fx = 0; fx < g.filter_w; ++fx) {
              const int64_t tx = int64_t{ox} + g.pad_left - fx;
              if (tx < 0) break;
              if (tx % g.stride_w != 0) continue;
              const int ix = static_cast<int>(tx / g.stride_w);
              if (ix >= g.in_w) continue;
              const T* x =
                  in_b + (static_cast<int64_t>(iy) * g.in_w + ix) * ic_count;
              const T* w =
                  weights +
                  ((static_cast<int64_t>(oc) * g.filter_h + fy) * g.filter_w +
                   fx) *
                      ic_count;
              int64_t sum = 0;
              for (int ic = 0; ic < ic_count; ++ic) {
                sum += (static_cast<int32_t>(w[ic]) + q.filter_offset) *
                       (static_cast<int32_t>(x[ic]) + q.input_offset);
              }
              acc += sum;
            }
          }
          if (bias != nullptr) acc += bias[oc];
          out[oc] = static_cast<T>(Requantize(acc, q.multipliers[oc], q));
        }
      }
    }
  }
}

class TransposeConvKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 3 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 3 or 4 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::TransposeConvParams>();
    if (p == nullptr) return ctx.Error("missing TransposeConvOptions");
    if (p->stride_h < 1 || p->stride_w < 1) {
      return ctx.Error("strides must be >= 1, got {}x{}", p->stride_h,
                       p->stride_w);
    }
    const TensorView& weights = ctx.input(1);
    const TensorView& input = ctx.input(2);
    const TensorView* bias = ctx.num_inputs() > 3 ? &ctx.input(3) : nullptr;
    const TensorView& output = ctx.output(0);
    if (weights.rank() != 4 || input.rank() != 4 || output.rank() != 4) {
      return ctx.Error("weights, input and output must have rank 4");
    }
    TransposeConvGeometry& g = geometry_;
    g.batches = input.dim(0);
    g.in_h = input.dim(1);
    g.in_w = input.dim(2);
    g.in_c = input.dim(3);
    g.filter_h = weights.dim(1);
    g.filter_w = weights.dim(2);
    g.out_h = output.dim(1);
    g.out_w = output.dim(2);
    g.out_c = output.dim(3);
    g.stride_h = p->stride_h;
    g.stride_w = p->stride_w;
    if (weights.dim(0) != g.out_c || weights.dim(3) != g.in_c ||
        output.dim(0) != g.batches) {
      return ctx.Error("weights {} do not fit input {} and output {}",
                       ShapeToString(weights.shape()),
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()));
    }
    if (bias != nullptr && bias->present() && bias->num_elements() != g.out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), g.out_c);
    }
    g.pad_top = TransposeConvPad(p->padding, g.out_h, g.filter_h, g.stride_h);
    g.pad_left = TransposeConvPad(p->padding, g.out_w, g.filter_w, g.stride_w);
    dtype_ = input.dtype();
    if (dtype_ == DType::kFloat32) {
      MAI_ASSIGN_OR_RETURN(range_, PrepareFloat(ctx, input, weights, bias,
                                                output, p->activation));
      return Status::Ok();
    }
    MAI_ASSIGN_OR_RETURN(
        quant_, PrepareConvQuant(ctx, input, weights, bias, output, g.out_c,
                                 /*channel_dim=*/0, p->activation));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& weights = ctx.input(1);
    const TensorView& input = ctx.input(2);
    const bool has_bias = ctx.num_inputs() > 3 && ctx.input(3).present();
    const TensorView& output = ctx.output(0);
    switch (dtype_) {
      case DType::kFloat32:
        TransposeConvFloat(
            geometry_, input.data_as<const float>(),
            weights.data_as<const float>(),
            has_bias ? ctx.input(3).data_as<const float>() : nullptr, range_,
            output.data_as<float>());
        return Status::Ok();
      case DType::kInt8:
        TransposeConvQuantized(
            geometry_, input.data_as<const int8_t>(),
            weights.data_as<const int8_t>(),
            has_bias ? ctx.input(3).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<int8_t>());
        return Status::Ok();
      case DType::kUInt8:
        TransposeConvQuantized(
            geometry_, input.data_as<const uint8_t>(),
            weights.data_as<const uint8_t>(),
            has_bias ? ctx.input(3).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<uint8_t>());
        return Status::Ok();
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  TransposeConvGeometry geometry_;
  DType dtype_ = DType::kFloat32;
  FloatRange range_;
  ConvQuant quant_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateTransposeConvKernel() {
  return std::make_unique<TransposeConvKernel>();
}

}  // namespace mai::backends::ref

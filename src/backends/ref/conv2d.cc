// CONV_2D: input [N,H,W,C], filter [O,KH,KW,C/groups], optional bias [O].
// float32, int8 (per-channel weights) and uint8 (per-tensor weights).
#include "backends/ref/conv_util.h"

namespace mai::backends::ref {
namespace {

// Calls fn(out_index, oc, taps) for every output element, where taps(visit)
// calls visit(input_offset, filter_offset, count) for each in-bounds filter
// tap: `count` contiguous channels starting at those element offsets.
template <typename Fn>
void ForEachOutput(const ConvGeometry& g, Fn&& fn) {
  const int oc_per_group = g.out_c / (g.in_c / g.filter_c);
  for (int b = 0; b < g.batches; ++b) {
    for (int oy = 0; oy < g.out_h; ++oy) {
      const int iy0 = oy * g.stride_h - g.pad_top;
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ix0 = ox * g.stride_w - g.pad_left;
        const int64_t out_base =
            ((static_cast<int64_t>(b) * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          const int64_t ic0 =
              static_cast<int64_t>(oc / oc_per_group) * g.filter_c;
          auto taps = [&](auto&& visit) {
            for (int fy = 0; fy < g.filter_h; ++fy) {
              const int iy = iy0 + fy * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int fx = 0; fx < g.filter_w; ++fx) {
                const int ix = ix0 + fx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                const int64_t in_off =
                    ((static_cast<int64_t>(b) * g.in_h + iy) * g.in_w + ix) *
                        g.in_c +
                    ic0;
                const int64_t f_off =
                    ((static_cast<int64_t>(oc) * g.filter_h + fy) * g.filter_w +
                     fx) *
                    g.filter_c;
                visit(in_off, f_off, g.filter_c);
              }
            }
          };
          fn(out_base + oc, oc, taps);
        }
      }
    }
  }
}

void ConvFloat(const ConvGeometry& g, const float* input, const float* filter,
               const float* bias, FloatRange range, float* output) {
  ForEachOutput(g, [&](int64_t out_index, int oc, auto&& taps) {
    float acc = 0.0f;
    taps([&](int64_t in_off, int64_t f_off, int count) {
      const float* x = input + in_off;
      const float* w = filter + f_off;
      for (int i = 0; i < count; ++i) acc += x[i] * w[i];
    });
    if (bias != nullptr) acc += bias[oc];
    output[out_index] = ApplyRange(acc, range);
  });
}

template <typename T>
void ConvQuantized(const ConvGeometry& g, const T* input, const T* filter,
                   const int32_t* bias, const ConvQuant& q, T* output) {
  ForEachOutput(g, [&](int64_t out_index, int oc, auto&& taps) {
    int64_t acc = 0;
    taps([&](int64_t in_off, int64_t f_off, int count) {
      const T* x = input + in_off;
      const T* w = filter + f_off;
      int64_t sum = 0;
      for (int i = 0; i < count; ++i) {
        sum += (static_cast<int32_t>(w[i]) + q.filter_offset) *
               (static_cast<int32_t>(x[i]) + q.input_offset);
      }
      acc += sum;
    });
    if (bias != nullptr) acc += bias[oc];
    output[out_index] = static_cast<T>(Requantize(acc, q.multipliers[oc], q));
  });
}

class Conv2DKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 or 3 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::Conv2DParams>();
    if (p == nullptr) return ctx.Error("missing Conv2DOptions");
    const TensorView& input = ctx.input(0);
    const TensorView& filter = ctx.input(1);
    const TensorView* bias = ctx.num_inputs() > 2 ? &ctx.input(2) : nullptr;
    const TensorView& output = ctx.output(0);
    MAI_ASSIGN_OR_RETURN(geometry_, MakeConvGeometry(ctx, input, filter, output,
                                                     ConvWindowOf(*p)));
    const ConvGeometry& g = geometry_;
    if (g.filter_c < 1 || g.in_c % g.filter_c != 0 ||
        filter.dim(0) != g.out_c || g.out_c % (g.in_c / g.filter_c) != 0) {
      return ctx.Error("filter {} does not fit input {} and output {}",
                       ShapeToString(filter.shape()),
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()));
    }
    if (bias != nullptr && bias->present() && bias->num_elements() != g.out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), g.out_c);
    }
    dtype_ = input.dtype();
    if (dtype_ == DType::kFloat32) {
      MAI_ASSIGN_OR_RETURN(range_, PrepareFloat(ctx, input, filter, bias,
                                                output, p->activation));
      return Status::Ok();
    }
    MAI_ASSIGN_OR_RETURN(
        quant_, PrepareConvQuant(ctx, input, filter, bias, output, g.out_c,
                                 /*channel_dim=*/0, p->activation));
    quant_.rounding = ConvRounding::kRuy;  // TFLite runs it through ruy
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& input = ctx.input(0);
    const TensorView& filter = ctx.input(1);
    const bool has_bias = ctx.num_inputs() > 2 && ctx.input(2).present();
    const TensorView& output = ctx.output(0);
    switch (dtype_) {
      case DType::kFloat32:
        ConvFloat(geometry_, input.data_as<const float>(),
                  filter.data_as<const float>(),
                  has_bias ? ctx.input(2).data_as<const float>() : nullptr,
                  range_, output.data_as<float>());
        return Status::Ok();
      case DType::kInt8:
        ConvQuantized(
            geometry_, input.data_as<const int8_t>(),
            filter.data_as<const int8_t>(),
            has_bias ? ctx.input(2).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<int8_t>());
        return Status::Ok();
      case DType::kUInt8:
        ConvQuantized(
            geometry_, input.data_as<const uint8_t>(),
            filter.data_as<const uint8_t>(),
            has_bias ? ctx.input(2).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<uint8_t>());
        return Status::Ok();
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  ConvGeometry geometry_;
  DType dtype_ = DType::kFloat32;
  FloatRange range_;
  ConvQuant quant_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateConv2DKernel() {
  return std::make_unique<Conv2DKernel>();
}

}  // namespace mai::backends::ref

#include "backends/ref/conv_util.h"

#include <cmath>
#include <limits>

namespace mai::backends::ref {
namespace {

bool ValidScale(float s) { return std::isfinite(s) && s > 0.0f; }

}  // namespace

Result<FloatRange> PrepareFloat(const KernelContext& ctx,
                                const TensorView& input,
                                const TensorView& filter,
                                const TensorView* bias,
                                const TensorView& output,
                                ir::Activation activation) {
  if (input.dtype() != DType::kFloat32 || output.dtype() != DType::kFloat32) {
    return ctx.UnsupportedDType(input.dtype());
  }
  if (filter.dtype() != DType::kFloat32) {
    return ctx.Unsupported("float32 input with {} weights is not supported",
                           DTypeName(filter.dtype()));
  }
  if (bias != nullptr && bias->present() && bias->dtype() != DType::kFloat32) {
    return ctx.Unsupported("float32 op with {} bias is not supported",
                           DTypeName(bias->dtype()));
  }
  auto range = ActivationRangeFloat(activation);
  if (!range.ok()) return ctx.Unsupported("{}", range.status().message());
  return range;
}

Result<ConvQuant> PrepareConvQuant(const KernelContext& ctx,
                                   const TensorView& input,
                                   const TensorView& filter,
                                   const TensorView* bias,
                                   const TensorView& output, int channels,
                                   int channel_dim, ir::Activation activation) {
  const DType dtype = input.dtype();
  if (dtype != DType::kInt8 && dtype != DType::kUInt8) {
    return ctx.UnsupportedDType(dtype);
  }
  if (output.dtype() != dtype) {
    return ctx.Unsupported("{} input with {} output is not supported",
                           DTypeName(dtype), DTypeName(output.dtype()));
  }
  if (filter.dtype() != dtype) {
    return ctx.Unsupported("{} input with {} weights is not supported",
                           DTypeName(dtype), DTypeName(filter.dtype()));
  }
  if (input.quant().empty() || output.quant().empty() ||
      filter.quant().empty()) {
    return ctx.Error("quantized op needs scales on input, weights and output");
  }
  const float input_scale = input.scale();
  const float output_scale = output.scale();
  if (!ValidScale(input_scale) || !ValidScale(output_scale)) {
    return ctx.Error("invalid input/output scale {} / {}", input_scale,
                     output_scale);
  }
  const ir::QuantParams& fq = filter.quant();
  const int num_scales = static_cast<int>(fq.scale.size());
  if (num_scales != 1 && num_scales != channels) {
    return ctx.Error("weights have {} scales for {} output channels",
                     num_scales, channels);
  }
  if (num_scales > 1 && fq.quantized_dimension != channel_dim) {
    return ctx.Error(
        "per-channel weights must be quantized along dimension {}, "
        "not {}",
        channel_dim, fq.quantized_dimension);
  }
  for (float s : fq.scale) {
    if (!ValidScale(s)) return ctx.Error("invalid weights scale {}", s);
  }

  ConvQuant q;
  q.input_offset = -input.zero_point();
  q.output_offset = output.zero_point();
  if (dtype == DType::kInt8) {
    for (int64_t zp : fq.zero_point) {
      if (zp != 0) {
        return ctx.Unsupported("int8 weights with zero point {} (must be 0)",
                               zp);
      }
    }
    q.filter_offset = 0;
  } else {
    if (num_scales != 1) {
      return ctx.Unsupported("per-channel uint8 weights are not supported");
    }
    q.filter_offset = -filter.zero_point();
  }
  if (bias != nullptr && bias->present()) {
    if (bias->dtype() != DType::kInt32) {
      return ctx.Unsupported(
          "{} op with {} bias is not supported (needs int32)", DTypeName(dtype),
          DTypeName(bias->dtype()));
    }
    if (bias->num_elements() != channels) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), channels);
    }
  }
  q.multipliers.resize(channels);
  for (int c = 0; c < channels; ++c) {
    const double filter_scale = fq.scale[num_scales == 1 ? 0 : c];
    const double real = static_cast<double>(input_scale) * filter_scale /
                        static_cast<double>(output_scale);
    q.multipliers[c] = QuantizeMultiplier(real);
  }
  auto range = ActivationRangeQuantized(activation, dtype, output_scale,
                                        q.output_offset);
  if (!range.ok()) return ctx.Unsupported("{}", range.status().message());
  q.range = *range;
  return q;
}

Result<ConvGeometry> MakeConvGeometry(const KernelContext& ctx,
                                      const TensorView& input,
                                      const TensorView& filter,
                                      const TensorView& output,
                                      const ConvWindow& window) {
  const int stride_h = window.stride_h, stride_w = window.stride_w;
  const int dilation_h = window.dilation_h, dilation_w = window.dilation_w;
  if (input.rank() != 4 || filter.rank() != 4 || output.rank() != 4) {
    return ctx.Error("input, filter and output must have rank 4");
  }
  ConvGeometry g;
  g.batches = input.dim(0);
  g.in_h = input.dim(1);
  g.in_w = input.dim(2);
  g.in_c = input.dim(3);
  g.filter_h = filter.dim(1);
  g.filter_w = filter.dim(2);
  g.filter_c = filter.dim(3);
  g.out_c = output.dim(3);
  g.stride_h = stride_h;
  g.stride_w = stride_w;
  g.dilation_h = dilation_h;
  g.dilation_w = dilation_w;
  auto h = ir::ComputePaddedDim(window.padding, g.in_h, g.filter_h, stride_h,
                                dilation_h, window.explicit_padding.top,
                                window.explicit_padding.bottom);
  if (!h.ok()) return ctx.Error("{}", h.status().message());
  auto w = ir::ComputePaddedDim(window.padding, g.in_w, g.filter_w, stride_w,
                                dilation_w, window.explicit_padding.left,
                                window.explicit_padding.right);
  if (!w.ok()) return ctx.Error("{}", w.status().message());
  // Every input coordinate a tap reaches must fit int (hostile strides and
  // dilations otherwise overflow the index arithmetic).
  const int64_t extent_h =
      int64_t{h->out - 1} * stride_h + int64_t{g.filter_h - 1} * dilation_h + 1;
  const int64_t extent_w =
      int64_t{w->out - 1} * stride_w + int64_t{g.filter_w - 1} * dilation_w + 1;
  if (extent_h > std::numeric_limits<int32_t>::max() ||
      extent_w > std::numeric_limits<int32_t>::max()) {
    return ctx.Error("window extent {}x{} is too large", extent_h, extent_w);
  }
  g.out_h = h->out;
  g.out_w = w->out;
  g.pad_top = h->pad_before;
  g.pad_left = w->pad_before;
  g.pad_bottom = h->pad_after();
  g.pad_right = w->pad_after();
  if (output.dim(0) != g.batches || output.dim(1) != g.out_h ||
      output.dim(2) != g.out_w) {
    return ctx.Error("output shape {} does not match the window output {}x{}",
                     ShapeToString(output.shape()), g.out_h, g.out_w);
  }
  return g;
}

void TransposeConvFloat(const TransposeConvGeometry& g, const float* input,
                        const float* weights, const float* bias,
                        FloatRange range, float* output) {
  const int ic_count = g.in_c;
  for (int b = 0; b < g.batches; ++b) {
    const float* in_b =
        input + static_cast<int64_t>(b) * g.in_h * g.in_w * ic_count;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        float* out =
            output +
            ((static_cast<int64_t>(b) * g.out_h + oy) * g.out_w + ox) * g.out_c;
        for (int oc = 0; oc < g.out_c; ++oc) {
          float acc = 0.0f;
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
              const float* in =
                  in_b + (static_cast<int64_t>(iy) * g.in_w + ix) * ic_count;
              const float* w =
                  weights +
                  ((static_cast<int64_t>(oc) * g.filter_h + fy) * g.filter_w +
                   fx) *
                      ic_count;
              for (int ic = 0; ic < ic_count; ++ic) acc += in[ic] * w[ic];
            }
          }
          if (bias != nullptr) acc += bias[oc];
          out[oc] = ApplyRange(acc, range);
        }
      }
    }
  }
}

}  // namespace mai::backends::ref

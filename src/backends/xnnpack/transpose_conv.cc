// TRANSPOSE_CONV on XNNPACK (a deconvolution): inputs (output_shape,
// weights [O,KH,KW,C] (OHWI, XNNPACK's layout as is), input [N,H,W,C],
// optional bias [O]).
//
// Geometry: output row oy receives input row iy through tap fy when
// oy = iy * stride - pad_top + fy, with TFLite's pad_top (computed from the
// output size). XNNPACK crops pad_top rows before and pad_bottom rows after
// the full stride * (H - 1) + KH rows and may add up to stride - 1
// "adjustment" rows at the end, so any output height with
//   stride * (H - 1) + KH - pad_top - OH > -stride
// maps; anything else is declined. Same for the width. int8 weights with
// per-channel scales are declined unless the scales agree (XNNPACK's qs8
// deconvolution takes one scale).
//
// MediaPipe's Convolution2DTransposeBias (float32 only) is the same
// deconvolution with MediaPipe's output size: the SAME padding
// max(0, K - (H - 1) % stride - 1) is cropped, its half before.
#include <algorithm>
#include <limits>

#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "backends/xnnpack/xnn_conv_util.h"

namespace mai::backends::xnnpack {
namespace {

// TFLite's leading padding of one spatial dim, from the output size.
int64_t TransposeConvPadBefore(ir::Padding padding, int out, int filter,
                               int stride) {
  const int64_t conv_out = padding == ir::Padding::kSame
                               ? (int64_t{out} + stride - 1) / stride
                               : (int64_t{out} + stride - filter) / stride;
  const int64_t total = (conv_out - 1) * stride + filter - out;
  return total > 0 ? total / 2 : 0;
}

struct DeconvDim {
  uint32_t pad_before = 0, pad_after = 0, adjustment = 0;
};

// XNNPACK's cropping and adjustment of one dim, if the output size maps.
bool MapDeconvDim(int64_t in, int64_t filter, int64_t stride, int64_t out,
                  int64_t pad_before, DeconvDim& d) {
  const int64_t full = stride * (in - 1) + filter;
  const int64_t after = full - pad_before - out;
  if (pad_before > UINT32_MAX || after > UINT32_MAX || -after >= stride) {
    return false;
  }
  d.pad_before = static_cast<uint32_t>(pad_before);
  d.pad_after = after > 0 ? static_cast<uint32_t>(after) : 0;
  d.adjustment = after < 0 ? static_cast<uint32_t>(-after) : 0;
  return true;
}

class XnnTransposeConvKernel : public OpKernel {
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
    const int batches = input.dim(0), in_h = input.dim(1), in_w = input.dim(2),
              in_c = input.dim(3);
    const int filter_h = weights.dim(1), filter_w = weights.dim(2);
    const int out_h = output.dim(1), out_w = output.dim(2),
              out_c = output.dim(3);
    if (weights.dim(0) != out_c || weights.dim(3) != in_c ||
        output.dim(0) != batches) {
      return ctx.Error("weights {} do not fit input {} and output {}",
                       ShapeToString(weights.shape()),
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()));
    }
    if (bias != nullptr && bias->present() && bias->num_elements() != out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), out_c);
    }
    XnnConvSpec spec;
    spec.kind = XnnConvSpec::Kind::kDeconvolution;
    MAI_RETURN_IF_ERROR(FillXnnConvSpec(ctx, input, weights, bias, output,
                                        out_c, /*channel_dim=*/0, p->activation,
                                        spec));
    const bool empty = output.num_elements() == 0;
    DeconvDim h, w;
    if (!empty) {
      if (in_h < 1 || in_w < 1 || filter_h < 1 || filter_w < 1) {
        return ctx.Unsupported("empty input {} or weights {}",
                               ShapeToString(input.shape()),
                               ShapeToString(weights.shape()));
      }
      if (!MapDeconvDim(
              in_h, filter_h, p->stride_h, out_h,
              TransposeConvPadBefore(p->padding, out_h, filter_h, p->stride_h),
              h) ||
          !MapDeconvDim(
              in_w, filter_w, p->stride_w, out_w,
              TransposeConvPadBefore(p->padding, out_w, filter_w, p->stride_w),
              w)) {
        return ctx.Unsupported(
            "output {}x{} is not reachable by an XNNPACK deconvolution of "
            "input {}x{} (kernel {}x{}, stride {}x{})",
            out_h, out_w, in_h, in_w, filter_h, filter_w, p->stride_h,
            p->stride_w);
      }
    }
    spec.pad_top = h.pad_before;
    spec.pad_bottom = h.pad_after;
    spec.pad_left = w.pad_before;
    spec.pad_right = w.pad_after;
    spec.kernel_h = static_cast<uint32_t>(filter_h);
    spec.kernel_w = static_cast<uint32_t>(filter_w);
    spec.stride_h = static_cast<uint32_t>(p->stride_h);
    spec.stride_w = static_cast<uint32_t>(p->stride_w);
    spec.groups = 1;
    spec.group_input_channels = static_cast<size_t>(in_c);
    spec.group_output_channels = static_cast<size_t>(out_c);
    return runner_.Prepare(ctx, spec, batches, in_h, in_w, h.adjustment,
                           w.adjustment, input.data, output.data, empty);
  }

  Status Invoke(const KernelContext& ctx) override { return runner_.Run(ctx); }

 private:
  XnnConvRunner runner_;
};

class XnnTransposeConvBiasKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 3 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 3 inputs and 1 output");
    }
    const TensorView& input = ctx.input(0);
    const TensorView& weights = ctx.input(1);
    const TensorView& bias = ctx.input(2);
    const TensorView& output = ctx.output(0);
    if (!bias.present()) return ctx.Error("bias is required");
    auto o =
        ref::mediapipe::ParseTransposeConvBiasOptions(ctx.node->custom_options);
    if (!o.ok()) return ctx.Error("{}", o.status().message());
    if (input.rank() != 4 || weights.rank() != 4 || bias.rank() != 1 ||
        output.rank() != 4 || input.dim(3) != weights.dim(3) ||
        bias.dim(0) != weights.dim(0)) {
      return ctx.Error("input {}, weights {}, bias {} do not fit",
                       ShapeToString(input.shape()),
                       ShapeToString(weights.shape()),
                       ShapeToString(bias.shape()));
    }
    for (const TensorView* t : {&input, &weights, &bias, &output}) {
      if (t->dtype() != DType::kFloat32) {
        return ctx.UnsupportedDType(t->dtype());
      }
    }
    const int64_t in_h = input.dim(1), in_w = input.dim(2);
    const int64_t filter_h = weights.dim(1), filter_w = weights.dim(2);
    if (in_h < 1 || in_w < 1 || filter_h < 1 || filter_w < 1) {
      return ctx.Error("needs non-empty input {} and weights {}",
                       ShapeToString(input.shape()),
                       ShapeToString(weights.shape()));
    }
    auto pad_total = [&](int64_t in, int64_t filter, int64_t stride) {
      return o->same ? std::max<int64_t>(0, filter - (in - 1) % stride - 1)
                     : int64_t{0};
    };
    const int64_t pad_h = pad_total(in_h, filter_h, o->stride_h);
    const int64_t pad_w = pad_total(in_w, filter_w, o->stride_w);
    const Shape expected = {
        input.dim(0),
        static_cast<int32_t>(o->stride_h * (in_h - 1) + filter_h - pad_h),
        static_cast<int32_t>(o->stride_w * (in_w - 1) + filter_w - pad_w),
        weights.dim(0)};
    if (output.shape() != expected) {
      return ctx.Error("output shape {} differs from {}",
                       ShapeToString(output.shape()), ShapeToString(expected));
    }
    XnnConvSpec spec;
    spec.kind = XnnConvSpec::Kind::kDeconvolution;
    spec.dtype = DType::kFloat32;
    MAI_RETURN_IF_ERROR(RequireConstant(ctx, weights, "weights"));
    MAI_RETURN_IF_ERROR(RequireConstant(ctx, bias, "bias"));
    spec.kernel = weights.data;
    spec.bias = bias.data;
    spec.output_min = -std::numeric_limits<float>::infinity();
    spec.output_max = std::numeric_limits<float>::infinity();
    spec.pad_top = static_cast<uint32_t>(pad_h / 2);
    spec.pad_bottom = static_cast<uint32_t>(pad_h - pad_h / 2);
    spec.pad_left = static_cast<uint32_t>(pad_w / 2);
    spec.pad_right = static_cast<uint32_t>(pad_w - pad_w / 2);
    spec.kernel_h = static_cast<uint32_t>(filter_h);
    spec.kernel_w = static_cast<uint32_t>(filter_w);
    spec.stride_h = static_cast<uint32_t>(o->stride_h);
    spec.stride_w = static_cast<uint32_t>(o->stride_w);
    spec.groups = 1;
    spec.group_input_channels = static_cast<size_t>(input.dim(3));
    spec.group_output_channels = static_cast<size_t>(weights.dim(0));
    return runner_.Prepare(ctx, spec, input.dim(0), in_h, in_w, 0, 0,
                           input.data, output.data, output.num_elements() == 0);
  }

  Status Invoke(const KernelContext& ctx) override { return runner_.Run(ctx); }

 private:
  XnnConvRunner runner_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateXnnTransposeConvKernel() {
  return std::make_unique<XnnTransposeConvKernel>();
}

std::unique_ptr<OpKernel> CreateXnnTransposeConvBiasKernel() {
  return std::make_unique<XnnTransposeConvBiasKernel>();
}

}  // namespace mai::backends::xnnpack

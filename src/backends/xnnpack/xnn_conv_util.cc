#include "backends/xnnpack/xnn_conv_util.h"

#include <algorithm>

#include "backends/ref/conv_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

Status CreateConvolution(const KernelContext& ctx, const XnnConvSpec& s,
                         xnn_operator_t* op) {
  const size_t in_stride = s.groups * s.group_input_channels;
  const size_t out_stride = s.groups * s.group_output_channels;
  switch (s.dtype) {
    case DType::kFloat32:
      return XnnStatus(
          ctx,
          xnn_create_convolution2d_nhwc_f32(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<const float*>(s.kernel),
              static_cast<const float*>(s.bias), s.output_min, s.output_max,
              s.flags, op),
          "xnn_create_convolution2d_nhwc_f32");
    case DType::kInt8: {
      // qc8 takes one scale per output channel; replicate a per-tensor one.
      std::vector<float> scales = s.kernel_scales;
      if (scales.size() == 1) scales.resize(out_stride, scales[0]);
      if (scales.size() != out_stride) {
        return ctx.Error("{} weight scales for {} output channels",
                         scales.size(), out_stride);
      }
      return XnnStatus(
          ctx,
          xnn_create_convolution2d_nhwc_qc8(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<int8_t>(s.input_zero_point),
              s.input_scale, scales.data(),
              static_cast<const int8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<int8_t>(s.output_zero_point), s.output_scale,
              static_cast<int8_t>(s.quant_min),
              static_cast<int8_t>(s.quant_max), s.flags, op),
          "xnn_create_convolution2d_nhwc_qc8");
    }
    case DType::kUInt8:
      return XnnStatus(
          ctx,
          xnn_create_convolution2d_nhwc_qu8(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<uint8_t>(s.input_zero_point),
              s.input_scale, static_cast<uint8_t>(s.kernel_zero_point),
              s.kernel_scales.at(0), static_cast<const uint8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<uint8_t>(s.output_zero_point), s.output_scale,
              static_cast<uint8_t>(s.quant_min),
              static_cast<uint8_t>(s.quant_max), s.flags, op),
          "xnn_create_convolution2d_nhwc_qu8");
    default:
      return ctx.UnsupportedDType(s.dtype);
  }
}

Status CreateDeconvolution(const KernelContext& ctx, const XnnConvSpec& s,
                           xnn_operator_t* op) {
  const size_t in_stride = s.groups * s.group_input_channels;
  const size_t out_stride = s.groups * s.group_output_channels;
  if (s.dtype != DType::kFloat32 &&
      std::any_of(s.kernel_scales.begin(), s.kernel_scales.end(),
                  [&](float v) { return v != s.kernel_scales[0]; })) {
    return ctx.Unsupported(
        "XNNPACK deconvolutions take one weight scale, not per-channel "
        "scales");
  }
  switch (s.dtype) {
    case DType::kFloat32:
      return XnnStatus(
          ctx,
          xnn_create_deconvolution2d_nhwc_f32(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<const float*>(s.kernel),
              static_cast<const float*>(s.bias), s.output_min, s.output_max,
              s.flags, op),
          "xnn_create_deconvolution2d_nhwc_f32");
    case DType::kInt8:
      return XnnStatus(
          ctx,
          xnn_create_deconvolution2d_nhwc_qs8(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<int8_t>(s.input_zero_point),
              s.input_scale, s.kernel_scales.at(0),
              static_cast<const int8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<int8_t>(s.output_zero_point), s.output_scale,
              static_cast<int8_t>(s.quant_min),
              static_cast<int8_t>(s.quant_max), s.flags, op),
          "xnn_create_deconvolution2d_nhwc_qs8");
    case DType::kUInt8:
      return XnnStatus(
          ctx,
          xnn_create_deconvolution2d_nhwc_qu8(
              s.pad_top, s.pad_right, s.pad_bottom, s.pad_left, s.kernel_h,
              s.kernel_w, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
              s.groups, s.group_input_channels, s.group_output_channels,
              in_stride, out_stride, static_cast<uint8_t>(s.input_zero_point),
              s.input_scale, static_cast<uint8_t>(s.kernel_zero_point),
              s.kernel_scales.at(0), static_cast<const uint8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<uint8_t>(s.output_zero_point), s.output_scale,
              static_cast<uint8_t>(s.quant_min),
              static_cast<uint8_t>(s.quant_max), s.flags, op),
          "xnn_create_deconvolution2d_nhwc_qu8");
    default:
      return ctx.UnsupportedDType(s.dtype);
  }
}

Status CreateFullyConnected(const KernelContext& ctx, const XnnConvSpec& s,
                            xnn_operator_t* op) {
  const size_t in_c = s.group_input_channels;
  const size_t out_c = s.group_output_channels;
  if (s.dtype != DType::kFloat32 &&
      std::any_of(s.kernel_scales.begin(), s.kernel_scales.end(),
                  [&](float v) { return v != s.kernel_scales[0]; })) {
    return ctx.Unsupported(
        "XNNPACK fully connected operators take one weight scale");
  }
  switch (s.dtype) {
    case DType::kFloat32:
      return XnnStatus(
          ctx,
          xnn_create_fully_connected_nc_f32(
              in_c, out_c, in_c, out_c, static_cast<const float*>(s.kernel),
              static_cast<const float*>(s.bias), s.output_min, s.output_max,
              s.flags, op),
          "xnn_create_fully_connected_nc_f32");
    case DType::kInt8:
      return XnnStatus(
          ctx,
          xnn_create_fully_connected_nc_qs8(
              in_c, out_c, in_c, out_c, static_cast<int8_t>(s.input_zero_point),
              s.input_scale, s.kernel_scales.at(0),
              static_cast<const int8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<int8_t>(s.output_zero_point), s.output_scale,
              static_cast<int8_t>(s.quant_min),
              static_cast<int8_t>(s.quant_max), s.flags, op),
          "xnn_create_fully_connected_nc_qs8");
    case DType::kUInt8:
      return XnnStatus(
          ctx,
          xnn_create_fully_connected_nc_qu8(
              in_c, out_c, in_c, out_c,
              static_cast<uint8_t>(s.input_zero_point), s.input_scale,
              static_cast<uint8_t>(s.kernel_zero_point), s.kernel_scales.at(0),
              static_cast<const uint8_t*>(s.kernel),
              static_cast<const int32_t*>(s.bias),
              static_cast<uint8_t>(s.output_zero_point), s.output_scale,
              static_cast<uint8_t>(s.quant_min),
              static_cast<uint8_t>(s.quant_max), s.flags, op),
          "xnn_create_fully_connected_nc_qu8");
    default:
      return ctx.UnsupportedDType(s.dtype);
  }
}

Status SetupFullyConnected(const KernelContext& ctx, xnn_operator_t op,
                           DType dtype, size_t rows, const void* input,
                           void* output) {
  pthreadpool_t pool = XnnThreadpool(ctx);
  switch (dtype) {
    case DType::kFloat32:
      return XnnStatus(ctx,
                       xnn_setup_fully_connected_nc_f32(
                           op, rows, static_cast<const float*>(input),
                           static_cast<float*>(output), pool),
                       "xnn_setup_fully_connected_nc_f32");
    case DType::kInt8:
      return XnnStatus(ctx,
                       xnn_setup_fully_connected_nc_qs8(
                           op, rows, static_cast<const int8_t*>(input),
                           static_cast<int8_t*>(output), pool),
                       "xnn_setup_fully_connected_nc_qs8");
    case DType::kUInt8:
      return XnnStatus(ctx,
                       xnn_setup_fully_connected_nc_qu8(
                           op, rows, static_cast<const uint8_t*>(input),
                           static_cast<uint8_t*>(output), pool),
                       "xnn_setup_fully_connected_nc_qu8");
    default:
      return ctx.UnsupportedDType(dtype);
  }
}

Status SetupConvolution(const KernelContext& ctx, xnn_operator_t op,
                        DType dtype, size_t batch, size_t h, size_t w,
                        const void* input, void* output) {
  pthreadpool_t pool = XnnThreadpool(ctx);
  switch (dtype) {
    case DType::kFloat32:
      return XnnStatus(ctx,
                       xnn_setup_convolution2d_nhwc_f32(
                           op, batch, h, w, static_cast<const float*>(input),
                           static_cast<float*>(output), pool),
                       "xnn_setup_convolution2d_nhwc_f32");
    case DType::kInt8:
      return XnnStatus(ctx,
                       xnn_setup_convolution2d_nhwc_qc8(
                           op, batch, h, w, static_cast<const int8_t*>(input),
                           static_cast<int8_t*>(output), pool),
                       "xnn_setup_convolution2d_nhwc_qc8");
    case DType::kUInt8:
      return XnnStatus(ctx,
                       xnn_setup_convolution2d_nhwc_qu8(
                           op, batch, h, w, static_cast<const uint8_t*>(input),
                           static_cast<uint8_t*>(output), pool),
                       "xnn_setup_convolution2d_nhwc_qu8");
    default:
      return ctx.UnsupportedDType(dtype);
  }
}

Status SetupDeconvolution(const KernelContext& ctx, xnn_operator_t op,
                          DType dtype, size_t batch, size_t h, size_t w,
                          uint32_t adj_h, uint32_t adj_w, const void* input,
                          void* output) {
  pthreadpool_t pool = XnnThreadpool(ctx);
  switch (dtype) {
    case DType::kFloat32:
      return XnnStatus(
          ctx,
          xnn_setup_deconvolution2d_nhwc_f32(op, batch, h, w, adj_h, adj_w,
                                             static_cast<const float*>(input),
                                             static_cast<float*>(output), pool),
          "xnn_setup_deconvolution2d_nhwc_f32");
    case DType::kInt8:
      return XnnStatus(
          ctx,
          xnn_setup_deconvolution2d_nhwc_qs8(
              op, batch, h, w, adj_h, adj_w, static_cast<const int8_t*>(input),
              static_cast<int8_t*>(output), pool),
          "xnn_setup_deconvolution2d_nhwc_qs8");
    case DType::kUInt8:
      return XnnStatus(
          ctx,
          xnn_setup_deconvolution2d_nhwc_qu8(
              op, batch, h, w, adj_h, adj_w, static_cast<const uint8_t*>(input),
              static_cast<uint8_t*>(output), pool),
          "xnn_setup_deconvolution2d_nhwc_qu8");
    default:
      return ctx.UnsupportedDType(dtype);
  }
}

}  // namespace

Status XnnConvRunner::Create(const KernelContext& ctx,
                             const XnnConvSpec& spec) {
  op_.reset();
  xnn_operator_t op = nullptr;
  Status s;
  switch (spec.kind) {
    case XnnConvSpec::Kind::kConvolution:
      s = CreateConvolution(ctx, spec, &op);
      break;
    case XnnConvSpec::Kind::kDeconvolution:
      s = CreateDeconvolution(ctx, spec, &op);
      break;
    case XnnConvSpec::Kind::kFullyConnected:
      s = CreateFullyConnected(ctx, spec, &op);
      break;
  }
  if (!s.ok()) {
    if (op != nullptr) xnn_delete_operator(op);
    return s;
  }
  op_.reset(op);
  spec_ = spec;
  return Status::Ok();
}

Status XnnConvRunner::Prepare(const KernelContext& ctx, const XnnConvSpec& spec,
                              size_t batch, size_t in_h, size_t in_w,
                              uint32_t adjustment_h, uint32_t adjustment_w,
                              const void* input, void* output,
                              bool empty_output) {
  if (empty_output) {
    op_.reset();
    return Status::Ok();
  }
  MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
  if (spec.kind != XnnConvSpec::Kind::kFullyConnected) {
    // Output pixels; for a deconvolution, the uncropped output bounds them.
    auto out_dim = [&](uint64_t in, uint32_t pad_before, uint32_t pad_after,
                       uint32_t kernel, uint32_t stride, uint32_t dilation,
                       uint32_t adjustment) -> uint64_t {
      const uint64_t s = std::max<uint32_t>(stride, 1);
      const uint64_t k =
          uint64_t{kernel - 1} * std::max<uint32_t>(dilation, 1) + 1;
      if (spec.kind == XnnConvSpec::Kind::kDeconvolution) {
        return s * (in > 0 ? in - 1 : 0) + k + adjustment;
      }
      const uint64_t padded = in + pad_before + pad_after;
      return padded < k ? 0 : (padded - k) / s + 1;
    };
    const uint64_t pixels =
        uint64_t{batch} *
        out_dim(in_h, spec.pad_top, spec.pad_bottom, spec.kernel_h,
                spec.stride_h, spec.dilation_h, adjustment_h) *
        out_dim(in_w, spec.pad_left, spec.pad_right, spec.kernel_w,
                spec.stride_w, spec.dilation_w, adjustment_w);
    MAI_RETURN_IF_ERROR(CheckXnnIndirectionSize(
        ctx, pixels, uint64_t{spec.kernel_h} * spec.kernel_w));
  }
  if (op_ == nullptr || !(spec == spec_)) {
    MAI_RETURN_IF_ERROR(Create(ctx, spec));
  }
  Status s;
  switch (spec.kind) {
    case XnnConvSpec::Kind::kConvolution:
      s = SetupConvolution(ctx, op_.get(), spec.dtype, batch, in_h, in_w, input,
                           output);
      break;
    case XnnConvSpec::Kind::kDeconvolution:
      s = SetupDeconvolution(ctx, op_.get(), spec.dtype, batch, in_h, in_w,
                             adjustment_h, adjustment_w, input, output);
      break;
    case XnnConvSpec::Kind::kFullyConnected:
      s = SetupFullyConnected(ctx, op_.get(), spec.dtype, batch * in_h * in_w,
                              input, output);
      break;
  }
  if (!s.ok()) op_.reset();
  return s;
}

Result<XnnConvQuant> PrepareXnnConvQuant(
    const KernelContext& ctx, const TensorView& input, const TensorView& filter,
    const TensorView* bias, const TensorView& output, int channels,
    int channel_dim, ir::Activation activation) {
  // The reference rules first, so both backends accept and reject alike.
  MAI_ASSIGN_OR_RETURN(
      ref::ConvQuant ref_quant,
      ref::PrepareConvQuant(ctx, input, filter, bias, output, channels,
                            channel_dim, activation));
  const DType dtype = input.dtype();
  XnnConvQuant q;
  q.input_zero_point = input.zero_point();
  q.input_scale = input.scale();
  q.output_zero_point = output.zero_point();
  q.output_scale = output.scale();
  q.kernel_zero_point = filter.zero_point();
  if (!ZeroPointFits(q.input_zero_point, dtype) ||
      !ZeroPointFits(q.output_zero_point, dtype) ||
      (dtype == DType::kUInt8 && !ZeroPointFits(q.kernel_zero_point, dtype))) {
    return ctx.Unsupported(
        "zero points (input {}, weights {}, output {}) outside {}",
        q.input_zero_point, q.kernel_zero_point, q.output_zero_point,
        DTypeName(dtype));
  }
  const std::vector<float>& scales = filter.quant().scale;
  q.kernel_scales.resize(channels);
  for (int c = 0; c < channels; ++c) {
    q.kernel_scales[c] = scales[scales.size() == 1 ? 0 : c];
  }
  q.per_channel = std::any_of(q.kernel_scales.begin(), q.kernel_scales.end(),
                              [&](float v) { return v != q.kernel_scales[0]; });
  q.range = ref_quant.range;
  if (q.range.min >= q.range.max) {
    return ctx.Unsupported("fused activation leaves the empty range [{}, {}]",
                           q.range.min, q.range.max);
  }
  return q;
}

Status FillXnnConvSpec(const KernelContext& ctx, const TensorView& input,
                       const TensorView& filter, const TensorView* bias,
                       const TensorView& output, int channels, int channel_dim,
                       ir::Activation activation, XnnConvSpec& spec) {
  const bool has_bias = bias != nullptr && bias->present();
  spec.dtype = input.dtype();
  if (spec.dtype == DType::kFloat32) {
    MAI_ASSIGN_OR_RETURN(
        ref::FloatRange range,
        ref::PrepareFloat(ctx, input, filter, bias, output, activation));
    spec.output_min = range.min;
    spec.output_max = range.max;
  } else if (spec.dtype == DType::kInt8 || spec.dtype == DType::kUInt8) {
    MAI_ASSIGN_OR_RETURN(
        XnnConvQuant q, PrepareXnnConvQuant(ctx, input, filter, bias, output,
                                            channels, channel_dim, activation));
    spec.input_zero_point = q.input_zero_point;
    spec.input_scale = q.input_scale;
    spec.kernel_zero_point =
        spec.dtype == DType::kUInt8 ? q.kernel_zero_point : 0;
    spec.kernel_scales = std::move(q.kernel_scales);
    spec.output_zero_point = q.output_zero_point;
    spec.output_scale = q.output_scale;
    spec.quant_min = q.range.min;
    spec.quant_max = q.range.max;
  } else {
    return ctx.UnsupportedDType(spec.dtype);
  }
  MAI_RETURN_IF_ERROR(RequireConstant(ctx, filter, "weights"));
  if (has_bias) MAI_RETURN_IF_ERROR(RequireConstant(ctx, *bias, "bias"));
  spec.kernel = filter.data;
  spec.bias = has_bias ? bias->data : nullptr;
  return Status::Ok();
}

void SetConvWindow(const ref::ConvGeometry& g, XnnConvSpec& spec) {
  spec.pad_top = static_cast<uint32_t>(g.pad_top);
  spec.pad_left = static_cast<uint32_t>(g.pad_left);
  spec.pad_bottom = static_cast<uint32_t>(g.pad_bottom);
  spec.pad_right = static_cast<uint32_t>(g.pad_right);
  spec.kernel_h = static_cast<uint32_t>(g.filter_h);
  spec.kernel_w = static_cast<uint32_t>(g.filter_w);
  spec.stride_h = static_cast<uint32_t>(g.stride_h);
  spec.stride_w = static_cast<uint32_t>(g.stride_w);
  spec.dilation_h = static_cast<uint32_t>(g.dilation_h);
  spec.dilation_w = static_cast<uint32_t>(g.dilation_w);
}

}  // namespace mai::backends::xnnpack

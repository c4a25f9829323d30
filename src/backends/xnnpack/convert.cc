// QUANTIZE and DEQUANTIZE on XNNPACK's convert operators: float32 -> int8 /
// uint8 (convert_nc_f32_qs8 / _qu8), int8 / uint8 -> float32 (_qs8_f32 /
// _qu8_f32) and float16 -> float32 (_f16_f32), with one scale and zero
// point per tensor. The tensor is one row of all its elements (contiguous),
// which XNNPACK splits over the thread pool.
//
// QUANTIZE between int8/uint8 types (requantization), which the convert
// operators lack, is a 256-entry table of TFLite's fixed-point rule.
// Declined (the reference kernel runs them): per-channel quantization,
// int16 and other dtypes. XNNPACK rounds x / scale to nearest-even after a
// multiplication by 1 / scale, TFLite rounds half away from zero after a
// division: results may differ by one step on ties.
#include <xnnpack.h>

#include "backends/ref/quant_util.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

class XnnConvertKernel final : public OpKernel {
 public:
  explicit XnnConvertKernel(bool quantize) : quantize_(quantize) {}

  Status Prepare(const KernelContext& ctx) override {
    op_.reset();
    requantize_ = false;
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects 1 input and 1 output");
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (in.num_elements() != out.num_elements()) {
      return ctx.Error("output {} does not match input {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    const TensorView& quantized = quantize_ ? out : in;
    const bool float16 = !quantize_ && in.dtype() == DType::kFloat16;
    if (!float16) {
      if (quantized.quant().scale.size() != 1) {
        return ctx.Unsupported("per-channel or missing quantization");
      }
      if (!(quantized.scale() > 0)) {
        return ctx.Error("scale {} must be positive", quantized.scale());
      }
    }
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    const size_t n = static_cast<size_t>(in.num_elements());
    if (n == 0) return Status::Ok();
    xnn_operator_t raw = nullptr;
    xnn_status status = xnn_status_unsupported_parameter;
    const DType qtype = quantized.dtype();
    const float scale = float16 ? 1.0f : quantized.scale();
    const int32_t zp = float16 ? 0 : quantized.zero_point();
    auto zp_in_range = [&](int lo, int hi) { return zp >= lo && zp <= hi; };
    if (quantize_) {
      if (in.dtype() == DType::kInt8 || in.dtype() == DType::kUInt8) {
        return PrepareRequantize(ctx);
      }
      if (in.dtype() != DType::kFloat32) {
        return ctx.Unsupported("QUANTIZE from {} (requantization)",
                               DTypeName(in.dtype()));
      }
      if (qtype == DType::kInt8 && zp_in_range(-128, 127)) {
        status = xnn_create_convert_nc_f32_qs8(
            n, n, n, scale, static_cast<int8_t>(zp), -128, 127, 0, &raw);
        op_.reset(raw);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (f32 -> qs8)"));
        status = xnn_setup_convert_nc_f32_qs8(
            op_.get(), 1, static_cast<const float*>(in.data),
            static_cast<int8_t*>(out.data), XnnThreadpool(ctx));
      } else if (qtype == DType::kUInt8 && zp_in_range(0, 255)) {
        status = xnn_create_convert_nc_f32_qu8(
            n, n, n, scale, static_cast<uint8_t>(zp), 0, 255, 0, &raw);
        op_.reset(raw);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (f32 -> qu8)"));
        status = xnn_setup_convert_nc_f32_qu8(
            op_.get(), 1, static_cast<const float*>(in.data),
            static_cast<uint8_t*>(out.data), XnnThreadpool(ctx));
      } else {
        return ctx.Unsupported("QUANTIZE to {} zero point {}", DTypeName(qtype),
                               zp);
      }
    } else {
      if (out.dtype() != DType::kFloat32) {
        return ctx.Unsupported("DEQUANTIZE to {}", DTypeName(out.dtype()));
      }
      if (float16) {
        status = xnn_create_convert_nc_f16_f32(n, n, n, 0, &raw);
        op_.reset(raw);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (f16 -> f32)"));
        status = xnn_setup_convert_nc_f16_f32(op_.get(), 1, in.data,
                                              static_cast<float*>(out.data),
                                              XnnThreadpool(ctx));
      } else if (qtype == DType::kInt8 && zp_in_range(-128, 127)) {
        status = xnn_create_convert_nc_qs8_f32(
            n, n, n, scale, static_cast<int8_t>(zp), 0, &raw);
        op_.reset(raw);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (qs8 -> f32)"));
        status = xnn_setup_convert_nc_qs8_f32(
            op_.get(), 1, static_cast<const int8_t*>(in.data),
            static_cast<float*>(out.data), XnnThreadpool(ctx));
      } else if (qtype == DType::kUInt8 && zp_in_range(0, 255)) {
        status = xnn_create_convert_nc_qu8_f32(
            n, n, n, scale, static_cast<uint8_t>(zp), 0, &raw);
        op_.reset(raw);
        MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (qu8 -> f32)"));
        status = xnn_setup_convert_nc_qu8_f32(
            op_.get(), 1, static_cast<const uint8_t*>(in.data),
            static_cast<float*>(out.data), XnnThreadpool(ctx));
      } else {
        return ctx.Unsupported("DEQUANTIZE from {} zero point {}",
                               DTypeName(qtype), zp);
      }
    }
    return XnnStatus(ctx, status, "setup");
  }

  Status Invoke(const KernelContext& ctx) override {
    if (requantize_) {
      const auto* in = static_cast<const uint8_t*>(ctx.input(0).data);
      auto* out = static_cast<uint8_t*>(ctx.output(0).data);
      const int64_t n = ctx.output(0).num_elements();
      fast::ParallelFor(ctx, n, 2 * n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) out[i] = table_[in[i]];
      });
      return Status::Ok();
    }
    return XnnRun(ctx, op_);
  }

 private:
  // int8/uint8 -> int8/uint8 QUANTIZE (requantization, which XNNPACK's
  // convert operators lack): a 256-entry table of TFLite's fixed-point rule
  // out = zp_out + MultiplyByQuantizedMultiplier(in - zp_in, in_scale /
  // out_scale), clamped, i.e. the reference kernel's values byte for byte.
  Status PrepareRequantize(const KernelContext& ctx) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != DType::kInt8 && out.dtype() != DType::kUInt8) {
      return ctx.Unsupported("QUANTIZE from {} to {}", DTypeName(in.dtype()),
                             DTypeName(out.dtype()));
    }
    if (in.quant().scale.size() != 1 || out.quant().scale.size() != 1) {
      return ctx.Unsupported("per-channel or missing quantization");
    }
    if (!(in.scale() > 0) || !(out.scale() > 0)) {
      return ctx.Error("scales must be positive");
    }
    const ref::QuantizedMultiplier m = ref::QuantizeMultiplier(
        static_cast<double>(in.scale()) / static_cast<double>(out.scale()));
    const int32_t qmin = ref::QuantMin(out.dtype());
    const int32_t qmax = ref::QuantMax(out.dtype());
    const bool in_signed = in.dtype() == DType::kInt8;
    for (int byte = 0; byte < 256; ++byte) {
      const int32_t v = in_signed ? static_cast<int8_t>(byte) : byte;
      const int32_t r = out.zero_point() + ref::MultiplyByQuantizedMultiplier(
                                               v - in.zero_point(), m);
      const int32_t q = std::min(std::max(r, qmin), qmax);
      table_[byte] = static_cast<uint8_t>(q);  // two's complement for int8
    }
    requantize_ = true;
    return Status::Ok();
  }

  bool quantize_;
  bool requantize_ = false;
  uint8_t table_[256] = {};
  XnnOperator op_;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnQuantizeKernel() {
  return std::make_unique<XnnConvertKernel>(/*quantize=*/true);
}
std::unique_ptr<OpKernel> NewXnnDequantizeKernel() {
  return std::make_unique<XnnConvertKernel>(/*quantize=*/false);
}

}  // namespace mai::backends::xnnpack

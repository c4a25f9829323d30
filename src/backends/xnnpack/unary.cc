// Activations and unary math on XNNPACK's `*_nc_*` operators: the tensor is
// viewed as [elements / C, C] with C its last dimension.
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "backends/ref/binary.h"
#include "backends/ref/quant_util.h"
#include "backends/xnnpack/elementwise_kernels.h"
#include "backends/xnnpack/xnn_util.h"
#include "backends/xnnpack/xnnpack_registry.h"

namespace mai::backends::xnnpack {
namespace {

const char* UnaryName(XnnUnaryOp op) {
  switch (op) {
    case XnnUnaryOp::kRelu:
      return "RELU";
    case XnnUnaryOp::kRelu6:
      return "RELU6";
    case XnnUnaryOp::kReluN1To1:
      return "RELU_N1_TO_1";
    case XnnUnaryOp::kRelu0To1:
      return "RELU_0_TO_1";
    case XnnUnaryOp::kLeakyRelu:
      return "LEAKY_RELU";
    case XnnUnaryOp::kHardSwish:
      return "HARD_SWISH";
    case XnnUnaryOp::kLogistic:
      return "LOGISTIC";
    case XnnUnaryOp::kTanh:
      return "TANH";
    case XnnUnaryOp::kElu:
      return "ELU";
    case XnnUnaryOp::kAbs:
      return "ABS";
    case XnnUnaryOp::kNeg:
      return "NEG";
    case XnnUnaryOp::kFloor:
      return "FLOOR";
    case XnnUnaryOp::kCeil:
      return "CEIL";
    case XnnUnaryOp::kRound:
      return "ROUND";
    case XnnUnaryOp::kSqrt:
      return "SQRT";
    case XnnUnaryOp::kSquare:
      return "SQUARE";
  }
  return "?";
}

// Real-valued clamp bounds of the RELU family.
bool ReluBounds(XnnUnaryOp op, float* lo, float* hi) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (op) {
    case XnnUnaryOp::kRelu:
      *lo = 0.0f;
      *hi = kInf;
      return true;
    case XnnUnaryOp::kRelu6:
      *lo = 0.0f;
      *hi = 6.0f;
      return true;
    case XnnUnaryOp::kReluN1To1:
      *lo = -1.0f;
      *hi = 1.0f;
      return true;
    case XnnUnaryOp::kRelu0To1:
      *lo = 0.0f;
      *hi = 1.0f;
      return true;
    default:
      return false;
  }
}

using SetupF32 = xnn_status (*)(xnn_operator_t, size_t, const float*, float*,
                                pthreadpool_t);
using SetupS8 = xnn_status (*)(xnn_operator_t, size_t, const int8_t*, int8_t*,
                               pthreadpool_t);
using SetupU8 = xnn_status (*)(xnn_operator_t, size_t, const uint8_t*, uint8_t*,
                               pthreadpool_t);

class UnaryKernel final : public OpKernel {
 public:
  explicit UnaryKernel(XnnUnaryOp op) : op_(op) {}

  Status Prepare(const KernelContext& ctx) override {
    op_handle_.reset();
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("{} expects 1 input and 1 output", UnaryName(op_));
    }
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    if (out.dtype() != in.dtype()) {
      return ctx.Error("input dtype {} differs from output dtype {}",
                       DTypeName(in.dtype()), DTypeName(out.dtype()));
    }
    if (out.num_elements() != in.num_elements()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(in.shape()));
    }
    MAI_RETURN_IF_ERROR(EnsureXnnpackInitialized());
    const int64_t n = in.num_elements();
    // Nothing to compute: without an operator Invoke does nothing.
    if (n == 0) return Status::Ok();
    channels_ = in.rank() == 0 ? 1 : static_cast<size_t>(in.dim(in.rank() - 1));
    batch_ = static_cast<size_t>(n) / channels_;
    switch (in.dtype()) {
      case DType::kFloat32:
        return PrepareFloat(ctx);
      case DType::kInt8:
      case DType::kUInt8:
        return PrepareQuantized(ctx);
      default:
        return ctx.UnsupportedDType(in.dtype());
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    return XnnRun(ctx, op_handle_);
  }

 private:
  Status PrepareFloat(const KernelContext& ctx) {
    const size_t c = channels_;
    xnn_operator_t raw_op = nullptr;
    xnn_operator_t* slot = &raw_op;
    xnn_status status = xnn_status_success;
    SetupF32 setup = nullptr;
    float lo = 0.0f, hi = 0.0f;
    if (ReluBounds(op_, &lo, &hi)) {
      status = xnn_create_clamp_nc_f32(c, c, c, lo, hi, 0, slot);
      setup = xnn_setup_clamp_nc_f32;
    } else {
      switch (op_) {
        case XnnUnaryOp::kLeakyRelu: {
          float alpha = 0.2f;
          if (const auto* p = ctx.params_if<ir::LeakyReluParams>())
            alpha = p->alpha;
          status = xnn_create_leaky_relu_nc_f32(c, c, c, alpha, 0, slot);
          setup = xnn_setup_leaky_relu_nc_f32;
          break;
        }
        case XnnUnaryOp::kHardSwish:
          status = xnn_create_hardswish_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_hardswish_nc_f32;
          break;
        case XnnUnaryOp::kLogistic:
          status = xnn_create_sigmoid_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_sigmoid_nc_f32;
          break;
        case XnnUnaryOp::kElu:
          status = xnn_create_elu_nc_f32(c, c, c, /*alpha=*/1.0f, 0, slot);
          setup = xnn_setup_elu_nc_f32;
          break;
        case XnnUnaryOp::kAbs:
          status = xnn_create_abs_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_abs_nc_f32;
          break;
        case XnnUnaryOp::kNeg:
          status = xnn_create_negate_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_negate_nc_f32;
          break;
        case XnnUnaryOp::kFloor:
          status = xnn_create_floor_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_floor_nc_f32;
          break;
        case XnnUnaryOp::kCeil:
          status = xnn_create_ceiling_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_ceiling_nc_f32;
          break;
        case XnnUnaryOp::kRound:
          status = xnn_create_bankers_rounding_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_bankers_rounding_nc_f32;
          break;
        case XnnUnaryOp::kSqrt:
          status = xnn_create_square_root_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_square_root_nc_f32;
          break;
        case XnnUnaryOp::kSquare:
          status = xnn_create_square_nc_f32(c, c, c, 0, slot);
          setup = xnn_setup_square_nc_f32;
          break;
        default:
          return ctx.Unsupported("XNNPACK has no float32 {}", UnaryName(op_));
      }
    }
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (float32)"));
    return XnnStatus(
        ctx,
        setup(op_handle_.get(), batch_, ctx.input(0).data_as<const float>(),
              ctx.output(0).data_as<float>(), XnnThreadpool(ctx)),
        "setup (float32)");
  }

  Status PrepareQuantized(const KernelContext& ctx) {
    const TensorView& in = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const DType dtype = in.dtype();
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, in, "input"));
    MAI_RETURN_IF_ERROR(ref::CheckPerTensorQuant(ctx, out, "output"));
    const bool is_int8 = dtype == DType::kInt8;
    const int32_t qmin = ref::QuantMin(dtype);
    const int32_t qmax = ref::QuantMax(dtype);
    const size_t c = channels_;
    const float in_scale = in.scale();
    const float out_scale = out.scale();
    const int32_t in_zp = in.zero_point();
    const int32_t out_zp = out.zero_point();
    xnn_operator_t raw_op = nullptr;
    xnn_operator_t* slot = &raw_op;
    xnn_status status = xnn_status_success;
    SetupS8 setup_s8 = nullptr;
    SetupU8 setup_u8 = nullptr;

    float real_lo = 0.0f, real_hi = 0.0f;
    if (ReluBounds(op_, &real_lo, &real_hi)) {
      // Without rescaling a RELU is a clamp to the quantized bounds, computed
      // as the reference kernel does.
      if (in_scale != out_scale || in_zp != out_zp) {
        return ctx.Unsupported(
            "{} with different input and output quantization needs a "
            "rescale",
            UnaryName(op_));
      }
      auto quantize = [&](float real) {
        const float steps =
            std::min(std::max(std::round(real / out_scale), -1e6f), 1e6f);
        return out_zp + static_cast<int32_t>(steps);
      };
      const int32_t lo = std::max(qmin, quantize(real_lo));
      const int32_t hi =
          std::isinf(real_hi) ? qmax : std::min(qmax, quantize(real_hi));
      if (lo >= hi) {
        return ctx.Unsupported("{} clamps to the single value {}",
                               UnaryName(op_), hi);
      }
      if (is_int8) {
        status = xnn_create_clamp_nc_s8(c, c, c, static_cast<int8_t>(lo),
                                        static_cast<int8_t>(hi), 0, slot);
        setup_s8 = xnn_setup_clamp_nc_s8;
      } else {
        status = xnn_create_clamp_nc_u8(c, c, c, static_cast<uint8_t>(lo),
                                        static_cast<uint8_t>(hi), 0, slot);
        setup_u8 = xnn_setup_clamp_nc_u8;
      }
    } else {
      const auto s8_in_zp = static_cast<int8_t>(in_zp);
      const auto s8_out_zp = static_cast<int8_t>(out_zp);
      const auto u8_in_zp = static_cast<uint8_t>(in_zp);
      const auto u8_out_zp = static_cast<uint8_t>(out_zp);
      switch (op_) {
        case XnnUnaryOp::kLogistic:
          if (is_int8) {
            status = xnn_create_sigmoid_nc_qs8(c, c, c, s8_in_zp, in_scale,
                                               s8_out_zp, out_scale, INT8_MIN,
                                               INT8_MAX, 0, slot);
            setup_s8 = xnn_setup_sigmoid_nc_qs8;
          } else {
            status = xnn_create_sigmoid_nc_qu8(c, c, c, u8_in_zp, in_scale,
                                               u8_out_zp, out_scale, 0,
                                               UINT8_MAX, 0, slot);
            setup_u8 = xnn_setup_sigmoid_nc_qu8;
          }
          break;
        case XnnUnaryOp::kTanh:
          if (is_int8) {
            status =
                xnn_create_tanh_nc_qs8(c, c, c, s8_in_zp, in_scale, s8_out_zp,
                                       out_scale, INT8_MIN, INT8_MAX, 0, slot);
            setup_s8 = xnn_setup_tanh_nc_qs8;
          } else {
            status =
                xnn_create_tanh_nc_qu8(c, c, c, u8_in_zp, in_scale, u8_out_zp,
                                       out_scale, 0, UINT8_MAX, 0, slot);
            setup_u8 = xnn_setup_tanh_nc_qu8;
          }
          break;
        case XnnUnaryOp::kElu:
          if (!is_int8) return ctx.UnsupportedDType(dtype);
          status = xnn_create_elu_nc_qs8(c, c, c, /*alpha=*/1.0f, s8_in_zp,
                                         in_scale, s8_out_zp, out_scale,
                                         INT8_MIN, INT8_MAX, 0, slot);
          setup_s8 = xnn_setup_elu_nc_qs8;
          break;
        case XnnUnaryOp::kLeakyRelu: {
          if (is_int8) return ctx.UnsupportedDType(dtype);
          float alpha = 0.2f;
          if (const auto* p = ctx.params_if<ir::LeakyReluParams>())
            alpha = p->alpha;
          status = xnn_create_leaky_relu_nc_qu8(c, c, c, alpha, u8_in_zp,
                                                in_scale, u8_out_zp, out_scale,
                                                0, UINT8_MAX, 0, slot);
          setup_u8 = xnn_setup_leaky_relu_nc_qu8;
          break;
        }
        default:
          return ctx.UnsupportedDType(dtype);
      }
    }
    op_handle_.reset(raw_op);
    MAI_RETURN_IF_ERROR(XnnStatus(ctx, status, "create (quantized)"));
    if (is_int8) {
      return XnnStatus(
          ctx,
          setup_s8(op_handle_.get(), batch_, in.data_as<const int8_t>(),
                   out.data_as<int8_t>(), XnnThreadpool(ctx)),
          "setup (int8)");
    }
    return XnnStatus(
        ctx,
        setup_u8(op_handle_.get(), batch_, in.data_as<const uint8_t>(),
                 out.data_as<uint8_t>(), XnnThreadpool(ctx)),
        "setup (uint8)");
  }

  XnnUnaryOp op_;
  XnnOperator op_handle_;
  size_t channels_ = 1;
  size_t batch_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewXnnUnaryKernel(XnnUnaryOp op) {
  return std::make_unique<UnaryKernel>(op);
}

}  // namespace mai::backends::xnnpack

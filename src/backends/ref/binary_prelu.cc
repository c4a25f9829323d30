// PRELU: out = x >= 0 ? x : x * alpha, alpha broadcast to x's shape.
// float32 and TFLite-exact int8/uint8 (two output multipliers: one for the
// identity branch, one for the alpha product).
#include "backends/ref/binary.h"

namespace mai::backends::ref {
namespace {

class PreluKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present()) {
      return ctx.Error("PRELU expects 2 inputs and 1 output");
    }
    const TensorView& x = ctx.input(0);
    const TensorView& alpha = ctx.input(1);
    const TensorView& out = ctx.output(0);
    dtype_ = x.dtype();
    if (alpha.dtype() != dtype_ || out.dtype() != dtype_) {
      return ctx.Error("input, alpha and output dtypes differ");
    }
    if (out.shape() != x.shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(out.shape()), ShapeToString(x.shape()));
    }
    MAI_RETURN_IF_ERROR(plan_.Init(out.shape(), {&x.shape(), &alpha.shape()})
                            .WithContext(ctx.graph->NodeLabel(ctx.node_index)));
    switch (dtype_) {
      case DType::kFloat32:
        return Status::Ok();
      case DType::kInt8:
      case DType::kUInt8: {
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, x, "input"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, alpha, "alpha"));
        MAI_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
        input_offset_ = -x.zero_point();
        alpha_offset_ = -alpha.zero_point();
        output_offset_ = out.zero_point();
        // Float arithmetic first, as TFLite computes these in Prepare.
        const float identity = x.scale() / out.scale();
        const float product = x.scale() * alpha.scale() / out.scale();
        identity_ = QuantizeMultiplier(static_cast<double>(identity));
        product_ = QuantizeMultiplier(static_cast<double>(product));
        qmin_ = QuantMin(dtype_);
        qmax_ = QuantMax(dtype_);
        return Status::Ok();
      }
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

  Status Invoke(const KernelContext& ctx) override {
    switch (dtype_) {
      case DType::kFloat32: {
        const float* x = ctx.input(0).data_as<const float>();
        const float* alpha = ctx.input(1).data_as<const float>();
        float* out = ctx.output(0).data_as<float>();
        ForEachBroadcast(plan_,
                         [&](int64_t o, const std::array<int64_t, 2>& i) {
                           const float v = x[i[0]];
                           out[o] = v >= 0.0f ? v : v * alpha[i[1]];
                         });
        return Status::Ok();
      }
      case DType::kInt8:
        return EvalQuantized<int8_t>(ctx);
      case DType::kUInt8:
        return EvalQuantized<uint8_t>(ctx);
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  template <typename T>
  Status EvalQuantized(const KernelContext& ctx) const {
    const T* x = ctx.input(0).data_as<const T>();
    const T* alpha = ctx.input(1).data_as<const T>();
    T* out = ctx.output(0).data_as<T>();
    ForEachBroadcast(plan_, [&](int64_t o, const std::array<int64_t, 2>& i) {
      const int32_t v = input_offset_ + x[i[0]];
      int32_t r;
      if (v >= 0) {
        r = MultiplyByQuantizedMultiplier(v, identity_);
      } else {
        const int32_t a = alpha_offset_ + alpha[i[1]];
        r = MultiplyByQuantizedMultiplier(v * a, product_);
      }
      r += output_offset_;
      out[o] = static_cast<T>(std::min(std::max(r, qmin_), qmax_));
    });
    return Status::Ok();
  }

  DType dtype_ = DType::kFloat32;
  BroadcastPlan<2> plan_;
  int32_t input_offset_ = 0;
  int32_t alpha_offset_ = 0;
  int32_t output_offset_ = 0;
  QuantizedMultiplier identity_;
  QuantizedMultiplier product_;
  int32_t qmin_ = 0;
  int32_t qmax_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> CreatePreluKernel() {
  return std::make_unique<PreluKernel>();
}

}  // namespace mai::backends::ref

// FULLY_CONNECTED: input [..., I] flattened to [B, I], weights [O, I],
// optional bias [O]; output [B, O] (or the input shape with the last dim
// replaced by O when keep_num_dims). float32, int8 (per-tensor or
// per-channel weights) and uint8 (per-tensor weights).
#include "backends/ref/conv_util.h"

namespace mai::backends::ref {
namespace {

void FullyConnectedFloat(int batches, int depth, int units, const float* input,
                         const float* weights, const float* bias,
                         FloatRange range, float* output) {
  for (int b = 0; b < batches; ++b) {
    const float* x = input + static_cast<int64_t>(b) * depth;
    for (int o = 0; o < units; ++o) {
      const float* w = weights + static_cast<int64_t>(o) * depth;
      float acc = 0.0f;
      for (int i = 0; i < depth; ++i) acc += x[i] * w[i];
      if (bias != nullptr) acc += bias[o];
      output[static_cast<int64_t>(b) * units + o] = ApplyRange(acc, range);
    }
  }
}

template <typename T>
void FullyConnectedQuantized(int batches, int depth, int units, const T* input,
                             const T* weights, const int32_t* bias,
                             const ConvQuant& q, T* output) {
  for (int b = 0; b < batches; ++b) {
    const T* x = input + static_cast<int64_t>(b) * depth;
    for (int o = 0; o < units; ++o) {
      const T* w = weights + static_cast<int64_t>(o) * depth;
      int64_t acc = 0;
      for (int i = 0; i < depth; ++i) {
        acc += (static_cast<int32_t>(w[i]) + q.filter_offset) *
               (static_cast<int32_t>(x[i]) + q.input_offset);
      }
      if (bias != nullptr) acc += bias[o];
      output[static_cast<int64_t>(b) * units + o] =
          static_cast<T>(Requantize(acc, q.multipliers[o], q));
    }
  }
}

class FullyConnectedKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 or 3 inputs and 1 output");
    }
    const auto* p = ctx.params_if<ir::FullyConnectedParams>();
    if (p == nullptr) return ctx.Error("missing FullyConnectedOptions");
    if (p->weights_format != 0) {
      return ctx.Unsupported("weights format {} is not supported",
                             p->weights_format);
    }
    const TensorView& input = ctx.input(0);
    const TensorView& weights = ctx.input(1);
    const TensorView* bias = ctx.num_inputs() > 2 ? &ctx.input(2) : nullptr;
    const TensorView& output = ctx.output(0);
    if (weights.rank() != 2 || weights.dim(0) < 1 || weights.dim(1) < 1) {
      return ctx.Error("weights must be [O, I], are {}",
                       ShapeToString(weights.shape()));
    }
    units_ = weights.dim(0);
    depth_ = weights.dim(1);
    const int64_t n = input.num_elements();
    if (n % depth_ != 0 || output.num_elements() != n / depth_ * units_) {
      return ctx.Error("input {} and output {} do not fit weights {}",
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()),
                       ShapeToString(weights.shape()));
    }
    batches_ = static_cast<int>(n / depth_);
    if (bias != nullptr && bias->present() && bias->num_elements() != units_) {
      return ctx.Error("bias holds {} values for {} units",
                       bias->num_elements(), units_);
    }
    dtype_ = input.dtype();
    if (dtype_ == DType::kFloat32) {
      MAI_ASSIGN_OR_RETURN(range_, PrepareFloat(ctx, input, weights, bias,
                                                output, p->activation));
      return Status::Ok();
    }
    MAI_ASSIGN_OR_RETURN(
        quant_, PrepareConvQuant(ctx, input, weights, bias, output, units_,
                                 /*channel_dim=*/0, p->activation));
    quant_.rounding = ConvRounding::kRuy;  // TFLite runs it through ruy
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& input = ctx.input(0);
    const TensorView& weights = ctx.input(1);
    const bool has_bias = ctx.num_inputs() > 2 && ctx.input(2).present();
    const TensorView& output = ctx.output(0);
    switch (dtype_) {
      case DType::kFloat32:
        FullyConnectedFloat(
            batches_, depth_, units_, input.data_as<const float>(),
            weights.data_as<const float>(),
            has_bias ? ctx.input(2).data_as<const float>() : nullptr, range_,
            output.data_as<float>());
        return Status::Ok();
      case DType::kInt8:
        FullyConnectedQuantized(
            batches_, depth_, units_, input.data_as<const int8_t>(),
            weights.data_as<const int8_t>(),
            has_bias ? ctx.input(2).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<int8_t>());
        return Status::Ok();
      case DType::kUInt8:
        FullyConnectedQuantized(
            batches_, depth_, units_, input.data_as<const uint8_t>(),
            weights.data_as<const uint8_t>(),
            has_bias ? ctx.input(2).data_as<const int32_t>() : nullptr, quant_,
            output.data_as<uint8_t>());
        return Status::Ok();
      default:
        return ctx.UnsupportedDType(dtype_);
    }
  }

 private:
  int batches_ = 0, depth_ = 0, units_ = 0;
  DType dtype_ = DType::kFloat32;
  FloatRange range_;
  ConvQuant quant_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateFullyConnectedKernel() {
  return std::make_unique<FullyConnectedKernel>();
}

}  // namespace mai::backends::ref

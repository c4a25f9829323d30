// CONCATENATION along one axis, with int8/uint8/int16 requantization of
// inputs whose quantization differs from the output's, and fused activations.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/ref/quant_util.h"
#include "backends/ref/transform_kernels.h"

namespace mai::backends::ref {
namespace {

bool IsQuantizedDType(DType dtype) {
  return dtype == DType::kInt8 || dtype == DType::kUInt8 ||
         dtype == DType::kInt16;
}

class ConcatenationKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1) {
      return ctx.Error("expects at least 1 input and 1 output");
    }
    const TensorView& out = ctx.output(0);
    const DType dtype = out.dtype();
    MAI_ASSIGN_OR_RETURN(element_size_, MovableElementSize(ctx, dtype));
    const int rank = out.rank();
    const auto* params = ctx.params_if<ir::ConcatenationParams>();
    const int32_t axis_param = params ? params->axis : 0;
    const ir::Activation activation =
        params ? params->activation : ir::Activation::kNone;
    if (rank < 1 || axis_param < -rank || axis_param >= rank) {
      return ctx.Error("axis {} is out of range for rank {}", axis_param, rank);
    }
    const int axis = axis_param < 0 ? axis_param + rank : axis_param;

    outer_ = DimProduct(out.shape(), 0, axis);
    const int64_t inner = DimProduct(out.shape(), axis + 1, rank);
    chunks_.clear();
    int64_t axis_total = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const TensorView& in = ctx.input(i);
      if (!in.present() || in.dtype() != dtype || in.rank() != rank) {
        return ctx.Error("input {} is missing or differs in dtype/rank", i);
      }
      for (int d = 0; d < rank; ++d) {
        if (d != axis && in.dim(d) != out.dim(d)) {
          return ctx.Error("input {} shape {} does not fit output {}", i,
                           ShapeToString(in.shape()),
                           ShapeToString(out.shape()));
        }
      }
      axis_total += in.dim(axis);
      chunks_.push_back(in.dim(axis) * inner);
    }
    if (axis_total != out.dim(axis)) {
      return ctx.Error("inputs sum to {} along axis {}, output has {}",
                       axis_total, axis, out.dim(axis));
    }

    // Requantization and activation clamps.
    rescale_.assign(ctx.num_inputs(), Rescale{});
    clamp_ = activation != ir::Activation::kNone;
    const bool quantized =
        IsQuantizedDType(dtype) && !out.quant().empty() &&
        std::all_of(ctx.inputs.begin(), ctx.inputs.end(),
                    [](const TensorView& t) { return !t.quant().empty(); });
    if (quantized) {
      const float out_scale = out.scale();
      if (!(out_scale > 0.0f) || !std::isfinite(out_scale)) {
        return ctx.Error("output scale {} is invalid", out_scale);
      }
      qmin_ = QuantMin(dtype);
      qmax_ = QuantMax(dtype);
      out_zero_point_ = out.zero_point();
      const float inverse_out_scale = 1.0f / out_scale;
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        const TensorView& in = ctx.input(i);
        if (!(in.scale() > 0.0f) || !std::isfinite(in.scale())) {
          return ctx.Error("input {} scale {} is invalid", i, in.scale());
        }
        if (in.scale() == out_scale && in.zero_point() == out_zero_point_) {
          continue;
        }
        Rescale& r = rescale_[i];
        r.active = true;
        r.scale = in.scale() * inverse_out_scale;
        r.bias = -static_cast<float>(in.zero_point()) * r.scale;
      }
      if (clamp_) {
        MAI_ASSIGN_OR_RETURN(
            QuantizedRange range,
            ActivationRangeQuantized(activation, dtype, out_scale,
                                     out_zero_point_));
        qmin_ = range.min;
        qmax_ = range.max;
      }
    } else if (clamp_) {
      if (dtype != DType::kFloat32) {
        return ctx.Unsupported("fused activation on dtype {}",
                               DTypeName(dtype));
      }
      MAI_ASSIGN_OR_RETURN(float_range_, ActivationRangeFloat(activation));
    }
    dtype_ = dtype;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < chunks_.size(); ++i) {
        const int64_t n = chunks_[i];
        const auto* in =
            static_cast<const uint8_t*>(ctx.input(static_cast<int>(i)).data) +
            o * n * element_size_;
        if (!rescale_[i].active) {
          if (n != 0) std::memcpy(out, in, n * element_size_);
        } else if (dtype_ == DType::kInt8) {
          Requantize(reinterpret_cast<const int8_t*>(in), n, rescale_[i],
                     reinterpret_cast<int8_t*>(out));
        } else if (dtype_ == DType::kUInt8) {
          Requantize(in, n, rescale_[i], out);
        } else {
          Requantize(reinterpret_cast<const int16_t*>(in), n, rescale_[i],
                     reinterpret_cast<int16_t*>(out));
        }
        out += n * element_size_;
      }
    }
    if (clamp_) ApplyClamp(ctx);
    return Status::Ok();
  }

 private:
  struct Rescale {
    bool active = false;
    float scale = 1.0f;
    float bias = 0.0f;
  };

  // TFLite's ConcatenationWithScaling: round(q * scale + bias) + zero point,
  // computed in float and saturated to the dtype.
  template <typename T>
  void Requantize(const T* in, int64_t n, const Rescale& r, T* out) const {
    const float lo = static_cast<float>(QuantMin(dtype_) - out_zero_point_) - 1;
    const float hi = static_cast<float>(QuantMax(dtype_) - out_zero_point_) + 1;
    for (int64_t j = 0; j < n; ++j) {
      const float v = std::round(static_cast<float>(in[j]) * r.scale + r.bias);
      const int32_t q =
          static_cast<int32_t>(std::clamp(v, lo, hi)) + out_zero_point_;
      out[j] = static_cast<T>(
          std::clamp<int32_t>(q, QuantMin(dtype_), QuantMax(dtype_)));
    }
  }

  template <typename T>
  void ClampQuantized(T* data, int64_t n) const {
    for (int64_t j = 0; j < n; ++j) {
      data[j] = static_cast<T>(std::clamp<int32_t>(data[j], qmin_, qmax_));
    }
  }

  void ApplyClamp(const KernelContext& ctx) const {
    const TensorView& out = ctx.output(0);
    const int64_t n = out.num_elements();
    switch (dtype_) {
      case DType::kFloat32: {
        float* data = out.data_as<float>();
        for (int64_t j = 0; j < n; ++j)
          data[j] = ApplyRange(data[j], float_range_);
        break;
      }
      case DType::kInt8:
        ClampQuantized(out.data_as<int8_t>(), n);
        break;
      case DType::kUInt8:
        ClampQuantized(out.data_as<uint8_t>(), n);
        break;
      case DType::kInt16:
        ClampQuantized(out.data_as<int16_t>(), n);
        break;
      default:
        break;
    }
  }

  DType dtype_ = DType::kFloat32;
  size_t element_size_ = 4;
  int64_t outer_ = 0;
  std::vector<int64_t> chunks_;  // elements per outer step, per input
  std::vector<Rescale> rescale_;
  bool clamp_ = false;
  FloatRange float_range_;
  int32_t qmin_ = 0, qmax_ = 0, out_zero_point_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> NewConcatenationKernel() {
  return std::make_unique<ConcatenationKernel>();
}

}  // namespace mai::backends::ref

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

}  // namespace

Result<ConcatPlan> PlanConcat(const KernelContext& ctx) {
  if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1) {
    return ctx.Error("expects at least 1 input and 1 output");
  }
  const TensorView& out = ctx.output(0);
  ConcatPlan p;
  p.dtype = out.dtype();
  MAI_ASSIGN_OR_RETURN(p.element_size, MovableElementSize(ctx, p.dtype));
  const int rank = out.rank();
  const auto* params = ctx.params_if<ir::ConcatenationParams>();
  const int32_t axis_param = params ? params->axis : 0;
  const ir::Activation activation =
      params ? params->activation : ir::Activation::kNone;
  if (rank < 1 || axis_param < -rank || axis_param >= rank) {
    return ctx.Error("axis {} is out of range for rank {}", axis_param, rank);
  }
  p.axis = axis_param < 0 ? axis_param + rank : axis_param;
  p.outer = DimProduct(out.shape(), 0, p.axis);
  const int64_t inner = DimProduct(out.shape(), p.axis + 1, rank);
  int64_t axis_total = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const TensorView& in = ctx.input(i);
    if (!in.present() || in.dtype() != p.dtype || in.rank() != rank) {
      return ctx.Error("input {} is missing or differs in dtype/rank", i);
    }
    for (int d = 0; d < rank; ++d) {
      if (d != p.axis && in.dim(d) != out.dim(d)) {
        return ctx.Error("input {} shape {} does not fit output {}", i,
                         ShapeToString(in.shape()), ShapeToString(out.shape()));
      }
    }
    axis_total += in.dim(p.axis);
    p.chunks.push_back(in.dim(p.axis) * inner);
  }
  if (axis_total != out.dim(p.axis)) {
    return ctx.Error("inputs sum to {} along axis {}, output has {}",
                     axis_total, p.axis, out.dim(p.axis));
  }

  // Requantization and activation clamps.
  p.rescale.assign(ctx.num_inputs(), ConcatRescale{});
  p.clamp = activation != ir::Activation::kNone;
  const bool quantized =
      IsQuantizedDType(p.dtype) && !out.quant().empty() &&
      std::all_of(ctx.inputs.begin(), ctx.inputs.end(),
                  [](const TensorView& t) { return !t.quant().empty(); });
  if (quantized) {
    const float out_scale = out.scale();
    if (!(out_scale > 0.0f) || !std::isfinite(out_scale)) {
      return ctx.Error("output scale {} is invalid", out_scale);
    }
    p.out_zero_point = out.zero_point();
    const float inverse_out_scale = 1.0f / out_scale;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const TensorView& in = ctx.input(i);
      if (!(in.scale() > 0.0f) || !std::isfinite(in.scale())) {
        return ctx.Error("input {} scale {} is invalid", i, in.scale());
      }
      if (in.scale() == out_scale && in.zero_point() == p.out_zero_point) {
        continue;
      }
      ConcatRescale& r = p.rescale[i];
      r.active = true;
      r.scale = in.scale() * inverse_out_scale;
      r.bias = -static_cast<float>(in.zero_point()) * r.scale;
      p.any_rescale = true;
    }
    if (p.clamp) {
      MAI_ASSIGN_OR_RETURN(
          QuantizedRange range,
          ActivationRangeQuantized(activation, p.dtype, out_scale,
                                   p.out_zero_point));
      p.act_min = range.min;
      p.act_max = range.max;
    }
  } else if (p.clamp) {
    if (p.dtype != DType::kFloat32) {
      return ctx.Unsupported("fused activation on dtype {}",
                             DTypeName(p.dtype));
    }
    MAI_ASSIGN_OR_RETURN(p.float_range, ActivationRangeFloat(activation));
  }
  return p;
}

namespace {

class ConcatenationKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_ASSIGN_OR_RETURN(plan_, PlanConcat(ctx));
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    const size_t es = plan_.element_size;
    for (int64_t o = 0; o < plan_.outer; ++o) {
      for (size_t i = 0; i < plan_.chunks.size(); ++i) {
        const int64_t n = plan_.chunks[i];
        const auto* in =
            static_cast<const uint8_t*>(ctx.input(static_cast<int>(i)).data) +
            o * n * es;
        const ConcatRescale& r = plan_.rescale[i];
        if (!r.active) {
          if (n != 0) std::memcpy(out, in, n * es);
        } else if (plan_.dtype == DType::kInt8) {
          Requantize(reinterpret_cast<const int8_t*>(in), n, r,
                     reinterpret_cast<int8_t*>(out));
        } else if (plan_.dtype == DType::kUInt8) {
          Requantize(in, n, r, out);
        } else {
          Requantize(reinterpret_cast<const int16_t*>(in), n, r,
                     reinterpret_cast<int16_t*>(out));
        }
        out += n * es;
      }
    }
    if (plan_.clamp) ApplyClamp(ctx);
    return Status::Ok();
  }

 private:
  template <typename T>
  void Requantize(const T* in, int64_t n, const ConcatRescale& r,
                  T* out) const {
    for (int64_t j = 0; j < n; ++j) {
      out[j] = RequantizeConcatValue(in[j], r, plan_);
    }
  }

  template <typename T>
  void ClampQuantized(T* data, int64_t n) const {
    for (int64_t j = 0; j < n; ++j) {
      data[j] = static_cast<T>(
          std::clamp<int32_t>(data[j], plan_.act_min, plan_.act_max));
    }
  }

  void ApplyClamp(const KernelContext& ctx) const {
    const TensorView& out = ctx.output(0);
    const int64_t n = out.num_elements();
    switch (plan_.dtype) {
      case DType::kFloat32: {
        float* data = out.data_as<float>();
        for (int64_t j = 0; j < n; ++j)
          data[j] = ApplyRange(data[j], plan_.float_range);
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

  ConcatPlan plan_;
};

}  // namespace

std::unique_ptr<OpKernel> NewConcatenationKernel() {
  return std::make_unique<ConcatenationKernel>();
}

}  // namespace mai::backends::ref

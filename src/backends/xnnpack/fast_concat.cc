// CONCATENATION and PACK as row-block copies (RowBlockPlan::Gather);
// CONCATENATION requantizes and clamps while it copies when it must.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/ref/quant_util.h"
#include "backends/ref/transform_kernels.h"
#include "backends/xnnpack/fast_kernels.h"
#include "backends/xnnpack/fast_util.h"

namespace mai::backends::xnnpack {
namespace {

using fast::RowBlockPlan;

bool IsQuantizedDType(DType dtype) {
  return dtype == DType::kInt8 || dtype == DType::kUInt8 ||
         dtype == DType::kInt16;
}

class FastConcatenationKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1) {
      return ctx.Error("expects at least 1 input and 1 output");
    }
    const TensorView& out = ctx.output(0);
    dtype_ = out.dtype();
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, dtype_));
    const int rank = out.rank();
    const auto* params = ctx.params_if<ir::ConcatenationParams>();
    const int axis = fast::NormalizeAxis(params ? params->axis : 0, rank);
    const ir::Activation activation =
        params ? params->activation : ir::Activation::kNone;
    if (axis < 0) {
      return ctx.Error("axis {} is out of range for rank {}",
                       params ? params->axis : 0, rank);
    }
    const int64_t inner = ref::DimProduct(out.shape(), axis + 1, rank);
    std::vector<int64_t> parts;
    int64_t axis_total = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const TensorView& in = ctx.input(i);
      if (!in.present() || in.dtype() != dtype_ || in.rank() != rank) {
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
      parts.push_back(in.dim(axis) * inner);
    }
    if (axis_total != out.dim(axis)) {
      return ctx.Error("inputs sum to {} along axis {}, output has {}",
                       axis_total, axis, out.dim(axis));
    }
    plan_.Init(element_size, ref::DimProduct(out.shape(), 0, axis),
               std::move(parts));
    inputs_.assign(ctx.num_inputs(), nullptr);

    // Requantization and activation clamps, decided as the reference does.
    rescale_.assign(ctx.num_inputs(), Rescale{});
    any_rescale_ = false;
    clamp_ = activation != ir::Activation::kNone;
    const bool quantized =
        IsQuantizedDType(dtype_) && !out.quant().empty() &&
        std::all_of(ctx.inputs.begin(), ctx.inputs.end(),
                    [](const TensorView& t) { return !t.quant().empty(); });
    if (quantized) {
      const float out_scale = out.scale();
      if (!(out_scale > 0.0f) || !std::isfinite(out_scale)) {
        return ctx.Error("output scale {} is invalid", out_scale);
      }
      out_zero_point_ = out.zero_point();
      qmin_ = ref::QuantMin(dtype_);
      qmax_ = ref::QuantMax(dtype_);
      // Saturation bounds of the rounded value before the zero point.
      round_lo_ = static_cast<float>(qmin_ - out_zero_point_) - 1;
      round_hi_ = static_cast<float>(qmax_ - out_zero_point_) + 1;
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
        any_rescale_ = true;
      }
      if (clamp_) {
        MAI_ASSIGN_OR_RETURN(
            ref::QuantizedRange range,
            ref::ActivationRangeQuantized(activation, dtype_, out_scale,
                                          out_zero_point_));
        act_min_ = range.min;
        act_max_ = range.max;
      }
    } else if (clamp_) {
      if (dtype_ != DType::kFloat32) {
        return ctx.Unsupported("fused activation on dtype {}",
                               DTypeName(dtype_));
      }
      Result<ref::FloatRange> range = ref::ActivationRangeFloat(activation);
      if (!range.ok()) {
        return ctx.Unsupported("fused activation: {}",
                               range.status().message());
      }
      float_range_ = *range;
    }
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      inputs_[i] = static_cast<const uint8_t*>(ctx.input(i).data);
    }
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    if (!any_rescale_ && !clamp_) {
      plan_.Gather(ctx, inputs_.data(), out);
      return Status::Ok();
    }
    const int64_t es = static_cast<int64_t>(plan_.element_size());
    fast::ParallelFor(
        ctx, plan_.total(), 2 * plan_.total() * es,
        [&](int64_t begin, int64_t end) {
          plan_.ForEachSpan(
              begin, end, [&](int64_t at, int k, int64_t from, int64_t n) {
                switch (dtype_) {
                  case DType::kFloat32:
                    CopyFloat(reinterpret_cast<const float*>(inputs_[k]) + from,
                              n, reinterpret_cast<float*>(out) + at);
                    break;
                  case DType::kInt8:
                    CopyQuantized(
                        reinterpret_cast<const int8_t*>(inputs_[k]) + from, n,
                        rescale_[k], reinterpret_cast<int8_t*>(out) + at);
                    break;
                  case DType::kUInt8:
                    CopyQuantized(inputs_[k] + from, n, rescale_[k], out + at);
                    break;
                  default:
                    CopyQuantized(
                        reinterpret_cast<const int16_t*>(inputs_[k]) + from, n,
                        rescale_[k], reinterpret_cast<int16_t*>(out) + at);
                    break;
                }
              });
        });
    return Status::Ok();
  }

 private:
  struct Rescale {
    bool active = false;
    float scale = 1.0f;
    float bias = 0.0f;
  };

  void CopyFloat(const float* __restrict in, int64_t n,
                 float* __restrict out) const {
    const float lo = float_range_.min, hi = float_range_.max;
    for (int64_t j = 0; j < n; ++j) {
      out[j] = std::min(std::max(in[j], lo), hi);
    }
  }

  // The reference's rule: round(q * scale + bias), saturated, plus the
  // output zero point, saturated to the dtype; then the activation clamp.
  template <typename T>
  void CopyQuantized(const T* __restrict in, int64_t n, const Rescale& r,
                     T* __restrict out) const {
    if (r.active) {
      for (int64_t j = 0; j < n; ++j) {
        const float v =
            std::round(static_cast<float>(in[j]) * r.scale + r.bias);
        const int32_t q =
            static_cast<int32_t>(std::clamp(v, round_lo_, round_hi_)) +
            out_zero_point_;
        out[j] = static_cast<T>(std::clamp(q, qmin_, qmax_));
      }
    } else {
      std::memcpy(out, in, n * sizeof(T));
    }
    if (clamp_) {
      const int32_t lo = act_min_, hi = act_max_;
      for (int64_t j = 0; j < n; ++j) {
        out[j] = static_cast<T>(std::clamp<int32_t>(out[j], lo, hi));
      }
    }
  }

  DType dtype_ = DType::kFloat32;
  RowBlockPlan plan_;
  std::vector<const uint8_t*> inputs_;
  std::vector<Rescale> rescale_;
  bool any_rescale_ = false;
  bool clamp_ = false;
  ref::FloatRange float_range_;
  int32_t out_zero_point_ = 0;
  int32_t qmin_ = 0, qmax_ = 0;
  int32_t act_min_ = 0, act_max_ = 0;
  float round_lo_ = 0.0f, round_hi_ = 0.0f;
};

class FastPackKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present()) {
      return ctx.Error("expects at least 1 input and 1 output");
    }
    const TensorView& first = ctx.input(0);
    const TensorView& out = ctx.output(0);
    const int rank = first.rank();
    const auto* params = ctx.params_if<ir::PackParams>();
    const int axis = fast::NormalizeAxis(params ? params->axis : 0, rank + 1);
    if (axis < 0 || out.rank() != rank + 1 ||
        out.dim(axis) != ctx.num_inputs()) {
      return ctx.Error("output {} is not a stack of {} inputs of {}",
                       ShapeToString(out.shape()), ctx.num_inputs(),
                       ShapeToString(first.shape()));
    }
    for (const TensorView& in : ctx.inputs) {
      if (!in.present() || in.dtype() != out.dtype() ||
          in.shape() != first.shape()) {
        return ctx.Error("inputs differ in dtype or shape");
      }
    }
    for (int d = 0; d < rank; ++d) {
      if (first.dim(d) != out.dim(d < axis ? d : d + 1)) {
        return ctx.Error("output {} is not a stack of {}",
                         ShapeToString(out.shape()),
                         ShapeToString(first.shape()));
      }
    }
    MAI_ASSIGN_OR_RETURN(size_t element_size,
                         ref::MovableElementSize(ctx, out.dtype()));
    const int64_t inner = ref::DimProduct(first.shape(), axis, rank);
    plan_.Init(element_size, ref::DimProduct(first.shape(), 0, axis),
               std::vector<int64_t>(ctx.num_inputs(), inner));
    inputs_.assign(ctx.num_inputs(), nullptr);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      inputs_[i] = static_cast<const uint8_t*>(ctx.input(i).data);
    }
    plan_.Gather(ctx, inputs_.data(),
                 static_cast<uint8_t*>(ctx.output(0).data));
    return Status::Ok();
  }

 private:
  RowBlockPlan plan_;
  std::vector<const uint8_t*> inputs_;
};

}  // namespace

std::unique_ptr<OpKernel> NewFastConcatenationKernel() {
  return std::make_unique<FastConcatenationKernel>();
}
std::unique_ptr<OpKernel> NewFastPackKernel() {
  return std::make_unique<FastPackKernel>();
}

}  // namespace mai::backends::xnnpack

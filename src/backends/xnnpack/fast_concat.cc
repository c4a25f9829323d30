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

class FastConcatenationKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    MAI_ASSIGN_OR_RETURN(plan_, ref::PlanConcat(ctx));
    rows_.Init(plan_.element_size, plan_.outer, plan_.chunks);
    inputs_.assign(ctx.num_inputs(), nullptr);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      inputs_[i] = static_cast<const uint8_t*>(ctx.input(i).data);
    }
    auto* out = static_cast<uint8_t*>(ctx.output(0).data);
    if (!plan_.any_rescale && !plan_.clamp) {
      rows_.Gather(ctx, inputs_.data(), out);
      return Status::Ok();
    }
    const int64_t es = static_cast<int64_t>(rows_.element_size());
    fast::ParallelFor(
        ctx, rows_.total(), 2 * rows_.total() * es,
        [&](int64_t begin, int64_t end) {
          rows_.ForEachSpan(
              begin, end, [&](int64_t at, int k, int64_t from, int64_t n) {
                switch (plan_.dtype) {
                  case DType::kFloat32:
                    CopyFloat(reinterpret_cast<const float*>(inputs_[k]) + from,
                              n, reinterpret_cast<float*>(out) + at);
                    break;
                  case DType::kInt8:
                    CopyQuantized(
                        reinterpret_cast<const int8_t*>(inputs_[k]) + from, n,
                        plan_.rescale[k], reinterpret_cast<int8_t*>(out) + at);
                    break;
                  case DType::kUInt8:
                    CopyQuantized(inputs_[k] + from, n, plan_.rescale[k],
                                  out + at);
                    break;
                  default:
                    CopyQuantized(
                        reinterpret_cast<const int16_t*>(inputs_[k]) + from, n,
                        plan_.rescale[k], reinterpret_cast<int16_t*>(out) + at);
                    break;
                }
              });
        });
    return Status::Ok();
  }

 private:
  void CopyFloat(const float* __restrict in, int64_t n,
                 float* __restrict out) const {
    const float lo = plan_.float_range.min, hi = plan_.float_range.max;
    for (int64_t j = 0; j < n; ++j) {
      out[j] = std::min(std::max(in[j], lo), hi);
    }
  }

  // The reference's values: requantized where the input's quantization
  // differs, then the activation clamp.
  template <typename T>
  void CopyQuantized(const T* __restrict in, int64_t n,
                     const ref::ConcatRescale& r, T* __restrict out) const {
    if (r.active) {
      for (int64_t j = 0; j < n; ++j) {
        out[j] = ref::RequantizeConcatValue(in[j], r, plan_);
      }
    } else {
      std::memcpy(out, in, n * sizeof(T));
    }
    if (plan_.clamp) {
      const int32_t lo = plan_.act_min, hi = plan_.act_max;
      for (int64_t j = 0; j < n; ++j) {
        out[j] = static_cast<T>(std::clamp<int32_t>(out[j], lo, hi));
      }
    }
  }

  ref::ConcatPlan plan_;
  RowBlockPlan rows_;
  std::vector<const uint8_t*> inputs_;
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

// MediaPipe's "MaxPoolingWithArgmax2D" custom op (see pool_reduce_kernels.h).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>

#include "backends/ref/pool_reduce_kernels.h"
#include "backends/ref/quant_util.h"
#include "ir/shape_inference.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "MaxPoolingWithArgmax2D";

struct Geometry {
  ir::PaddedDim h, w;
};

Result<Geometry> ComputeGeometry(const ir::Pool2DParams& p, const Shape& in) {
  if (in.size() != 4) {
    return InvalidModel("input must have rank 4 (NHWC), has shape {}",
                        ShapeToString(in));
  }
  auto h = ir::ComputePaddedDim(p.padding, in[1], p.filter_h, p.stride_h, 1);
  if (!h.ok()) return h.status().WithContext("height");
  auto w = ir::ComputePaddedDim(p.padding, in[2], p.filter_w, p.stride_w, 1);
  if (!w.ok()) return w.status().WithContext("width");
  return Geometry{*h, *w};
}

Status InferShape(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(1, 1, 2));
  auto params = ParseTflitePoolParams(ctx.node().custom_options);
  if (!params.ok()) return ctx.Error("{}", params.status().message());
  const ir::Tensor* in = ctx.input(0);
  if (in->dtype != DType::kFloat32) {
    return ctx.Unsupported("input dtype {} (only float32)",
                           DTypeName(in->dtype));
  }
  for (int i = 0; i < 2; ++i) {
    if (ctx.output(i)->dtype != DType::kFloat32) {
      return ctx.Unsupported("output {} dtype {} (only float32)", i,
                             DTypeName(ctx.output(i)->dtype));
    }
  }
  auto g = ComputeGeometry(*params, in->shape);
  if (!g.ok()) return ctx.Error("{}", g.status().message());
  const mai::Shape out = {in->shape[0], g->h.out, g->w.out, in->shape[3]};
  MAI_RETURN_IF_ERROR(ctx.SetOutputShape(0, out));
  return ctx.SetOutputShape(1, out);
}

class MaxPoolArgmaxKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 1 || ctx.num_outputs() != 2) {
      return ctx.Error("expects 1 input and 2 outputs");
    }
    auto params = ParseTflitePoolParams(ctx.node->custom_options);
    if (!params.ok()) return ctx.Error("{}", params.status().message());
    params_ = *params;
    const TensorView& in = ctx.input(0);
    if (in.dtype() != DType::kFloat32) return ctx.UnsupportedDType(in.dtype());
    auto g = ComputeGeometry(params_, in.shape());
    if (!g.ok()) return ctx.Error("{}", g.status().message());
    geometry_ = *g;
    const mai::Shape want = {in.dim(0), g->h.out, g->w.out, in.dim(3)};
    for (int i = 0; i < 2; ++i) {
      const TensorView& out = ctx.output(i);
      if (out.dtype() != DType::kFloat32 || out.shape() != want) {
        return ctx.Error("output {} must be float32 {}", i,
                         ShapeToString(want));
      }
    }
    auto range = ActivationRangeFloat(params_.activation);
    if (!range.ok()) return ctx.Unsupported("{}", range.status().message());
    range_ = *range;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const float* x = in.data_as<const float>();
    float* values = ctx.output(0).data_as<float>();
    float* indices = ctx.output(1).data_as<float>();
    const int batches = in.dim(0), in_h = in.dim(1), in_w = in.dim(2);
    const int depth = in.dim(3);
    const int out_h = geometry_.h.out, out_w = geometry_.w.out;
    const ir::Pool2DParams& p = params_;
    for (int b = 0; b < batches; ++b) {
      for (int oy = 0; oy < out_h; ++oy) {
        const int y0 = oy * p.stride_h - geometry_.h.pad_before;
        const int fy0 = std::max(0, -y0);
        const int fy1 = std::min(p.filter_h, in_h - y0);
        for (int ox = 0; ox < out_w; ++ox) {
          const int x0 = ox * p.stride_w - geometry_.w.pad_before;
          const int fx0 = std::max(0, -x0);
          const int fx1 = std::min(p.filter_w, in_w - x0);
          const int64_t o = ((int64_t{b} * out_h + oy) * out_w + ox) * depth;
          for (int c = 0; c < depth; ++c) {
            float best = std::numeric_limits<float>::lowest();
            int best_x = 0, best_y = 0;
            for (int fy = fy0; fy < fy1; ++fy) {
              for (int fx = fx0; fx < fx1; ++fx) {
                const float v =
                    x[((int64_t{b} * in_h + y0 + fy) * in_w + x0 + fx) * depth +
                      c];
                if (v > best) {
                  best = v;
                  best_x = fx;
                  best_y = fy;
                }
              }
            }
            values[o + c] = ApplyRange(best, range_);
            indices[o + c] =
                static_cast<float>(best_y * p.filter_w + best_x) + 0.1f;
          }
        }
      }
    }
    return Status::Ok();
  }

 private:
  ir::Pool2DParams params_;
  Geometry geometry_;
  FloatRange range_;
};

}  // namespace

void RegisterMaxPoolingWithArgmax2D(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, InferShape,
                          MakeFactory<MaxPoolArgmaxKernel>());
}

}  // namespace mai::backends::ref::mediapipe

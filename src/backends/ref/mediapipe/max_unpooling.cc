// MediaPipe's "MaxUnpooling2D" custom op (see pool_reduce_kernels.h).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "backends/ref/pool_reduce_kernels.h"
#include "ir/shape_inference.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "MaxUnpooling2D";

// Output shape [N, H*filter_h, W*filter_w, C] of values shape `in`.
Result<mai::Shape> OutputShape(const ir::Pool2DParams& p,
                               const mai::Shape& in) {
  if (in.size() != 4) {
    return InvalidModel("values must have rank 4 (NHWC), has shape {}",
                        ShapeToString(in));
  }
  const int64_t oh = int64_t{in[1]} * p.filter_h;
  const int64_t ow = int64_t{in[2]} * p.filter_w;
  if (oh > std::numeric_limits<int32_t>::max() ||
      ow > std::numeric_limits<int32_t>::max()) {
    return InvalidModel("output size {}x{} is too large", oh, ow);
  }
  return mai::Shape{in[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow),
                    in[3]};
}

// MediaPipe's leading padding: the pooling padding that would map the
// output back onto the input.
int32_t UnpoolPadding(int32_t in, int32_t out, int32_t filter, int32_t stride) {
  const int64_t pad = ((int64_t{in} - 1) * stride + filter - out) / 2;
  return static_cast<int32_t>(std::max<int64_t>(pad, 0));
}

Status InferShape(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  auto params = ParseTflitePoolParams(ctx.node().custom_options);
  if (!params.ok()) return ctx.Error("{}", params.status().message());
  const ir::Tensor* values = ctx.input(0);
  const ir::Tensor* indices = ctx.input(1);
  if (values->dtype != DType::kFloat32 || indices->dtype != DType::kFloat32 ||
      ctx.output(0)->dtype != DType::kFloat32) {
    return ctx.Unsupported("values, indices and output must be float32");
  }
  if (indices->shape != values->shape) {
    return ctx.Error("indices shape {} differs from values shape {}",
                     ShapeToString(indices->shape),
                     ShapeToString(values->shape));
  }
  auto out = OutputShape(*params, values->shape);
  if (!out.ok()) return ctx.Error("{}", out.status().message());
  return ctx.SetOutputShape(0, *out);
}

class MaxUnpoolingKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    auto params = ParseTflitePoolParams(ctx.node->custom_options);
    if (!params.ok()) return ctx.Error("{}", params.status().message());
    params_ = *params;
    const TensorView& values = ctx.input(0);
    const TensorView& indices = ctx.input(1);
    const TensorView& out = ctx.output(0);
    if (values.dtype() != DType::kFloat32 ||
        indices.dtype() != DType::kFloat32 || out.dtype() != DType::kFloat32) {
      return ctx.Unsupported("values, indices and output must be float32");
    }
    if (indices.shape() != values.shape()) {
      return ctx.Error("indices shape differs from values shape");
    }
    auto want = OutputShape(params_, values.shape());
    if (!want.ok()) return ctx.Error("{}", want.status().message());
    if (out.shape() != *want) {
      return ctx.Error("output shape {} should be {}",
                       ShapeToString(out.shape()), ShapeToString(*want));
    }
    pad_h_ = UnpoolPadding(values.dim(1), out.dim(1), params_.filter_h,
                           params_.stride_h);
    pad_w_ = UnpoolPadding(values.dim(2), out.dim(2), params_.filter_w,
                           params_.stride_w);
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& values = ctx.input(0);
    const float* v = values.data_as<const float>();
    const float* idx = ctx.input(1).data_as<const float>();
    const TensorView& out = ctx.output(0);
    float* y = out.data_as<float>();
    std::fill(y, y + out.num_elements(), 0.0f);
    const int batches = values.dim(0), in_h = values.dim(1);
    const int in_w = values.dim(2), depth = values.dim(3);
    const int out_h = out.dim(1), out_w = out.dim(2);
    for (int b = 0; b < batches; ++b) {
      for (int iy = 0; iy < in_h; ++iy) {
        for (int ix = 0; ix < in_w; ++ix) {
          const int64_t i0 = ((int64_t{b} * in_h + iy) * in_w + ix) * depth;
          for (int c = 0; c < depth; ++c) {
            const float f = idx[i0 + c];
            // The index is untrusted data: skip values a cast to int cannot
            // represent (NaN, huge), then decode as MediaPipe does (C++
            // truncating division).
            if (!(f > -2147483648.0f && f < 2147483648.0f)) continue;
            const int32_t k = static_cast<int32_t>(f);
            const int64_t oy =
                int64_t{iy} * params_.stride_h - pad_h_ + k / params_.filter_w;
            const int64_t ox =
                int64_t{ix} * params_.stride_w - pad_w_ + k % params_.filter_w;
            if (oy < 0 || oy >= out_h || ox < 0 || ox >= out_w) continue;
            y[((int64_t{b} * out_h + oy) * out_w + ox) * depth + c] = v[i0 + c];
          }
        }
      }
    }
    return Status::Ok();
  }

 private:
  ir::Pool2DParams params_;
  int32_t pad_h_ = 0, pad_w_ = 0;
};

}  // namespace

void RegisterMaxUnpooling2D(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, InferShape,
                          MakeFactory<MaxUnpoolingKernel>());
}

}  // namespace mai::backends::ref::mediapipe

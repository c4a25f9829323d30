// TransformLandmarks: applies the 2D affine part of a 4x4 matrix (16 floats;
// first two rows) to landmarks: (x, y[, z]) → (m0 x + m1 y + m3 s,
// m4 x + m5 y + m7 s[, z]). z passes through unchanged.
//
// v1: landmarks [B, H, W, C], C a multiple of `dimensions`; options
//     {dimensions: 2 or 3 (default 3), scale s: non-zero (default 1)}.
// v2: landmarks [B, N, D] with D = 2 or 3; no options; s = 1.
// The output has the input's shape. MediaPipe transforms batch 0 only; here
// every batch is transformed with the same matrix.
#include "backends/ref/mediapipe/geometry_ops.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "TransformLandmarks";

struct Options {
  int version = 2;
  int32_t dimensions = 3;
  float scale = 1.0f;
};

Result<Options> ParseOptions(const ir::Node& node, const Shape& landmarks) {
  Options o;
  o.version = node.version;
  if (o.version == 1) {
    MAI_ASSIGN_OR_RETURN(FlexOptions opts,
                         FlexOptions::Parse(node.custom_options));
    MAI_ASSIGN_OR_RETURN(o.dimensions, opts.Int("dimensions", 3));
    MAI_ASSIGN_OR_RETURN(o.scale, opts.Float("scale", 1.0f));
    if (o.scale == 0.0f) return InvalidModel("custom option 'scale' is 0");
    if (landmarks.size() != 4) {
      return InvalidModel("{} v1 expects landmarks of rank 4, got {}", kOpName,
                          ShapeToString(landmarks));
    }
  } else if (o.version == 2) {
    if (landmarks.size() != 3) {
      return InvalidModel("{} v2 expects landmarks of rank 3, got {}", kOpName,
                          ShapeToString(landmarks));
    }
    o.dimensions = landmarks[2];
  } else {
    return Unimplemented("{} version {} is not supported (1 or 2)", kOpName,
                         node.version);
  }
  if (o.dimensions != 2 && o.dimensions != 3) {
    return InvalidModel("landmark dimensions must be 2 or 3, is {}",
                        o.dimensions);
  }
  if (landmarks.back() % o.dimensions != 0) {
    return InvalidModel(
        "last dim of landmarks shape {} is not a multiple of {}",
        ShapeToString(landmarks), o.dimensions);
  }
  return o;
}

Status CheckMatrix(const Shape& matrix) {
  if (NumElementsUnchecked(matrix) != 16) {
    return InvalidModel("input 1 must hold a 4x4 matrix, has shape {}",
                        ShapeToString(matrix));
  }
  return Status::Ok();
}

Status ShapeFn(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  const Shape& landmarks = ctx.input(0)->shape;
  Result<Options> o = ParseOptions(ctx.node(), landmarks);
  if (!o.ok())
    return WithNodeContext(o.status(), ctx.graph(), ctx.node_index());
  Status s = CheckMatrix(ctx.input(1)->shape);
  if (!s.ok()) return WithNodeContext(s, ctx.graph(), ctx.node_index());
  return ctx.SetOutputShape(0, landmarks);
}

class TransformLandmarksKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 2 || ctx.num_outputs() != 1 ||
        !ctx.input(0).present() || !ctx.input(1).present()) {
      return ctx.Error("expects 2 inputs and 1 output");
    }
    for (const TensorView* t : {&ctx.input(0), &ctx.input(1), &ctx.output(0)}) {
      if (t->dtype() != DType::kFloat32)
        return ctx.UnsupportedDType(t->dtype());
    }
    Result<Options> o = ParseOptions(*ctx.node, ctx.input(0).shape());
    if (!o.ok()) return WithNodeContext(o.status(), *ctx.graph, ctx.node_index);
    Status s = CheckMatrix(ctx.input(1).shape());
    if (!s.ok()) return WithNodeContext(s, *ctx.graph, ctx.node_index);
    if (ctx.output(0).shape() != ctx.input(0).shape()) {
      return ctx.Error("output shape {} differs from input shape {}",
                       ShapeToString(ctx.output(0).shape()),
                       ShapeToString(ctx.input(0).shape()));
    }
    options_ = *o;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const float* in = ctx.input(0).data_as<const float>();
    const float* m = ctx.input(1).data_as<const float>();
    float* out = ctx.output(0).data_as<float>();
    const int dims = options_.dimensions;
    const float tx = m[3] * options_.scale, ty = m[7] * options_.scale;
    const int64_t count = ctx.input(0).num_elements() / dims;
    for (int64_t i = 0; i < count; ++i) {
      const float* p = in + i * dims;
      float* q = out + i * dims;
      const float x = p[0], y = p[1];
      const float z = dims == 3 ? p[2] : 0.0f;
      // (x, y, 0, 1) · row, summed left to right in float.
      q[0] = m[0] * x + m[1] * y + m[2] * 0.0f + tx * 1.0f;
      q[1] = m[4] * x + m[5] * y + m[6] * 0.0f + ty * 1.0f;
      if (dims == 3) q[2] = z;
    }
    return Status::Ok();
  }

 private:
  Options options_;
};

}  // namespace

void RegisterTransformLandmarks(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, &ShapeFn,
                          MakeFactory<TransformLandmarksKernel>());
}

}  // namespace mai::backends::ref::mediapipe

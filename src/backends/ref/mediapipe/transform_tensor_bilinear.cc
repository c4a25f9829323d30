// TransformTensorBilinear (v1 also named TransformTensor): warps a feature
// map [1, H, W, C] by a 4x4 matrix (16 floats; the first two rows are used)
// into [1, out_h, out_w, C]. Output pixel (u, v) samples the input
// bilinearly at (x, y) = (m0 u + m1 v + m3, m4 u + m5 v + m7); positions
// outside [0, W-1] x [0, H-1] give 0.
//
// v1: options {mode: "bilinear" (optional), output_size: [h, w]}; the
//     matrix maps pixel centres.
// v2: options {output_height, output_width}; the matrix maps pixel corners
//     (align-corners correction: x += 0.5 m0 + 0.5 m1 - 0.5, same for y),
//     the convention of Landmarks2TransformMatrix v2.
//
// The arithmetic follows MediaPipe's CPU kernel operation by operation
// (float coordinates, double-promoted blends) so results match it bit for
// bit where the compiler does not contract multiply-adds.
#include <cmath>
#include <string>

#include "backends/ref/mediapipe/geometry_ops.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "TransformTensorBilinear";
constexpr char kOpNameV1[] = "TransformTensor";

struct Options {
  int version = 2;
  int32_t output_h = 0, output_w = 0;
};

Result<Options> ParseOptions(const ir::Node& node) {
  Options o;
  o.version = node.version;
  if (o.version != 1 && o.version != 2) {
    return Unimplemented("{} version {} is not supported (1 or 2)",
                         node.OpName(), node.version);
  }
  MAI_ASSIGN_OR_RETURN(FlexOptions opts,
                       FlexOptions::Parse(node.custom_options));
  if (o.version == 1) {
    if (opts.Has("mode")) {
      MAI_ASSIGN_OR_RETURN(std::string mode, opts.String("mode"));
      if (mode != "bilinear") {
        return Unimplemented(
            "interpolation mode '{}' is not supported "
            "(only 'bilinear')",
            mode);
      }
    }
    MAI_ASSIGN_OR_RETURN(std::vector<int32_t> size,
                         opts.IntVector("output_size"));
    if (size.size() != 2) {
      return InvalidModel(
          "custom option 'output_size' must hold 2 values, has {}",
          size.size());
    }
    o.output_h = size[0];
    o.output_w = size[1];
  } else {
    MAI_ASSIGN_OR_RETURN(o.output_h, opts.Int("output_height"));
    MAI_ASSIGN_OR_RETURN(o.output_w, opts.Int("output_width"));
  }
  if (o.output_h <= 0 || o.output_w <= 0) {
    return InvalidModel("output size must be positive, is {}x{}", o.output_h,
                        o.output_w);
  }
  return o;
}

Status CheckInputs(const Shape& data, const Shape& matrix) {
  if (data.size() != 4 || data[0] != 1) {
    return InvalidModel("input 0 must have shape [1,H,W,C], has {}",
                        ShapeToString(data));
  }
  if (NumElementsUnchecked(matrix) != 16) {
    return InvalidModel("input 1 must hold a 4x4 matrix, has shape {}",
                        ShapeToString(matrix));
  }
  return Status::Ok();
}

Status ShapeFn(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(2, 2, 1));
  Result<Options> o = ParseOptions(ctx.node());
  if (!o.ok())
    return WithNodeContext(o.status(), ctx.graph(), ctx.node_index());
  const Shape& data = ctx.input(0)->shape;
  Status s = CheckInputs(data, ctx.input(1)->shape);
  if (!s.ok()) return WithNodeContext(s, ctx.graph(), ctx.node_index());
  return ctx.SetOutputShape(0, {1, o->output_h, o->output_w, data[3]});
}

class TransformTensorBilinearKernel : public OpKernel {
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
    Result<Options> o = ParseOptions(*ctx.node);
    if (!o.ok()) return WithNodeContext(o.status(), *ctx.graph, ctx.node_index);
    Status s = CheckInputs(ctx.input(0).shape(), ctx.input(1).shape());
    if (!s.ok()) return WithNodeContext(s, *ctx.graph, ctx.node_index);
    const Shape& out = ctx.output(0).shape();
    if (out.size() != 4 || out[0] != 1 || out[3] != ctx.input(0).dim(3)) {
      return ctx.Error("output shape {} does not match input shape {}",
                       ShapeToString(out), ShapeToString(ctx.input(0).shape()));
    }
    version_ = o->version;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const TensorView& in = ctx.input(0);
    const float* src = in.data_as<const float>();
    const float* m = ctx.input(1).data_as<const float>();
    float* dst = ctx.output(0).data_as<float>();
    const int in_h = in.dim(1), in_w = in.dim(2), channels = in.dim(3);
    const int out_h = ctx.output(0).dim(1), out_w = ctx.output(0).dim(2);

    const float m0 = m[0], m1 = m[1], m2 = m[2], m4 = m[4], m5 = m[5],
                m6 = m[6];
    float m3 = m[3], m7 = m[7];
    if (version_ == 2) {
      // Pixel corners → pixel centres: T' = Shift(-0.5) * T * Shift(+0.5).
      m3 += m0 * 0.5 + m1 * 0.5 - 0.5;
      m7 += m4 * 0.5 + m5 * 0.5 - 0.5;
    }
    const float max_x = static_cast<float>(in_w - 1);
    const float max_y = static_cast<float>(in_h - 1);

    auto at = [&](int y, int x, int c) -> float {
      if (y < 0 || x < 0 || y >= in_h || x >= in_w) return 0.0f;
      return src[(static_cast<int64_t>(y) * in_w + x) * channels + c];
    };

    for (int v = 0; v < out_h; ++v) {
      for (int u = 0; u < out_w; ++u) {
        const float fu = static_cast<float>(u), fv = static_cast<float>(v);
        // (u, v, 0, 1) · row, summed left to right in float.
        const float tx = m0 * fu + m1 * fv + m2 * 0.0f + m3 * 1.0f;
        const float ty = m4 * fu + m5 * fv + m6 * 0.0f + m7 * 1.0f;
        float* out_px = dst + (static_cast<int64_t>(v) * out_w + u) * channels;
        // Written so that NaN coordinates count as outside.
        const bool inside =
            tx >= 0.0f && tx <= max_x && ty >= 0.0f && ty <= max_y;
        if (!inside) {
          for (int c = 0; c < channels; ++c) out_px[c] = 0.0f;
          continue;
        }
        const float fx = std::floor(tx), fy = std::floor(ty);
        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
        const float right = tx - fx, lower = ty - fy;
        for (int c = 0; c < channels; ++c) {
          const float q11 = at(y0, x0, c), q21 = at(y0, x0 + 1, c);
          const float q12 = at(y0 + 1, x0, c), q22 = at(y0 + 1, x0 + 1, c);
          const float top = (1.0 - right) * q11 + right * q21;
          const float bottom = (1.0 - right) * q12 + right * q22;
          out_px[c] = lower * bottom + (1.0 - lower) * top;
        }
      }
    }
    return Status::Ok();
  }

 private:
  int version_ = 2;
};

}  // namespace

void RegisterTransformTensorBilinear(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, &ShapeFn,
                          MakeFactory<TransformTensorBilinearKernel>());
  registry.RegisterCustom(kOpNameV1, &ShapeFn,
                          MakeFactory<TransformTensorBilinearKernel>());
}

}  // namespace mai::backends::ref::mediapipe

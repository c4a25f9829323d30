#include "backends/ref/mediapipe/transpose_conv_bias.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "backends/ref/conv_util.h"
#include "ir/shape_inference.h"

namespace mai::backends::ref::mediapipe {
namespace {

constexpr char kOpName[] = "Convolution2DTransposeBias";
constexpr size_t kOptionsBytes = 12;  // three int32

using Options = TransposeConvBiasOptions;

Result<Options> ParseOptions(const std::vector<uint8_t>& bytes) {
  return ParseTransposeConvBiasOptions(bytes);
}

int32_t ReadInt32(const uint8_t* p) {
  const uint32_t v =
      static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
      (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  return static_cast<int32_t>(v);
}

struct Dim {
  int32_t out = 0;
  int32_t pad_before = 0;
};

// MediaPipe's output size and leading padding of one spatial dim.
Result<Dim> OutputDim(bool same, int32_t in, int32_t filter, int32_t stride) {
  if (in < 1 || filter < 1) {
    return InvalidModel("needs non-empty input and filter, got {} and {}", in,
                        filter);
  }
  const int64_t pad =
      same ? std::max<int64_t>(0, int64_t{filter} - (in - 1) % stride - 1) : 0;
  const int64_t out = int64_t{stride} * (in - 1) + filter - pad;
  if (out > std::numeric_limits<int32_t>::max()) {
    return InvalidModel("output dimension {} is too large", out);
  }
  return Dim{static_cast<int32_t>(out), static_cast<int32_t>(pad / 2)};
}

Status CheckShapes(const Shape& input, const Shape& weights,
                   const Shape& bias) {
  if (input.size() != 4 || weights.size() != 4 || bias.size() != 1) {
    return InvalidModel(
        "expects input rank 4, weights rank 4, bias rank 1; "
        "got {}, {}, {}",
        ShapeToString(input), ShapeToString(weights), ShapeToString(bias));
  }
  if (input[3] != weights[3]) {
    return InvalidModel("input channels {} differ from weights channels {}",
                        input[3], weights[3]);
  }
  if (bias[0] != weights[0]) {
    return InvalidModel("bias size {} differs from output channels {}", bias[0],
                        weights[0]);
  }
  return Status::Ok();
}

// Output shape for the node's inputs and options.
Result<Shape> OutputShape(const Options& o, const Shape& input,
                          const Shape& weights) {
  MAI_ASSIGN_OR_RETURN(Dim h,
                       OutputDim(o.same, input[1], weights[1], o.stride_h));
  MAI_ASSIGN_OR_RETURN(Dim w,
                       OutputDim(o.same, input[2], weights[2], o.stride_w));
  return Shape{input[0], h.out, w.out, weights[0]};
}

class TransposeConvBiasKernel : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    if (ctx.num_inputs() != 3 || ctx.num_outputs() != 1) {
      return ctx.Error("expects 3 inputs and 1 output");
    }
    const TensorView& input = ctx.input(0);
    const TensorView& weights = ctx.input(1);
    const TensorView& bias = ctx.input(2);
    const TensorView& output = ctx.output(0);
    if (!bias.present()) return ctx.Error("bias is required");
    auto o = ParseOptions(ctx.node->custom_options);
    if (!o.ok()) return ctx.Error("{}", o.status().message());
    Status s = CheckShapes(input.shape(), weights.shape(), bias.shape());
    if (!s.ok()) return ctx.Error("{}", s.message());
    for (const TensorView* t : {&input, &weights, &bias, &output}) {
      if (t->dtype() != DType::kFloat32)
        return ctx.UnsupportedDType(t->dtype());
    }
    auto expected = OutputShape(*o, input.shape(), weights.shape());
    if (!expected.ok()) return ctx.Error("{}", expected.status().message());
    if (output.shape() != *expected) {
      return ctx.Error("output shape {} differs from {}",
                       ShapeToString(output.shape()), ShapeToString(*expected));
    }
    TransposeConvGeometry& g = geometry_;
    g.batches = input.dim(0);
    g.in_h = input.dim(1);
    g.in_w = input.dim(2);
    g.in_c = input.dim(3);
    g.filter_h = weights.dim(1);
    g.filter_w = weights.dim(2);
    g.out_h = output.dim(1);
    g.out_w = output.dim(2);
    g.out_c = output.dim(3);
    g.stride_h = o->stride_h;
    g.stride_w = o->stride_w;
    g.pad_top = OutputDim(o->same, g.in_h, g.filter_h, g.stride_h)->pad_before;
    g.pad_left = OutputDim(o->same, g.in_w, g.filter_w, g.stride_w)->pad_before;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    TransposeConvFloat(geometry_, ctx.input(0).data_as<const float>(),
                       ctx.input(1).data_as<const float>(),
                       ctx.input(2).data_as<const float>(), FloatRange{},
                       ctx.output(0).data_as<float>());
    return Status::Ok();
  }

 private:
  TransposeConvGeometry geometry_;
};

}  // namespace

Result<TransposeConvBiasOptions> ParseTransposeConvBiasOptions(
    const std::vector<uint8_t>& bytes) {
  if (bytes.size() < kOptionsBytes) {
    return InvalidModel(
        "needs {} bytes of options (padding, stride_width, stride_height), "
        "has {}",
        kOptionsBytes, bytes.size());
  }
  const int32_t padding = ReadInt32(bytes.data());
  TransposeConvBiasOptions o;
  o.stride_w = ReadInt32(bytes.data() + 4);
  o.stride_h = ReadInt32(bytes.data() + 8);
  if (padding < 0 || padding > 2) {
    return InvalidModel("padding {} is not 0 (unknown), 1 (SAME) or 2 (VALID)",
                        padding);
  }
  if (o.stride_w < 1 || o.stride_h < 1) {
    return InvalidModel("strides must be >= 1, got {}x{}", o.stride_h,
                        o.stride_w);
  }
  o.same = padding == 1;
  return o;
}

Status TransposeConvBiasShape(ir::ShapeContext& ctx) {
  MAI_RETURN_IF_ERROR(ctx.ExpectArity(3, 3, 1));
  auto shape = [&]() -> Result<Shape> {
    MAI_ASSIGN_OR_RETURN(Options o, ParseOptions(ctx.node().custom_options));
    const Shape& input = ctx.input(0)->shape;
    const Shape& weights = ctx.input(1)->shape;
    MAI_RETURN_IF_ERROR(CheckShapes(input, weights, ctx.input(2)->shape));
    return OutputShape(o, input, weights);
  }();
  if (!shape.ok()) return ctx.Error("{}", shape.status().message());
  return ctx.SetOutputShape(0, *shape);
}

void RegisterConvolution2DTransposeBias(KernelRegistry& registry) {
  registry.RegisterCustom(kOpName, TransposeConvBiasShape,
                          MakeFactory<TransposeConvBiasKernel>());
}

}  // namespace mai::backends::ref::mediapipe

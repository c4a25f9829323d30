#include "backends/xnnpack/patch_deconv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/ref/mediapipe/transpose_conv_bias.h"
#include "backends/ref/quant_util.h"
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/float_conv_operands.h"
#include "backends/xnnpack/simd_tile.h"
#include "backends/xnnpack/xnn_conv_util.h"

// The vector helpers are always inlined into the target clones of
// PatchRows, so by-value vectors never cross an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mai::backends::xnnpack {
namespace {

constexpr int kTile = simd::kLanes;   // input pixels per vector
constexpr int kMaxInChannels = 2048;  // the transposed tile is on the stack
constexpr int kChains = 4;

struct PatchArgs {
  const float* input = nullptr;    // [batches, in_h, in_w, in_c]
  const float* weights = nullptr;  // [out_c, kh, kw, in_c]
  const float* bias = nullptr;     // [out_c]
  float* output = nullptr;         // [batches, in_h*kh, in_w*kw, out_c]
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;
  int kh = 1, kw = 1, out_c = 0;
  float out_min = 0, out_max = 0;
};

template <int kUnused = 0>
[[gnu::always_inline]] inline void PatchRowsImpl(const PatchArgs& a,
                                                 int64_t row_begin,
                                                 int64_t row_end) {
  using simd::Vec16;
  alignas(64) float xt[kMaxInChannels * kTile];
  alignas(64) float result[kTile];
  const int64_t out_w = int64_t{a.in_w} * a.kw;
  const int64_t out_row_floats = out_w * a.out_c;
  for (int64_t row = row_begin; row < row_end; ++row) {  // row = b * in_h + y
    const float* in_row = a.input + row * a.in_w * a.in_c;
    // Output row (b, y * kh + dy) starts at out_block + dy * out_row_floats.
    float* out_block = a.output + row * a.kh * out_row_floats;
    for (int x0 = 0; x0 < a.in_w; x0 += kTile) {
      const int n = std::min(kTile, a.in_w - x0);
      simd::TransposeToChannelMajor<kTile>(
          in_row + static_cast<int64_t>(x0) * a.in_c, a.in_c, n, xt);
      for (int o = 0; o < a.out_c; ++o) {
        for (int dy = 0; dy < a.kh; ++dy) {
          for (int dx = 0; dx < a.kw; ++dx) {
            const float* w =
                a.weights +
                ((static_cast<int64_t>(o) * a.kh + dy) * a.kw + dx) * a.in_c;
            Vec16 acc[kChains] = {};
            int i = 0;
            for (; i + kChains <= a.in_c; i += kChains) {
              for (int c = 0; c < kChains; ++c) {
                acc[c] += w[i + c] * simd::Load(xt + (i + c) * kTile);
              }
            }
            for (; i < a.in_c; ++i) acc[0] += w[i] * simd::Load(xt + i * kTile);
            Vec16 sum = (acc[0] + acc[1]) + (acc[2] + acc[3]) + a.bias[o];
            simd::Store(result, simd::Clamp(sum, a.out_min, a.out_max));
            float* out = out_block + dy * out_row_floats +
                         (static_cast<int64_t>(x0) * a.kw + dx) * a.out_c + o;
            const int64_t step = int64_t{a.kw} * a.out_c;
            for (int l = 0; l < n; ++l) out[l * step] = result[l];
          }
        }
      }
    }
  }
}

__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void
PatchRows(const PatchArgs& a, int64_t row_begin, int64_t row_end) {
  PatchRowsImpl(a, row_begin, row_end);
}

// TRANSPOSE_CONV inputs: (output_shape, weights, input[, bias]);
// Convolution2DTransposeBias: (input, weights, bias).
class PatchDeconvKernel final : public OpKernel {
 public:
  explicit PatchDeconvKernel(bool mediapipe) : mediapipe_(mediapipe) {}

  Status Prepare(const KernelContext& ctx) override {
    MAI_ASSIGN_OR_RETURN(
        FloatConvOperands ops,
        GetFloatConvOperands(ctx, /*input_index=*/mediapipe_ ? 0 : 2,
                             /*weights_index=*/1,
                             /*bias_index=*/mediapipe_ ? 2 : 3,
                             /*min_inputs=*/3, "patch deconvolution"));
    const TensorView& input = *ops.input;
    const TensorView& weights = *ops.weights;
    const TensorView* bias = ops.bias;
    const TensorView& output = *ops.output;
    int stride_h = 1, stride_w = 1;
    ir::Activation activation = ir::Activation::kNone;
    if (mediapipe_) {
      MAI_ASSIGN_OR_RETURN(auto o,
                           ref::mediapipe::ParseTransposeConvBiasOptions(
                               ctx.node->custom_options));
      stride_h = o.stride_h;
      stride_w = o.stride_w;
    } else {
      const auto* p = ctx.params_if<ir::TransposeConvParams>();
      if (p == nullptr) return ctx.Error("missing TransposeConvOptions");
      stride_h = p->stride_h;
      stride_w = p->stride_w;
      activation = p->activation;
    }
    if (input.rank() != 4 || weights.rank() != 4 || output.rank() != 4) {
      return ctx.Error("input, weights and output must have rank 4");
    }
    const int in_c = input.dim(3), out_c = output.dim(3);
    const int kh = weights.dim(1), kw = weights.dim(2);
    if (weights.dim(0) != out_c || weights.dim(3) != in_c ||
        output.dim(0) != input.dim(0)) {
      return ctx.Error("weights {} do not fit input {} and output {}",
                       ShapeToString(weights.shape()),
                       ShapeToString(input.shape()),
                       ShapeToString(output.shape()));
    }
    if (bias != nullptr && bias->num_elements() != out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), out_c);
    }
    // With stride == kernel and output == input x kernel, both ops' padding
    // is zero: no block overlaps another, none is cropped.
    if (stride_h != kh || stride_w != kw ||
        int64_t{output.dim(1)} != int64_t{input.dim(1)} * kh ||
        int64_t{output.dim(2)} != int64_t{input.dim(2)} * kw) {
      return ctx.Unsupported("not a stride == kernel uncropped deconvolution");
    }
    if (in_c < 1 || in_c > kMaxInChannels) {
      return ctx.Unsupported("{} input channels (1..{})", in_c, kMaxInChannels);
    }
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         ref::ActivationRangeFloat(activation));
    bias_.assign(out_c, 0.0f);
    if (bias != nullptr) {
      std::memcpy(bias_.data(), bias->data, sizeof(float) * out_c);
    }
    PatchArgs a;
    a.input = static_cast<const float*>(input.data);
    a.weights = static_cast<const float*>(weights.data);
    a.bias = bias_.data();
    a.output = static_cast<float*>(output.data);
    a.batches = input.dim(0);
    a.in_h = input.dim(1);
    a.in_w = input.dim(2);
    a.in_c = in_c;
    a.kh = kh;
    a.kw = kw;
    a.out_c = out_c;
    a.out_min = range.min;
    a.out_max = range.max;
    args_ = a;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const int64_t rows = int64_t{args_.batches} * args_.in_h;
    const int64_t work = rows * args_.in_w * args_.in_c * args_.kh * args_.kw *
                         args_.out_c * int64_t{sizeof(float)};
    fast::ParallelFor(ctx, rows, work, [this](int64_t begin, int64_t end) {
      PatchRows(args_, begin, end);
    });
    return Status::Ok();
  }

 private:
  bool mediapipe_;
  std::vector<float> bias_;
  PatchArgs args_;
};

}  // namespace

std::unique_ptr<OpKernel> CreatePatchTransposeConvKernel() {
  return std::make_unique<PatchDeconvKernel>(/*mediapipe=*/false);
}
std::unique_ptr<OpKernel> CreatePatchTransposeConvBiasKernel() {
  return std::make_unique<PatchDeconvKernel>(/*mediapipe=*/true);
}

std::unique_ptr<OpKernel> CreateTransposeConvDispatchKernel() {
  return NewFirstTakerKernel(
      {CreatePatchTransposeConvKernel, CreateXnnTransposeConvKernel});
}
std::unique_ptr<OpKernel> CreateTransposeConvBiasDispatchKernel() {
  return NewFirstTakerKernel(
      {CreatePatchTransposeConvBiasKernel, CreateXnnTransposeConvBiasKernel});
}

}  // namespace mai::backends::xnnpack

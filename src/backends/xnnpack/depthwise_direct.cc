#include "backends/xnnpack/depthwise_direct.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/ref/conv_util.h"
#include "backends/ref/quant_util.h"
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/float_conv_operands.h"
#include "backends/xnnpack/xnn_conv_util.h"

// The vector helpers are always inlined into the target clones, so their
// by-value vector arguments never cross an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mai::backends::xnnpack {
namespace {

struct DepthwiseArgs {
  const float* input = nullptr;    // [batches, in_h, in_w, channels]
  const float* weights = nullptr;  // [kh, kw, channels]
  const float* bias = nullptr;     // [channels]
  float* output = nullptr;         // [batches, out_h, out_w, channels]
  int batches = 0, in_h = 0, in_w = 0, channels = 0;
  int out_h = 0, out_w = 0;
  int kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  // Output columns whose whole window lies inside the input row:
  // [interior_begin, interior_end).
  int interior_begin = 0, interior_end = 0;
  float out_min = 0, out_max = 0;
};

// N floats as one GCC vector. (The attribute must sit on a typedef inside a
// class template: on an alias template GCC drops it and Vec<N> is float.)
template <int N>
struct VecOf {
  typedef float type __attribute__((vector_size(N * 4)));
};
template <int N>
using Vec = typename VecOf<N>::type;
static_assert(sizeof(Vec<16>) == 64 && sizeof(Vec<1>) == 4);

template <int N>
[[gnu::always_inline]] inline Vec<N> Load(const float* p) {
  Vec<N> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <int N>
[[gnu::always_inline]] inline void Store(float* p, Vec<N> v) {
  std::memcpy(p, &v, sizeof(v));
}
template <int N>
[[gnu::always_inline]] inline Vec<N> Clamp(Vec<N> v, float lo, float hi) {
  const Vec<N> l = Vec<N>{} + lo, h = Vec<N>{} + hi;
  v = v < l ? l : v;
  return v > h ? h : v;
}

constexpr int kMaxTaps = 64;  // kernel_h * kernel_w held per channel block
constexpr int kPixels = 4;    // output pixels computed together
// Narrower output rows are mostly edge pixels (computed one at a time, with
// checks); measured: 12x12 and 6x6 outputs ran 1.1x XNNPACK's time, 24x24
// 0.9x.
constexpr int kMinOutputWidth = 16;

// Channels [c, c + N) of output row `oy` of batch `b`. `rows[ky]` is the
// input row under tap row ky, or null where it lies in the padding.
template <int N>
[[gnu::always_inline]] inline void RowBlock(const DepthwiseArgs& a,
                                            const float* const* rows,
                                            float* out_row, int c) {
  const int C = a.channels;
  const int kh = a.kernel_h, kw = a.kernel_w;
  Vec<N> w[kMaxTaps];
  for (int t = 0; t < kh * kw; ++t) w[t] = Load<N>(a.weights + t * C + c);
  const Vec<N> bias = Load<N>(a.bias + c);
  // One output pixel with bounds checks (edges).
  auto checked = [&](int ox) {
    Vec<N> acc = bias;
    const int ix0 = ox * a.stride_w - a.pad_left;
    for (int ky = 0; ky < kh; ++ky) {
      if (rows[ky] == nullptr) continue;
      for (int kx = 0; kx < kw; ++kx) {
        const int ix = ix0 + kx;
        if (ix < 0 || ix >= a.in_w) continue;
        acc += w[ky * kw + kx] *
               Load<N>(rows[ky] + static_cast<int64_t>(ix) * C + c);
      }
    }
    Store<N>(out_row + static_cast<int64_t>(ox) * C + c,
             Clamp<N>(acc, a.out_min, a.out_max));
  };
  int ox = 0;
  for (; ox < std::min(a.interior_begin, a.out_w); ++ox) checked(ox);
  const int64_t step = static_cast<int64_t>(a.stride_w) * C;
  for (; ox + kPixels <= a.interior_end; ox += kPixels) {
    Vec<N> acc[kPixels];
    for (int j = 0; j < kPixels; ++j) acc[j] = bias;
    const int64_t base =
        static_cast<int64_t>(ox * a.stride_w - a.pad_left) * C + c;
    for (int ky = 0; ky < kh; ++ky) {
      if (rows[ky] == nullptr) continue;
      const float* r = rows[ky] + base;
      for (int kx = 0; kx < kw; ++kx) {
        const Vec<N> wv = w[ky * kw + kx];
        const float* p = r + static_cast<int64_t>(kx) * C;
        for (int j = 0; j < kPixels; ++j) acc[j] += wv * Load<N>(p + j * step);
      }
    }
    for (int j = 0; j < kPixels; ++j) {
      Store<N>(out_row + static_cast<int64_t>(ox + j) * C + c,
               Clamp<N>(acc[j], a.out_min, a.out_max));
    }
  }
  for (; ox < a.out_w; ++ox) checked(ox);
}

// Output rows [row_begin, row_end) over batches * out_h.
__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void
DepthwiseRows(const DepthwiseArgs& a, int64_t row_begin, int64_t row_end) {
  const float* rows[kMaxTaps];
  const int C = a.channels;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int b = static_cast<int>(row / a.out_h);
    const int oy = static_cast<int>(row % a.out_h);
    const float* image =
        a.input + static_cast<int64_t>(b) * a.in_h * a.in_w * C;
    for (int ky = 0; ky < a.kernel_h; ++ky) {
      const int iy = oy * a.stride_h - a.pad_top + ky;
      rows[ky] = iy < 0 || iy >= a.in_h
                     ? nullptr
                     : image + static_cast<int64_t>(iy) * a.in_w * C;
    }
    float* out_row = a.output + row * a.out_w * C;
    int c = 0;
    for (; c + 16 <= C; c += 16) RowBlock<16>(a, rows, out_row, c);
    if (c + 8 <= C) {
      RowBlock<8>(a, rows, out_row, c);
      c += 8;
    }
    if (c + 4 <= C) {
      RowBlock<4>(a, rows, out_row, c);
      c += 4;
    }
    for (; c < C; ++c) RowBlock<1>(a, rows, out_row, c);
  }
}

class DepthwiseDirectKernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const auto* p = ctx.params_if<ir::DepthwiseConv2DParams>();
    if (p == nullptr) return ctx.Error("missing DepthwiseConv2DOptions");
    MAI_ASSIGN_OR_RETURN(
        FloatConvOperands ops,
        GetFloatConvOperands(ctx, /*input_index=*/0, /*weights_index=*/1,
                             /*bias_index=*/2, /*min_inputs=*/2,
                             "direct depthwise convolution"));
    const TensorView& input = *ops.input;
    const TensorView& filter = *ops.weights;
    const TensorView* bias = ops.bias;
    const TensorView& output = *ops.output;
    MAI_ASSIGN_OR_RETURN(ref::ConvGeometry g,
                         ref::MakeConvGeometry(ctx, input, filter, output,
                                               ref::ConvWindowOf(*p)));
    if (filter.dim(0) != 1 || g.filter_c != g.out_c || g.out_c != g.in_c) {
      return ctx.Unsupported("depth multiplier other than 1");
    }
    if (g.dilation_h != 1 || g.dilation_w != 1) {
      return ctx.Unsupported("dilated depthwise convolution");
    }
    if (g.out_w < kMinOutputWidth) {
      return ctx.Unsupported(
          "output rows of {} pixels: XNNPACK's kernel is faster below {}",
          g.out_w, kMinOutputWidth);
    }
    if (g.filter_h * g.filter_w > kMaxTaps) {
      return ctx.Unsupported("{}x{} window (at most {} taps)", g.filter_h,
                             g.filter_w, kMaxTaps);
    }
    if (bias != nullptr && bias->num_elements() != g.out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), g.out_c);
    }
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         ref::ActivationRangeFloat(p->activation));
    bias_.assign(g.out_c, 0.0f);
    if (bias != nullptr) {
      std::memcpy(bias_.data(), bias->data, sizeof(float) * g.out_c);
    }
    DepthwiseArgs a;
    a.input = static_cast<const float*>(input.data);
    a.weights = static_cast<const float*>(filter.data);
    a.bias = bias_.data();
    a.output = static_cast<float*>(output.data);
    a.batches = g.batches;
    a.in_h = g.in_h;
    a.in_w = g.in_w;
    a.channels = g.in_c;
    a.out_h = g.out_h;
    a.out_w = g.out_w;
    a.kernel_h = g.filter_h;
    a.kernel_w = g.filter_w;
    a.stride_h = g.stride_h;
    a.stride_w = g.stride_w;
    a.pad_top = g.pad_top;
    a.pad_left = g.pad_left;
    // ox is interior when pad_left <= ox * stride and
    // ox * stride - pad_left + kernel_w <= in_w.
    a.interior_begin = (g.pad_left + g.stride_w - 1) / g.stride_w;
    const int last = g.in_w - g.filter_w + g.pad_left;
    a.interior_end = last < 0 ? 0 : std::min(g.out_w, last / g.stride_w + 1);
    a.interior_end = std::max(a.interior_end, a.interior_begin);
    a.out_min = range.min;
    a.out_max = range.max;
    args_ = a;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const int64_t rows = int64_t{args_.batches} * args_.out_h;
    const int64_t work = rows * args_.out_w * args_.channels *
                         int64_t{sizeof(float)} * args_.kernel_h *
                         args_.kernel_w;
    fast::ParallelFor(ctx, rows, work, [this](int64_t begin, int64_t end) {
      DepthwiseRows(args_, begin, end);
    });
    return Status::Ok();
  }

 private:
  std::vector<float> bias_;
  DepthwiseArgs args_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateDepthwiseDirectKernel() {
  return std::make_unique<DepthwiseDirectKernel>();
}

std::unique_ptr<OpKernel> CreateDepthwiseDispatchKernel() {
  return NewFirstTakerKernel(
      {CreateDepthwiseDirectKernel, CreateXnnDepthwiseConv2DKernel});
}

}  // namespace mai::backends::xnnpack

#include "backends/xnnpack/sparse_conv.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "backends/ref/conv_util.h"
#include "backends/ref/quant_util.h"
#include "backends/xnnpack/dispatch_kernel.h"
#include "backends/xnnpack/fast_util.h"
#include "backends/xnnpack/float_conv_operands.h"
#include "backends/xnnpack/simd_tile.h"
#include "backends/xnnpack/xnn_conv_util.h"

// The vector helpers below are always inlined into the target clones of
// SparseConvTiles, so their by-value vector arguments never cross an ABI
// boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mai::backends::xnnpack {
namespace {

// Non-zero weights of a [out_c, in_c] matrix, row by row (CSR).
struct SparseMatrix {
  std::vector<int32_t> row_begin;  // out_c + 1 offsets into the two below
  std::vector<int32_t> column;     // input channel of each non-zero
  std::vector<float> value;
};

struct SparseConvArgs {
  const float* input = nullptr;  // [pixels, in_c]
  float* output = nullptr;       // [pixels, out_c]
  int64_t pixels = 0;
  int in_c = 0, out_c = 0;
  const int32_t* row_begin = nullptr;
  const int32_t* column = nullptr;
  const float* value = nullptr;
  const float* bias = nullptr;  // out_c values (zeros when the node has none)
  float out_min = 0, out_max = 0;
};

constexpr int kSparseVector = simd::kLanes;
using TileVector = simd::Vec16;
constexpr int kVectorsPerTile = kSparseTile / kSparseVector;
static_assert(kSparseTile % kSparseVector == 0);
using simd::Load;
using simd::Store;

// Tiles [tile_begin, tile_end) of kSparseTile pixels. A tile is several
// vectors so that several independent multiply-add chains hide the latency
// of each. Input and output are transposed between pixel-major (NHWC) and
// channel-major (the tile) 16x16 blocks at a time, in registers; channel
// counts that are not multiples of 16 leave a remainder done element by
// element. A template so that the vector helpers are instantiated inside
// each target clone of SparseConvTiles (Clang refuses vector arguments
// across targets).
template <int kUnused = 0>
[[gnu::always_inline]] inline void SparseConvTilesImpl(const SparseConvArgs& a,
                                                       int64_t tile_begin,
                                                       int64_t tile_end) {
  constexpr int V = kSparseVector;
  alignas(64) float xt[kSparseMaxInChannels * kSparseTile];
  alignas(64) float acc_t[V * kSparseTile];  // 16 output channels x tile
  const TileVector lo = TileVector{} + a.out_min;
  const TileVector hi = TileVector{} + a.out_max;
  const int out_full = a.out_c / V * V;
  for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
    const int64_t p0 = tile * kSparseTile;
    const int n =
        static_cast<int>(std::min<int64_t>(kSparseTile, a.pixels - p0));
    const float* in = a.input + p0 * a.in_c;
    float* out = a.output + p0 * a.out_c;

    // Input tile -> xt[channel][pixel]; lanes past the last pixel are zero.
    simd::TransposeToChannelMajor<kSparseTile>(in, a.in_c, n, xt);
    const int full_blocks = n / V;

    for (int o0 = 0; o0 < a.out_c; o0 += V) {
      const int group = std::min(V, a.out_c - o0);
      for (int g = 0; g < group; ++g) {
        const int o = o0 + g;
        TileVector acc[kVectorsPerTile];
        for (int v = 0; v < kVectorsPerTile; ++v)
          acc[v] = TileVector{} + a.bias[o];
        for (int32_t k = a.row_begin[o]; k < a.row_begin[o + 1]; ++k) {
          const float w = a.value[k];
          const float* x = xt + a.column[k] * kSparseTile;
          for (int v = 0; v < kVectorsPerTile; ++v) {
            acc[v] += w * Load(x + v * V);
          }
        }
        for (int v = 0; v < kVectorsPerTile; ++v) {
          TileVector r = acc[v] < lo ? lo : acc[v];
          r = r > hi ? hi : r;
          Store(acc_t + g * kSparseTile + v * V, r);
        }
      }
      // acc_t[channel][pixel] -> out[pixel][o0 + channel].
      if (o0 < out_full) {
        for (int pb = 0; pb < full_blocks; ++pb) {
          TileVector r[V];
          for (int i = 0; i < V; ++i)
            r[i] = Load(acc_t + i * kSparseTile + pb * V);
          simd::Transpose16(r);
          for (int i = 0; i < V; ++i) {
            Store(out + static_cast<int64_t>(pb * V + i) * a.out_c + o0, r[i]);
          }
        }
      }
      const int first_p = o0 < out_full ? full_blocks * V : 0;
      for (int p = first_p; p < n; ++p) {
        for (int g = 0; g < group; ++g) {
          out[static_cast<int64_t>(p) * a.out_c + o0 + g] =
              acc_t[g * kSparseTile + p];
        }
      }
    }
  }
}

__attribute__((target_clones("avx512f", "arch=haswell", "default"))) void
SparseConvTiles(const SparseConvArgs& a, int64_t tile_begin, int64_t tile_end) {
  SparseConvTilesImpl(a, tile_begin, tile_end);
}

class SparseConv1x1Kernel final : public OpKernel {
 public:
  Status Prepare(const KernelContext& ctx) override {
    const auto* p = ctx.params_if<ir::Conv2DParams>();
    if (p == nullptr) return ctx.Error("missing Conv2DOptions");
    MAI_ASSIGN_OR_RETURN(
        FloatConvOperands ops,
        GetFloatConvOperands(ctx, /*input_index=*/0, /*weights_index=*/1,
                             /*bias_index=*/2, /*min_inputs=*/2,
                             "sparse 1x1 convolution"));
    const TensorView& input = *ops.input;
    const TensorView& filter = *ops.weights;
    const TensorView* bias = ops.bias;
    const TensorView& output = *ops.output;
    MAI_ASSIGN_OR_RETURN(ref::ConvGeometry g,
                         ref::MakeConvGeometry(ctx, input, filter, output,
                                               ref::ConvWindowOf(*p)));
    if (g.filter_h != 1 || g.filter_w != 1 || g.stride_h != 1 ||
        g.stride_w != 1 || g.pad_top != 0 || g.pad_left != 0 ||
        g.pad_bottom != 0 || g.pad_right != 0 || g.filter_c != g.in_c ||
        filter.dim(0) != g.out_c) {
      return ctx.Unsupported("not a 1x1 stride-1 unpadded convolution");
    }
    if (g.in_c < kSparseVector) {
      // Below one vector of input channels the input transpose runs element
      // by element and costs more than the zeros save (measured: 8 -> 32
      // channels at 70-80% zeros, 1.3-1.4x slower than XNNPACK's dense
      // GEMM; 32 -> 8 channels, element-wise output, is still 1.2x faster).
      return ctx.Unsupported("{} input channels: too few for the sparse kernel",
                             g.in_c);
    }
    if (g.in_c > kSparseMaxInChannels) {
      return ctx.Unsupported("{} input channels (at most {})", g.in_c,
                             kSparseMaxInChannels);
    }
    if (bias != nullptr && bias->num_elements() != g.out_c) {
      return ctx.Error("bias holds {} values for {} output channels",
                       bias->num_elements(), g.out_c);
    }
    const auto* w = static_cast<const float*>(filter.data);
    const int64_t total = int64_t{g.out_c} * g.in_c;
    const int64_t zeros = std::count(w, w + total, 0.0f);
    if (total == 0 ||
        static_cast<double>(zeros) < kSparseConvMinZeroFraction * total) {
      return ctx.Unsupported(
          "{:.0f}% of the weights are zero (sparse from {:.0f}%)",
          100.0 * zeros / std::max<int64_t>(total, 1),
          100.0 * kSparseConvMinZeroFraction);
    }
    MAI_ASSIGN_OR_RETURN(ref::FloatRange range,
                         ref::ActivationRangeFloat(p->activation));
    weights_.row_begin.assign(1, 0);
    weights_.column.clear();
    weights_.value.clear();
    for (int o = 0; o < g.out_c; ++o) {
      for (int i = 0; i < g.in_c; ++i) {
        const float v = w[int64_t{o} * g.in_c + i];
        if (v == 0.0f) continue;
        weights_.column.push_back(i);
        weights_.value.push_back(v);
      }
      weights_.row_begin.push_back(
          static_cast<int32_t>(weights_.column.size()));
    }
    bias_.assign(g.out_c, 0.0f);
    if (bias != nullptr) {
      std::memcpy(bias_.data(), bias->data, sizeof(float) * g.out_c);
    }
    args_ = {};
    args_.input = static_cast<const float*>(input.data);
    args_.output = static_cast<float*>(output.data);
    args_.pixels = int64_t{g.batches} * g.in_h * g.in_w;
    args_.in_c = g.in_c;
    args_.out_c = g.out_c;
    args_.row_begin = weights_.row_begin.data();
    args_.column = weights_.column.data();
    args_.value = weights_.value.data();
    args_.bias = bias_.data();
    args_.out_min = range.min;
    args_.out_max = range.max;
    return Status::Ok();
  }

  Status Invoke(const KernelContext& ctx) override {
    const int64_t tiles = (args_.pixels + kSparseTile - 1) / kSparseTile;
    const int64_t work = static_cast<int64_t>(weights_.value.size()) *
                         args_.pixels * int64_t{sizeof(float)};
    fast::ParallelFor(ctx, tiles, work, [this](int64_t begin, int64_t end) {
      SparseConvTiles(args_, begin, end);
    });
    return Status::Ok();
  }

 private:
  SparseMatrix weights_;
  std::vector<float> bias_;
  SparseConvArgs args_;
};

}  // namespace

std::unique_ptr<OpKernel> CreateSparseConv1x1Kernel() {
  return std::make_unique<SparseConv1x1Kernel>();
}

std::unique_ptr<OpKernel> CreateConv2DDispatchKernel() {
  return NewFirstTakerKernel(
      {CreateSparseConv1x1Kernel, CreateXnnConv2DKernel});
}

}  // namespace mai::backends::xnnpack

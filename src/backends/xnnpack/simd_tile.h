// Building blocks of mai's vectorized float kernels (sparse convolution,
// patch deconvolution): 16-float GCC/Clang vectors, a 16x16 in-register
// transpose, and the transpose of a tile of NHWC pixels to channel-major.
//
// Everything here is a template marked always_inline, to be instantiated
// inside a function compiled for several targets
// (__attribute__((target_clones(...)))): the vectors then live in AVX-512,
// AVX2 or SSE registers according to the clone, and never cross a function
// boundary (which Clang refuses across targets and GCC warns about).
#ifndef MAI_BACKENDS_XNNPACK_SIMD_TILE_H_
#define MAI_BACKENDS_XNNPACK_SIMD_TILE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

// By-value vector arguments below are always inlined (see above).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mai::backends::xnnpack::simd {

inline constexpr int kLanes = 16;
typedef float Vec16 __attribute__((vector_size(kLanes * 4)));

template <typename V = Vec16>
[[gnu::always_inline]] inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename V = Vec16>
[[gnu::always_inline]] inline void Store(float* p, V v) {
  std::memcpy(p, &v, sizeof(v));
}
template <typename V = Vec16>
[[gnu::always_inline]] inline V Clamp(V v, float lo, float hi) {
  const V l = V{} + lo, h = V{} + hi;
  v = v < l ? l : v;
  return v > h ? h : v;
}

// One stage of the 16x16 transpose: for every row pair (i, i+D) with bit D
// of i clear, swaps the elements of row i whose column has bit D set with
// the elements of row i+D whose column has it clear (the off-diagonal
// D-blocks). Stages D = 8, 4, 2, 1 transpose the matrix.
template <int D, typename V, size_t... J>
[[gnu::always_inline]] inline V ShuffleLow(V a, V b,
                                           std::index_sequence<J...>) {
  return __builtin_shufflevector(a, b, ((J & D) == 0 ? J : kLanes + J - D)...);
}
template <int D, typename V, size_t... J>
[[gnu::always_inline]] inline V ShuffleHigh(V a, V b,
                                            std::index_sequence<J...>) {
  return __builtin_shufflevector(a, b, ((J & D) == 0 ? J + D : kLanes + J)...);
}
template <int D, typename V>
[[gnu::always_inline]] inline void TransposeStage(V* r) {
  constexpr auto kIndices = std::make_index_sequence<kLanes>();
  for (int i = 0; i < kLanes; ++i) {
    if (i & D) continue;
    const V a = r[i], b = r[i + D];
    r[i] = ShuffleLow<D>(a, b, kIndices);
    r[i + D] = ShuffleHigh<D>(a, b, kIndices);
  }
}

// r[i][j] <- r[j][i] for a 16x16 block held in 16 vectors.
template <typename V = Vec16>
[[gnu::always_inline]] inline void Transpose16(V* r) {
  TransposeStage<8>(r);
  TransposeStage<4>(r);
  TransposeStage<2>(r);
  TransposeStage<1>(r);
}

// Pixels [0, n) of `in` (pixel p at in + p * channels, n <= kTile) to
// xt[channel * kTile + p]: 16x16 blocks in registers, the rest element by
// element. Lanes p >= n are set to zero.
template <int kTile>
[[gnu::always_inline]] inline void TransposeToChannelMajor(const float* in,
                                                           int channels, int n,
                                                           float* xt) {
  if (n < kTile) std::memset(xt, 0, sizeof(float) * channels * kTile);
  const int full_c = channels / kLanes * kLanes;
  const int full_blocks = n / kLanes;
  for (int pb = 0; pb < full_blocks; ++pb) {
    for (int c = 0; c < full_c; c += kLanes) {
      Vec16 r[kLanes];
      for (int i = 0; i < kLanes; ++i) {
        r[i] = Load(in + static_cast<int64_t>(pb * kLanes + i) * channels + c);
      }
      Transpose16(r);
      for (int i = 0; i < kLanes; ++i) {
        Store(xt + (c + i) * kTile + pb * kLanes, r[i]);
      }
    }
  }
  for (int p = 0; p < n; ++p) {
    const float* row = in + static_cast<int64_t>(p) * channels;
    const int first = p < full_blocks * kLanes ? full_c : 0;
    for (int c = first; c < channels; ++c) xt[c * kTile + p] = row[c];
  }
}

}  // namespace mai::backends::xnnpack::simd

#pragma GCC diagnostic pop

#endif  // MAI_BACKENDS_XNNPACK_SIMD_TILE_H_

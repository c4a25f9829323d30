#include "device/peak_kernels.h"

#include <cpuinfo.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MAI_DEVICE_X86 1
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#define MAI_DEVICE_ARM64 1
#endif

namespace mai::device {
namespace {

// The accumulators live in a local array that the fully unrolled loops turn
// into registers; the loop body is `kChains` independent FMAs.

#ifdef MAI_DEVICE_X86
constexpr int kAvx512Chains = 16;  // 16 of 32 zmm registers
__attribute__((target("avx512f"))) void RunAvx512(float* acc, float a, float b,
                                                  uint64_t iterations) {
  const __m512 va = _mm512_set1_ps(a);
  const __m512 vb = _mm512_set1_ps(b);
  __m512 x[kAvx512Chains];
#pragma GCC unroll 16
  for (int c = 0; c < kAvx512Chains; ++c) x[c] = _mm512_loadu_ps(acc + 16 * c);
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kAvx512Chains; ++c)
      x[c] = _mm512_fmadd_ps(x[c], va, vb);
  }
#pragma GCC unroll 16
  for (int c = 0; c < kAvx512Chains; ++c) _mm512_storeu_ps(acc + 16 * c, x[c]);
}

constexpr int kAvx2Chains = 12;  // 12 of 16 ymm registers, 2 hold a and b
__attribute__((target("avx2,fma"))) void RunAvx2Fma(float* acc, float a,
                                                    float b,
                                                    uint64_t iterations) {
  const __m256 va = _mm256_set1_ps(a);
  const __m256 vb = _mm256_set1_ps(b);
  __m256 x[kAvx2Chains];
#pragma GCC unroll 12
  for (int c = 0; c < kAvx2Chains; ++c) x[c] = _mm256_loadu_ps(acc + 8 * c);
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kAvx2Chains; ++c) x[c] = _mm256_fmadd_ps(x[c], va, vb);
  }
#pragma GCC unroll 12
  for (int c = 0; c < kAvx2Chains; ++c) _mm256_storeu_ps(acc + 8 * c, x[c]);
}
#endif  // MAI_DEVICE_X86

#ifdef MAI_DEVICE_ARM64
constexpr int kNeonChains = 16;  // 16 of 32 q registers
void RunNeonFma(float* acc, float a, float b, uint64_t iterations) {
  const float32x4_t va = vdupq_n_f32(a);
  const float32x4_t vb = vdupq_n_f32(b);
  float32x4_t x[kNeonChains];
#pragma GCC unroll 16
  for (int c = 0; c < kNeonChains; ++c) x[c] = vld1q_f32(acc + 4 * c);
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kNeonChains; ++c) x[c] = vfmaq_f32(vb, x[c], va);
  }
#pragma GCC unroll 16
  for (int c = 0; c < kNeonChains; ++c) vst1q_f32(acc + 4 * c, x[c]);
}
#endif  // MAI_DEVICE_ARM64

// Compiler vector extension: SSE2 on baseline x86-64, NEON/others elsewhere.
typedef float F32x4 __attribute__((vector_size(16)));
constexpr int kPortableChains = 12;
void RunPortable(float* acc, float a, float b, uint64_t iterations) {
  const F32x4 va = {a, a, a, a};
  const F32x4 vb = {b, b, b, b};
  F32x4 x[kPortableChains];
#pragma GCC unroll 12
  for (int c = 0; c < kPortableChains; ++c) {
    for (int l = 0; l < 4; ++l) x[c][l] = acc[4 * c + l];
  }
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kPortableChains; ++c) x[c] = x[c] * va + vb;
  }
#pragma GCC unroll 12
  for (int c = 0; c < kPortableChains; ++c) {
    for (int l = 0; l < 4; ++l) acc[4 * c + l] = x[c][l];
  }
}

#ifdef MAI_DEVICE_X86
const FmaKernel kAvx512 = {"avx512f", 16, kAvx512Chains, true, RunAvx512};
const FmaKernel kAvx2Fma = {"avx2_fma", 8, kAvx2Chains, true, RunAvx2Fma};
#endif
#ifdef MAI_DEVICE_ARM64
const FmaKernel kNeonFma = {"neon_fma", 4, kNeonChains, true, RunNeonFma};
#endif
const FmaKernel kPortable = {"portable", 4, kPortableChains, false,
                             RunPortable};

}  // namespace

std::vector<const FmaKernel*> AvailableFmaKernels() {
  std::vector<const FmaKernel*> kernels;
  // Without cpuinfo nothing beyond the portable kernel is known to be safe.
  [[maybe_unused]] const bool known = cpuinfo_initialize();
#ifdef MAI_DEVICE_X86
  // cpuinfo reports a feature only when the OS also saves its registers.
  if (known && cpuinfo_has_x86_avx512f()) kernels.push_back(&kAvx512);
  if (known && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3())
    kernels.push_back(&kAvx2Fma);
#endif
#ifdef MAI_DEVICE_ARM64
  kernels.push_back(&kNeonFma);  // NEON with FMA is baseline on AArch64
#endif
  kernels.push_back(&kPortable);
  return kernels;
}

const FmaKernel* BestFmaKernel() { return AvailableFmaKernels().front(); }

namespace {
// 16-byte vectors: SSE2 / NEON registers on every baseline target, enough
// loads per cycle to outrun DRAM. may_alias: the buffers are raw bytes.
typedef uint64_t U64x2 __attribute__((vector_size(16), may_alias));
constexpr size_t kVectorsPerBlock = kMemoryKernelBlock / sizeof(U64x2);
static_assert(kVectorsPerBlock == 16);
}  // namespace

uint64_t ReadSum(const void* data, size_t bytes) {
  const U64x2* p = static_cast<const U64x2*>(data);
  const size_t blocks = bytes / kMemoryKernelBlock;
  U64x2 s0 = {}, s1 = {}, s2 = {}, s3 = {};
  for (size_t i = 0; i < blocks; ++i, p += kVectorsPerBlock) {
#pragma GCC unroll 4
    for (size_t k = 0; k < kVectorsPerBlock; k += 4) {
      s0 += p[k];
      s1 += p[k + 1];
      s2 += p[k + 2];
      s3 += p[k + 3];
    }
  }
  U64x2 s = (s0 + s1) + (s2 + s3);
  return s[0] + s[1];
}

void Fill(void* data, size_t bytes, uint64_t value) {
  U64x2* p = static_cast<U64x2*>(data);
  const size_t blocks = bytes / kMemoryKernelBlock;
  const U64x2 v = {value, value};
  for (size_t i = 0; i < blocks; ++i, p += kVectorsPerBlock) {
#pragma GCC unroll 16
    for (size_t k = 0; k < kVectorsPerBlock; ++k) p[k] = v;
  }
}

}  // namespace mai::device

// The loops that measure the machine's limits: a fused multiply-add kernel
// per instruction set, and the read / write kernels of the memory bandwidth
// measurement.
//
// The FMA kernel keeps `chains` independent vector accumulators in registers
// and, `iterations` times, updates every lane of every accumulator with
//
//   acc = fma(acc, a, b)          (one rounding, as std::fma)
//
// so its result is exactly the scalar recurrence run lane by lane: a kernel
// that computes the wrong thing fails the tests, it cannot just be fast.
// Work done = iterations * chains * lanes FMAs = 2x that many flops.
// With |a| < 1 the values converge to b / (1 - a) and never become
// denormal, so the speed is that of ordinary operands.
//
//   const FmaKernel* k = BestFmaKernel();
//   std::vector<float> acc(k->chains * k->lanes, 1.0f);
//   k->run(acc.data(), 0.999f, 0.001f, 1'000'000);
//   double flops = 2.0 * k->chains * k->lanes * 1'000'000;
#ifndef MAI_DEVICE_PEAK_KERNELS_H_
#define MAI_DEVICE_PEAK_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mai::device {

struct FmaKernel {
  const char* name;  // "avx512f", "avx2_fma", "neon_fma", "portable"
  int lanes;         // fp32 lanes of one vector
  int chains;        // independent accumulators (vectors)
  // True when one update is a single fused operation (one rounding); the
  // portable kernel is a multiply then an add, which the compiler may or may
  // not contract.
  bool fused;
  // acc: chains * lanes floats, accumulator c lane l at acc[c * lanes + l];
  // read at the start, written back at the end. No alignment needed.
  void (*run)(float* acc, float a, float b, uint64_t iterations);
};

// The kernels this CPU (and OS) can run, widest first. Never empty: the
// portable kernel is always last.
std::vector<const FmaKernel*> AvailableFmaKernels();

// The widest available kernel (AvailableFmaKernels().front()).
const FmaKernel* BestFmaKernel();

// Memory kernels. `data` must be 64-byte aligned and `bytes` a multiple of
// kMemoryKernelBlock; they touch each byte exactly once, in address order,
// with ordinary (cached) loads and stores.
inline constexpr size_t kMemoryKernelBlock = 256;

// Sum of the buffer viewed as uint64_t words (wrapping), so the loads cannot
// be optimised away and the caller can check what was read.
uint64_t ReadSum(const void* data, size_t bytes);

// Stores `value` into every uint64_t word of the buffer.
void Fill(void* data, size_t bytes, uint64_t value);

}  // namespace mai::device

#endif  // MAI_DEVICE_PEAK_KERNELS_H_

// The measurement kernels compute what they claim (a fast kernel that
// computes garbage would report a fake peak), the thread runner runs every
// thread every round, and the CPU-id decoding matches hand-decoded ids.
#include "device/peak_kernels.h"

#include <cpuinfo.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <thread>

#include "device/cpu_names.h"
#include "device/threads.h"

namespace mai::device {
namespace {

// Float recurrence lane by lane: fused (one rounding) or multiply-then-add.
float Recur(float x, float a, float b, uint64_t n, bool fused) {
  for (uint64_t i = 0; i < n; ++i) {
    if (fused) {
      x = std::fma(x, a, b);
    } else {
      volatile float product = x * a;  // forces the separate rounding
      x = product + b;
    }
  }
  return x;
}

// Closed form in double: x_n = a^n (x0 - p) + p with p = b / (1 - a).
double ClosedForm(double x0, double a, double b, uint64_t n) {
  const double p = b / (1.0 - a);
  return std::pow(a, static_cast<double>(n)) * (x0 - p) + p;
}

TEST(FmaKernelTest, PortableKernelIsAlwaysLastAndBestIsFirst) {
  std::vector<const FmaKernel*> kernels = AvailableFmaKernels();
  ASSERT_FALSE(kernels.empty());
  EXPECT_STREQ(kernels.back()->name, "portable");
  EXPECT_EQ(BestFmaKernel(), kernels.front());
  for (const FmaKernel* k : kernels) {
    EXPECT_GT(k->lanes, 0) << k->name;
    EXPECT_GT(k->chains, 0) << k->name;
    EXPECT_NE(k->run, nullptr) << k->name;
  }
#if defined(__x86_64__)
  ASSERT_TRUE(cpuinfo_initialize());
  if (cpuinfo_has_x86_avx512f()) EXPECT_STREQ(kernels.front()->name, "avx512f");
  if (!cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx2() &&
      cpuinfo_has_x86_fma3()) {
    EXPECT_STREQ(kernels.front()->name, "avx2_fma");
  }
#endif
}

TEST(FmaKernelTest, EveryLaneOfEveryChainFollowsTheScalarRecurrence) {
  std::mt19937 rng(20240611);
  std::uniform_real_distribution<float> init(-4.0f, 4.0f);
  std::uniform_real_distribution<float> coef_a(0.5f, 0.99f);
  std::uniform_real_distribution<float> coef_b(-1.0f, 1.0f);
  for (const FmaKernel* k : AvailableFmaKernels()) {
    const size_t n_floats = static_cast<size_t>(k->lanes) * k->chains;
    for (uint64_t iterations : {0u, 1u, 7u, 100u, 1000u}) {
      const float a = coef_a(rng), b = coef_b(rng);
      std::vector<float> x0(n_floats);
      for (float& v : x0) v = init(rng);  // distinct: lanes cannot be mixed up
      std::vector<float> acc = x0;
      k->run(acc.data(), a, b, iterations);
      for (size_t i = 0; i < n_floats; ++i) {
        SCOPED_TRACE(testing::Message() << k->name << " iterations "
                                        << iterations << " element " << i);
        const float fused = Recur(x0[i], a, b, iterations, true);
        if (k->fused) {
          EXPECT_EQ(acc[i], fused);  // bit-exact: same single rounding
        } else {
          const float unfused = Recur(x0[i], a, b, iterations, false);
          EXPECT_TRUE(acc[i] == fused || acc[i] == unfused)
              << acc[i] << " is neither " << fused << " nor " << unfused;
        }
        const double expect = ClosedForm(x0[i], a, b, iterations);
        // Each step adds at most ~1 ulp of |x| <= 4 + |p|; the recurrence
        // shrinks old errors by a, so they sum to at most ulp / (1 - a).
        const double p = std::fabs(b / (1.0 - a));
        const double tol = 2.5e-7 * (4.0 + p) / (1.0 - a);
        EXPECT_NEAR(acc[i], expect, tol);
      }
    }
  }
}

TEST(FmaKernelTest, LongRunsConvergeToTheFixedPoint) {
  // What MeasurePeaks checks after timing: a = 0.75, b = 0.25 -> 1.0.
  for (const FmaKernel* k : AvailableFmaKernels()) {
    std::vector<float> acc(static_cast<size_t>(k->lanes) * k->chains);
    for (size_t i = 0; i < acc.size(); ++i) acc[i] = -3.0f + 0.25f * i;
    k->run(acc.data(), 0.75f, 0.25f, 200000);
    for (float v : acc) EXPECT_FLOAT_EQ(v, 1.0f) << k->name;
  }
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

TEST(MemoryKernelTest, ReadSumAddsEveryWordOfTheRange) {
  constexpr size_t kWords = 8192;
  std::unique_ptr<uint64_t, FreeDeleter> buf(
      static_cast<uint64_t*>(std::aligned_alloc(64, kWords * 8)));
  std::mt19937_64 rng(7767517);
  for (size_t i = 0; i < kWords; ++i) buf.get()[i] = rng();
  for (size_t bytes : {size_t{0}, size_t{256}, size_t{4096 + 256},
                       size_t{kWords * 8 - 256}, size_t{kWords * 8}}) {
    uint64_t expect = 0;  // wraps, as the kernel's sum does
    for (size_t i = 0; i < bytes / 8; ++i) expect += buf.get()[i];
    EXPECT_EQ(ReadSum(buf.get(), bytes), expect) << bytes << " bytes";
  }
}

TEST(MemoryKernelTest, FillWritesEveryWordAndNothingBeyond) {
  constexpr size_t kWords = 4096;
  std::unique_ptr<uint64_t, FreeDeleter> buf(
      static_cast<uint64_t*>(std::aligned_alloc(64, kWords * 8)));
  for (size_t i = 0; i < kWords; ++i) buf.get()[i] = i;
  const size_t bytes = 3 * kMemoryKernelBlock * 5;  // 480 words
  Fill(buf.get(), bytes, 0x0123456789abcdefULL);
  for (size_t i = 0; i < kWords; ++i) {
    if (i < bytes / 8) {
      ASSERT_EQ(buf.get()[i], 0x0123456789abcdefULL) << i;
    } else {
      ASSERT_EQ(buf.get()[i], i) << i;
    }
  }
}

TEST(TimeOnThreadsTest, EveryThreadRunsEveryRoundAndRoundsAreTimed) {
  constexpr int kThreads = 3, kReps = 4;
  std::atomic<int> calls[kThreads] = {};
  auto seconds =
      TimeOnThreads(kThreads, kReps, /*pin=*/true, UsableCpus(), [&](int t) {
        calls[t]++;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      });
  ASSERT_TRUE(seconds.ok()) << seconds.status().message();
  ASSERT_EQ(seconds->size(), size_t{kReps});
  for (double s : *seconds) EXPECT_GE(s, 0.002);  // sleep lasts at least that
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(calls[t], kReps + 1) << t;
}

TEST(TimeOnThreadsTest, RejectsZeroThreads) {
  auto r = TimeOnThreads(0, 1, false, UsableCpus(), [](int) {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(CpuNamesTest, DecodesX86SignaturesByHand) {
  // AMD EPYC 9004 (Genoa): base family 0xF + extended 0xA, model 0x1 | 0x1<<4.
  X86Signature genoa = DecodeX86Signature(0x00A10F11);
  EXPECT_EQ(genoa.family, 0x19u);
  EXPECT_EQ(genoa.model, 0x11u);
  EXPECT_EQ(genoa.stepping, 1u);
  EXPECT_EQ(X86UarchFromSignature("AMD", genoa), "Zen 4");
  // Intel Core i7-8700: family 6, model 0xE | 0x9<<4, stepping 0xA.
  X86Signature coffee = DecodeX86Signature(0x000906EA);
  EXPECT_EQ(coffee.family, 6u);
  EXPECT_EQ(coffee.model, 0x9Eu);
  EXPECT_EQ(coffee.stepping, 0xAu);
  // Family other than 6 / 0xF: the extended model does not apply.
  X86Signature p5 = DecodeX86Signature(0x00010543);
  EXPECT_EQ(p5.family, 5u);
  EXPECT_EQ(p5.model, 4u);
  EXPECT_EQ(p5.stepping, 3u);
  EXPECT_EQ(X86UarchFromSignature("AMD", {0x19, 0x21, 0}), "Zen 3");
  EXPECT_EQ(X86UarchFromSignature("AMD", {0x1A, 0x02, 0}), "Zen 5");
  EXPECT_EQ(X86UarchFromSignature("Intel", {6, 0x8F, 0}), "Golden Cove");
  EXPECT_EQ(X86UarchFromSignature("Intel", {6, 0x01, 0}), "");
}

TEST(CpuNamesTest, NamesArmPartsAndCpuinfoEnums) {
  // MIDR: implementer 0x41 (ARM), variant 0, architecture 0xF, part, revision.
  EXPECT_EQ(ArmUarchFromMidr(0x410FD460), "Cortex-A510");
  EXPECT_EQ(ArmUarchFromMidr(0x410FD4F1), "Neoverse V2");
  EXPECT_EQ(ArmUarchFromMidr(0x510FD460), "");  // not an ARM Ltd. part
  EXPECT_EQ(VendorName(cpuinfo_vendor_amd), "AMD");
  EXPECT_EQ(VendorName(cpuinfo_vendor_unknown), "unknown");
  EXPECT_EQ(UarchName(cpuinfo_uarch_zen3), "Zen 3");
  EXPECT_EQ(UarchName(cpuinfo_uarch_cortex_a76), "Cortex-A76");
  EXPECT_EQ(UarchName(cpuinfo_uarch_unknown), "");
}

}  // namespace
}  // namespace mai::device

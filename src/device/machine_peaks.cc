// MeasurePeaks: FMA throughput and memory bandwidth, 1 thread and all.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "device/device_info.h"
#include "device/peak_kernels.h"
#include "device/threads.h"

namespace mai::device {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kPage = 4096;

// acc = fma(acc, 0.75, 0.25) has the fixed point 1.0 (exact in fp32), so
// after any long run every accumulator must be 1.0 give or take rounding.
constexpr float kFmaA = 0.75f;
constexpr float kFmaB = 0.25f;

struct Figure {
  double best = 0;
  std::vector<double> samples;
};

// Runs body on `threads` threads `reps` times (after a warm-up) and turns the
// round times into rates of `units_per_round` * 1e-9 per second.
Result<Figure> Measure(int threads, int reps, const std::vector<int>& cpus,
                       double units_per_round,
                       const std::function<void(int)>& body) {
  // One thread is left to the scheduler; several are spread one per CPU.
  MAI_ASSIGN_OR_RETURN(std::vector<double> seconds,
                       TimeOnThreads(threads, reps, threads > 1, cpus, body));
  Figure f;
  for (double s : seconds) {
    f.samples.push_back(units_per_round / std::max(s, 1e-9) * 1e-9);
  }
  f.best = *std::max_element(f.samples.begin(), f.samples.end());
  return f;
}

struct FmaRun {
  const FmaKernel* kernel;
  uint64_t iterations;
};

// Iterations of the kernel that take about `target_s` on one thread.
uint64_t CalibrateFma(const FmaKernel& k, double target_s) {
  std::vector<float> acc(static_cast<size_t>(k.chains) * k.lanes, 1.0f);
  uint64_t n = 1024;
  for (;;) {
    const Clock::time_point t0 = Clock::now();
    k.run(acc.data(), kFmaA, kFmaB, n);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= 0.002 || n >= (uint64_t{1} << 40)) {
      const double per_s = static_cast<double>(n) / std::max(s, 1e-9);
      return std::max<uint64_t>(1024, static_cast<uint64_t>(per_s * target_s));
    }
    n *= 4;
  }
}

Result<Figure> MeasureFma(const FmaRun& run, int threads, int reps,
                          const std::vector<int>& cpus) {
  const FmaKernel& k = *run.kernel;
  const size_t floats = static_cast<size_t>(k.chains) * k.lanes;
  // Own vector per thread: no shared cache lines between threads.
  std::vector<std::vector<float>> acc(threads);
  for (int t = 0; t < threads; ++t) {
    acc[t].resize(floats);
    for (size_t i = 0; i < floats; ++i) acc[t][i] = 1.0f + 0.001f * i;
  }
  const double flops = 2.0 * static_cast<double>(floats) *
                       static_cast<double>(run.iterations) * threads;
  MAI_ASSIGN_OR_RETURN(Figure f,
                       Measure(threads, reps, cpus, flops, [&](int t) {
                         k.run(acc[t].data(), kFmaA, kFmaB, run.iterations);
                       }));
  for (int t = 0; t < threads; ++t) {
    for (size_t i = 0; i < floats; ++i) {
      if (!(std::fabs(acc[t][i] - 1.0f) <= 1e-6f)) {
        return Internal(
            "FMA kernel '{}' computed {} in accumulator {} of thread {}, "
            "expected 1",
            k.name, acc[t][i], i, t);
      }
    }
  }
  return f;
}

// A page-aligned buffer, cut into per-thread slices.
struct Buffer {
  std::unique_ptr<char, decltype(&std::free)> data{nullptr, &std::free};
  uint64_t bytes = 0;
};

// Bytes of each of `threads` slices of `total`, page-aligned.
uint64_t SliceBytes(uint64_t total, int threads) {
  return total / threads / kPage * kPage;
}

struct MemoryFigures {
  Figure read, write, copy;
};

Result<MemoryFigures> MeasureMemory(Buffer& buf, int threads, int reps,
                                    const std::vector<int>& cpus,
                                    uint64_t pattern) {
  MemoryFigures m;
  char* base = buf.data.get();
  const uint64_t slice = SliceBytes(buf.bytes, threads);
  const uint64_t copy_slice =
      SliceBytes(buf.bytes / 2 / kPage * kPage, threads);
  if (slice == 0 || copy_slice == 0) {
    return InvalidArgument("buffer of {} bytes is too small for {} threads",
                           buf.bytes, threads);
  }
  const char* copy_src = base;
  char* copy_dst = base + buf.bytes / 2 / kPage * kPage;

  // Write first: its warm-up round is also the first touch of each slice by
  // the thread that will use it.
  MAI_ASSIGN_OR_RETURN(
      m.write, Measure(threads, reps, cpus, double(slice) * threads,
                       [&](int t) { Fill(base + t * slice, slice, pattern); }));

  std::vector<uint64_t> sums(threads * 8);  // one cache line per thread
  MAI_ASSIGN_OR_RETURN(
      m.read, Measure(threads, reps, cpus, double(slice) * threads, [&](int t) {
        sums[t * 8] = ReadSum(base + t * slice, slice);
      }));
  const uint64_t expected = pattern * (slice / sizeof(uint64_t));
  for (int t = 0; t < threads; ++t) {
    if (sums[t * 8] != expected) {
      return Internal(
          "memory read of thread {} summed {:#x}, expected {:#x}: the read or "
          "fill kernel is wrong",
          t, sums[t * 8], expected);
    }
  }

  MAI_ASSIGN_OR_RETURN(
      m.copy, Measure(threads, reps, cpus, 2.0 * double(copy_slice) * threads,
                      [&](int t) {
                        std::memcpy(copy_dst + t * copy_slice,
                                    copy_src + t * copy_slice, copy_slice);
                      }));
  return m;
}

uint64_t AutoBufferBytes(const PeakOptions& o, const DeviceInfo& info) {
  if (o.quick) return 64 * kMiB;
  uint64_t bytes = std::max<uint64_t>(
      256 * kMiB, 4 * info.l3.size_bytes * std::max(1u, info.l3.instances));
  bytes = std::min<uint64_t>(bytes, 2048 * kMiB);
  if (info.total_memory_bytes > 0) {
    bytes = std::min<uint64_t>(bytes, info.total_memory_bytes / 4);
  }
  return std::max<uint64_t>(bytes, 16 * kMiB);
}

}  // namespace

Result<MachinePeaks> MeasurePeaks(const PeakOptions& o) {
  if (o.num_threads < 0 || o.num_threads > 4096) {
    return InvalidArgument("num_threads {} must be 0 (all) .. 4096",
                           o.num_threads);
  }
  if (o.repetitions < 0 || o.repetitions > 1000) {
    return InvalidArgument("repetitions {} must be 0 (auto) .. 1000",
                           o.repetitions);
  }
  const Clock::time_point start = Clock::now();
  MAI_ASSIGN_OR_RETURN(DeviceInfo info, DescribeDevice());
  const std::vector<int> cpus = UsableCpus();

  MachinePeaks p;
  p.threads_all =
      o.num_threads > 0 ? o.num_threads : static_cast<int>(cpus.size());
  p.repetitions = o.repetitions > 0 ? o.repetitions : (o.quick ? 3 : 7);
  p.buffer_bytes =
      o.buffer_bytes > 0 ? o.buffer_bytes : AutoBufferBytes(o, info);
  p.buffer_bytes = p.buffer_bytes / kPage * kPage;
  const uint64_t min_buffer = 2 * kPage * static_cast<uint64_t>(p.threads_all);
  if (p.buffer_bytes < min_buffer) {
    return InvalidArgument(
        "buffer_bytes {} is too small: at least {} for {} threads",
        o.buffer_bytes, min_buffer, p.threads_all);
  }

  // --- FMA ---------------------------------------------------------------
  FmaRun fma{BestFmaKernel(), 0};
  p.fma_kernel = fma.kernel->name;
  p.fma_lanes = fma.kernel->lanes;
  p.fma_chains = fma.kernel->chains;
  fma.iterations = CalibrateFma(*fma.kernel, o.quick ? 0.01 : 0.03);
  MAI_ASSIGN_OR_RETURN(Figure fma_1t, MeasureFma(fma, 1, p.repetitions, cpus));
  MAI_ASSIGN_OR_RETURN(Figure fma_all,
                       MeasureFma(fma, p.threads_all, p.repetitions, cpus));

  auto keep = [&p](const char* name, const Figure& f, double& field) {
    field = f.best;
    p.samples[name] = f.samples;
  };
  keep("fma_gflops_1t", fma_1t, p.fma_gflops_1t);
  keep("fma_gflops_all", fma_all, p.fma_gflops_all);
  if (o.fma_only) {
    p.buffer_bytes = 0;
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    return p;
  }

  // --- memory --------------------------------------------------------------
  Buffer buf;
  buf.bytes = p.buffer_bytes;
  buf.data.reset(static_cast<char*>(std::aligned_alloc(kPage, buf.bytes)));
  if (!buf.data) {
    return IoError("cannot allocate {} MiB for the bandwidth measurement",
                   buf.bytes / kMiB);
  }
  MAI_ASSIGN_OR_RETURN(MemoryFigures mem_all,
                       MeasureMemory(buf, p.threads_all, p.repetitions, cpus,
                                     0x0123456789abcdefULL));
  MAI_ASSIGN_OR_RETURN(
      MemoryFigures mem_1t,
      MeasureMemory(buf, 1, p.repetitions, cpus, 0xfedcba9876543210ULL));

  keep("read_gbps_1t", mem_1t.read, p.read_gbps_1t);
  keep("read_gbps_all", mem_all.read, p.read_gbps_all);
  keep("write_gbps_1t", mem_1t.write, p.write_gbps_1t);
  keep("write_gbps_all", mem_all.write, p.write_gbps_all);
  keep("copy_gbps_1t", mem_1t.copy, p.copy_gbps_1t);
  keep("copy_gbps_all", mem_all.copy, p.copy_gbps_all);
  p.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  return p;
}

}  // namespace mai::device

// What the machine is (DescribeDevice) and how fast it can go at best
// (MeasurePeaks), so that a profile can say how far each layer is from the
// machine's limit:
//
//   Result<DeviceInfo> info = DescribeDevice();
//   Result<MachinePeaks> peaks = MeasurePeaks(PeakOptions{});
//   if (peaks.ok()) {
//     double gflops = node_flops / node_seconds * 1e-9;
//     double fraction_of_peak = gflops / (threads == 1 ? peaks->fma_gflops_1t
//                                                      :
//                                                      peaks->fma_gflops_all);
//   }
//
// The description comes from the cpuinfo library plus the OS (uname,
// sysinfo, /proc); nothing in it is measured. The peaks are measured, best of
// several repetitions, by the kernels of device/peak_kernels.h; docs/device.md
// says what each figure means. Units: GFLOP/s = 1e9 flop/s, GB/s = 1e9 B/s.
//
// Both functions are safe to call from any thread; MeasurePeaks starts its own
// threads and takes about 1-3 s (quick: about 0.3 s), during which other load
// on the machine lowers its figures.
#ifndef MAI_DEVICE_DEVICE_INFO_H_
#define MAI_DEVICE_DEVICE_INFO_H_

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai::device {

// One cache level as the cores see it. size_bytes == 0: no such level was
// reported.
struct CacheLevel {
  uint64_t size_bytes = 0;  // one instance
  uint32_t instances = 0;   // how many such caches the machine has
  uint32_t line_bytes = 0;
  uint32_t shared_by = 0;  // logical processors sharing one instance
};

struct DeviceInfo {
  std::string arch;    // "x86_64", "aarch64", ... (uname machine)
  std::string vendor;  // "AMD", "Intel", "ARM", "Qualcomm", ... or "unknown"
  std::string
      model_name;      // e.g. "AMD EPYC 9654", "Qualcomm Snapdragon 8 Gen 2"
  std::string uarch;   // e.g. "Zen 4", "Cortex-A76", or "unknown"
  std::string cpu_id;  // "family 0x19 model 0x11 stepping 1" / "midr 0x..."
  uint32_t packages = 0;
  uint32_t cores = 0;
  uint32_t logical_processors = 0;
  // Logical processors this process may run on (its affinity mask); what
  // MeasurePeaks uses for its all-threads figures.
  uint32_t usable_processors = 0;
  // Highest clock the OS reports (cpufreq), else the current "cpu MHz" of
  // /proc/cpuinfo, else 0. frequency_source says which.
  double frequency_mhz = 0;
  std::string frequency_source;  // "cpufreq max", "/proc/cpuinfo", ""
  // ISA extensions that the CPU has and the OS enables, lower-case names:
  // x86 "sse4.2", "avx", "avx2", "fma3", "f16c", "avx512f", "avx512bw",
  // "avx512vnni", ...; ARM "neon", "neon_fma", "fp16_arith", "dotprod",
  // "bf16", "sve", ...
  std::vector<std::string> isa_features;
  CacheLevel l1d, l2, l3;
  uint64_t total_memory_bytes = 0;
  uint64_t available_memory_bytes = 0;  // MemAvailable; 0 if unknown
  std::string os;      // "Debian GNU/Linux 12 (bookworm)" or uname sysname
  std::string kernel;  // uname sysname + release, e.g. "Linux 6.1.0-18"
  // The FMA kernel MeasurePeaks will use on this machine, e.g. "avx512f".
  std::string fma_kernel;
  // What could not be determined (e.g. cpuinfo failed); empty normally.
  std::vector<std::string> warnings;

  bool HasFeature(const std::string& name) const;
};

// Never fails on a machine that cpuinfo does not know: the fields it could
// not fill are left empty/zero and a warning says so.
Result<DeviceInfo> DescribeDevice();

struct PeakOptions {
  // Short runs (small buffer, few repetitions): for tests and smoke checks;
  // the figures are then rougher, usually lower.
  bool quick = false;
  // Threads of the *_all figures; 0 = every usable logical processor.
  int num_threads = 0;
  // Memory buffer; 0 = automatic: max(256 MiB, 4 x total L3), at most 1/4 of
  // the total memory and 2 GiB (quick: 64 MiB). Rounded down to whole blocks.
  uint64_t buffer_bytes = 0;
  // Timed repetitions of each figure (after one untimed warm-up); 0 = 7
  // (quick: 3). An FMA repetition lasts about 30 ms (quick: 10 ms).
  int repetitions = 0;
  // Measure the FMA figures only (the memory figures stay 0): what a
  // per-layer profile needs, in a fraction of the time.
  bool fma_only = false;
};

// Best of `repetitions` for each figure (the highest rate). Copy counts the
// bytes read plus the bytes written (2x the bytes copied), as STREAM does.
struct MachinePeaks {
  std::string fma_kernel;  // FmaKernel::name used
  int fma_lanes = 0;
  int fma_chains = 0;
  int threads_all = 0;  // threads of the *_all figures
  double fma_gflops_1t = 0;
  double fma_gflops_all = 0;
  double read_gbps_1t = 0;
  double read_gbps_all = 0;
  double write_gbps_1t = 0;
  double write_gbps_all = 0;
  double copy_gbps_1t = 0;
  double copy_gbps_all = 0;
  uint64_t buffer_bytes = 0;  // memory buffer (copy: half to the other half)
  int repetitions = 0;
  double elapsed_s = 0;  // wall time of the whole measurement
  // Every timed repetition of every figure (same units), keyed by the field
  // name above, e.g. "fma_gflops_1t": raw samples for whoever doubts a best.
  std::map<std::string, std::vector<double>> samples;
};

// Errors: InvalidArgument for bad options, IoError when the buffer cannot be
// allocated or threads cannot be started, Internal when a kernel's result is
// wrong (its check against the known answer failed).
Result<MachinePeaks> MeasurePeaks(const PeakOptions& options);

nlohmann::json ToJson(const DeviceInfo& info);
nlohmann::json ToJson(const MachinePeaks& peaks);

}  // namespace mai::device

#endif  // MAI_DEVICE_DEVICE_INFO_H_

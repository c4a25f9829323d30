#include "device/device_info.h"

#include <cpuinfo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "device/cpu_names.h"
#include "device/peak_kernels.h"
#include "device/threads.h"

#ifdef __linux__
#include <sys/sysinfo.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <sys/utsname.h>
#endif

namespace mai::device {
namespace {

// Value of the first line "key<spaces>: value" (or key=value with `sep`) in
// a text file, trimmed; "" if the file or key is missing.
std::string FileField(const std::string& path, const std::string& key,
                      char sep = ':') {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find(sep);
    if (at == std::string::npos) continue;
    std::string k = line.substr(0, at);
    while (!k.empty() && (k.back() == ' ' || k.back() == '\t')) k.pop_back();
    if (k != key) continue;
    std::string v = line.substr(at + 1);
    const size_t b = v.find_first_not_of(" \t\"");
    const size_t e = v.find_last_not_of(" \t\"\r");
    return b == std::string::npos ? "" : v.substr(b, e - b + 1);
  }
  return "";
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  // Device-tree strings end in NUL.
  line.erase(std::find(line.begin(), line.end(), '\0'), line.end());
  return line;
}

CacheLevel Level(uint32_t count, const cpuinfo_cache* first) {
  CacheLevel level;
  if (count == 0 || first == nullptr) return level;
  level.size_bytes = first->size;
  level.instances = count;
  level.line_bytes = first->line_size;
  level.shared_by = first->processor_count;
  return level;
}

void AddIsaFeatures(DeviceInfo& info) {
  auto add = [&info](bool has, const char* name) {
    if (has) info.isa_features.push_back(name);
  };
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
  add(cpuinfo_has_x86_sse2(), "sse2");
  add(cpuinfo_has_x86_sse3(), "sse3");
  add(cpuinfo_has_x86_ssse3(), "ssse3");
  add(cpuinfo_has_x86_sse4_1(), "sse4.1");
  add(cpuinfo_has_x86_sse4_2(), "sse4.2");
  add(cpuinfo_has_x86_avx(), "avx");
  add(cpuinfo_has_x86_f16c(), "f16c");
  add(cpuinfo_has_x86_fma3(), "fma3");
  add(cpuinfo_has_x86_avx2(), "avx2");
  add(cpuinfo_has_x86_avx512f(), "avx512f");
  add(cpuinfo_has_x86_avx512cd(), "avx512cd");
  add(cpuinfo_has_x86_avx512dq(), "avx512dq");
  add(cpuinfo_has_x86_avx512bw(), "avx512bw");
  add(cpuinfo_has_x86_avx512vl(), "avx512vl");
  add(cpuinfo_has_x86_avx512ifma(), "avx512ifma");
  add(cpuinfo_has_x86_avx512vbmi(), "avx512vbmi");
  add(cpuinfo_has_x86_avx512vbmi2(), "avx512vbmi2");
  add(cpuinfo_has_x86_avx512bitalg(), "avx512bitalg");
  add(cpuinfo_has_x86_avx512vpopcntdq(), "avx512vpopcntdq");
  add(cpuinfo_has_x86_avx512vnni(), "avx512vnni");
  add(cpuinfo_has_x86_avx512bf16(), "avx512bf16");
  add(cpuinfo_has_x86_avx512vp2intersect(), "avx512vp2intersect");
#endif
#if CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
  add(cpuinfo_has_arm_neon(), "neon");
  add(cpuinfo_has_arm_neon_fma(), "neon_fma");
  add(cpuinfo_has_arm_neon_fp16(), "neon_fp16");
  add(cpuinfo_has_arm_fp16_arith(), "fp16_arith");
  add(cpuinfo_has_arm_neon_fp16_arith(), "neon_fp16_arith");
  add(cpuinfo_has_arm_neon_dot(), "dotprod");
  add(cpuinfo_has_arm_neon_rdm(), "rdm");
  add(cpuinfo_has_arm_bf16(), "bf16");
  add(cpuinfo_has_arm_sve(), "sve");
  add(cpuinfo_has_arm_sve2(), "sve2");
  add(cpuinfo_has_arm_aes(), "aes");
  add(cpuinfo_has_arm_crc32(), "crc32");
#endif
}

// "Zen 3" for one microarchitecture; "Cortex-X3 x1 + Cortex-A715 x4 + ..."
// (cores) for a hybrid CPU.
std::string DescribeUarchs(const std::string& vendor) {
  std::vector<std::string> parts;
  const uint32_t n = cpuinfo_get_uarchs_count();
  for (uint32_t i = 0; i < n; ++i) {
    const cpuinfo_uarch_info* u = cpuinfo_get_uarch(i);
    if (u == nullptr) continue;
    std::string name = UarchName(u->uarch);
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
    if (name.empty()) {
      name = X86UarchFromSignature(vendor, DecodeX86Signature(u->cpuid));
    }
#elif CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
    if (name.empty()) name = ArmUarchFromMidr(u->midr);
#endif
    if (name.empty()) name = "unknown";
    parts.push_back(n == 1 ? name : fmt::format("{} x{}", name, u->core_count));
  }
  if (parts.empty()) return "unknown";
  std::string joined = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) joined += " + " + parts[i];
  return joined;
}

std::string CpuId(const cpuinfo_core* core) {
#if CPUINFO_ARCH_X86 || CPUINFO_ARCH_X86_64
  const X86Signature sig = DecodeX86Signature(core->cpuid);
  return fmt::format("family {:#x} model {:#x} stepping {}", sig.family,
                     sig.model, sig.stepping);
#elif CPUINFO_ARCH_ARM || CPUINFO_ARCH_ARM64
  return fmt::format("midr {:#010x}", core->midr);
#else
  return "";
#endif
}

void AddFrequency(DeviceInfo& info) {
  double max_khz = 0;
  for (uint32_t cpu = 0; cpu < std::max(1u, info.logical_processors); ++cpu) {
    const std::string v = FirstLine(fmt::format(
        "/sys/devices/system/cpu/cpu{}/cpufreq/cpuinfo_max_freq", cpu));
    if (!v.empty()) max_khz = std::max(max_khz, std::atof(v.c_str()));
  }
  if (max_khz > 0) {
    info.frequency_mhz = max_khz / 1000.0;
    info.frequency_source = "cpufreq max";
    return;
  }
  const std::string mhz = FileField("/proc/cpuinfo", "cpu MHz");
  if (!mhz.empty() && std::atof(mhz.c_str()) > 0) {
    info.frequency_mhz = std::atof(mhz.c_str());
    info.frequency_source = "/proc/cpuinfo";
  }
}

void AddOs(DeviceInfo& info) {
#if defined(__unix__) || defined(__APPLE__)
  utsname u;
  if (uname(&u) == 0) {
    info.arch = u.machine;
    info.kernel = fmt::format("{} {}", u.sysname, u.release);
    info.os = u.sysname;
  }
#endif
  const std::string pretty = FileField("/etc/os-release", "PRETTY_NAME", '=');
  if (!pretty.empty()) info.os = pretty;
  if (info.arch.empty()) {
#if CPUINFO_ARCH_X86_64
    info.arch = "x86_64";
#elif CPUINFO_ARCH_ARM64
    info.arch = "aarch64";
#endif
  }
}

void AddMemory(DeviceInfo& info) {
#ifdef __linux__
  struct sysinfo si;
  if (sysinfo(&si) == 0) {
    info.total_memory_bytes =
        static_cast<uint64_t>(si.totalram) * std::max(1u, si.mem_unit);
  }
#endif
  // "MemAvailable:   12345678 kB"
  const std::string avail = FileField("/proc/meminfo", "MemAvailable");
  if (!avail.empty()) {
    info.available_memory_bytes =
        std::strtoull(avail.c_str(), nullptr, 10) * 1024;
  }
  if (info.total_memory_bytes == 0) {
    const std::string total = FileField("/proc/meminfo", "MemTotal");
    info.total_memory_bytes = std::strtoull(total.c_str(), nullptr, 10) * 1024;
  }
}

}  // namespace

bool DeviceInfo::HasFeature(const std::string& name) const {
  return std::find(isa_features.begin(), isa_features.end(), name) !=
         isa_features.end();
}

Result<DeviceInfo> DescribeDevice() {
  DeviceInfo info;
  AddOs(info);
  AddMemory(info);
  info.usable_processors = static_cast<uint32_t>(UsableCpus().size());
  info.fma_kernel = BestFmaKernel()->name;

  if (cpuinfo_initialize() && cpuinfo_get_cores_count() > 0) {
    const cpuinfo_core* core = cpuinfo_get_core(0);
    const cpuinfo_package* package = cpuinfo_get_package(0);
    info.vendor = VendorName(core->vendor);
    info.model_name = package != nullptr ? package->name : "";
    info.uarch = DescribeUarchs(info.vendor);
    info.cpu_id = CpuId(core);
    info.packages = cpuinfo_get_packages_count();
    info.cores = cpuinfo_get_cores_count();
    info.logical_processors = cpuinfo_get_processors_count();
    info.l1d = Level(cpuinfo_get_l1d_caches_count(), cpuinfo_get_l1d_cache(0));
    info.l2 = Level(cpuinfo_get_l2_caches_count(), cpuinfo_get_l2_cache(0));
    info.l3 = Level(cpuinfo_get_l3_caches_count(), cpuinfo_get_l3_cache(0));
    AddIsaFeatures(info);
  } else {
    info.warnings.push_back(
        "cpuinfo could not describe this CPU: vendor, microarchitecture, "
        "caches and ISA features are unknown");
    info.vendor = "unknown";
    info.uarch = "unknown";
    info.packages = 1;
    info.logical_processors = std::max(1u, std::thread::hardware_concurrency());
    info.cores = info.logical_processors;
  }
  if (info.model_name.empty()) {
    info.model_name = FileField("/proc/cpuinfo", "model name");
  }
  if (info.model_name.empty()) {
    info.model_name = FileField("/proc/cpuinfo", "Hardware");
  }
  if (info.model_name.empty()) {
    info.model_name = FirstLine("/sys/firmware/devicetree/base/model");
  }
  if (info.model_name.empty()) info.model_name = "unknown";
  AddFrequency(info);
  if (info.total_memory_bytes == 0) {
    info.warnings.push_back("total memory is unknown");
  }
  return info;
}

namespace {
nlohmann::json CacheJson(const CacheLevel& c) {
  return {{"size_bytes", c.size_bytes},
          {"instances", c.instances},
          {"line_bytes", c.line_bytes},
          {"shared_by", c.shared_by}};
}
}  // namespace

nlohmann::json ToJson(const DeviceInfo& info) {
  return {
      {"arch", info.arch},
      {"vendor", info.vendor},
      {"model_name", info.model_name},
      {"uarch", info.uarch},
      {"cpu_id", info.cpu_id},
      {"packages", info.packages},
      {"cores", info.cores},
      {"logical_processors", info.logical_processors},
      {"usable_processors", info.usable_processors},
      {"frequency_mhz", info.frequency_mhz},
      {"frequency_source", info.frequency_source},
      {"isa_features", info.isa_features},
      {"caches",
       {{"l1d", CacheJson(info.l1d)},
        {"l2", CacheJson(info.l2)},
        {"l3", CacheJson(info.l3)}}},
      {"total_memory_bytes", info.total_memory_bytes},
      {"available_memory_bytes", info.available_memory_bytes},
      {"os", info.os},
      {"kernel", info.kernel},
      {"fma_kernel", info.fma_kernel},
      {"warnings", info.warnings},
  };
}

nlohmann::json ToJson(const MachinePeaks& p) {
  return {
      {"fma_kernel", p.fma_kernel},       {"fma_lanes", p.fma_lanes},
      {"fma_chains", p.fma_chains},       {"threads_all", p.threads_all},
      {"fma_gflops_1t", p.fma_gflops_1t}, {"fma_gflops_all", p.fma_gflops_all},
      {"read_gbps_1t", p.read_gbps_1t},   {"read_gbps_all", p.read_gbps_all},
      {"write_gbps_1t", p.write_gbps_1t}, {"write_gbps_all", p.write_gbps_all},
      {"copy_gbps_1t", p.copy_gbps_1t},   {"copy_gbps_all", p.copy_gbps_all},
      {"buffer_bytes", p.buffer_bytes},   {"repetitions", p.repetitions},
      {"elapsed_s", p.elapsed_s},         {"samples", p.samples},
  };
}

}  // namespace mai::device

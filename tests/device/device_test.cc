// DescribeDevice agrees with what the OS says independently, MeasurePeaks
// gives positive figures below physical bounds, and `mai device` prints them.
// No timing assertions beyond those bounds: the machine may be busy.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "device/device_info.h"

namespace mai::device {
namespace {

// Upper bound on fp32 flops of one core: 64 flop/cycle (two 512-bit FMA
// pipes) at 10 GHz, well above any CPU that exists.
constexpr double kMaxGflopsPerCore = 64 * 10.0;
// Upper bound on bandwidth per thread: far above any memory system.
constexpr double kMaxGbpsPerThread = 1000.0;

TEST(DescribeDeviceTest, CountsAreSaneAndConsistent) {
  Result<DeviceInfo> r = DescribeDevice();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const DeviceInfo& d = *r;
  EXPECT_TRUE(d.warnings.empty()) << d.warnings.front();
  EXPECT_FALSE(d.arch.empty());
  EXPECT_FALSE(d.model_name.empty());
  EXPECT_NE(d.vendor, "");
  EXPECT_FALSE(d.os.empty());
  EXPECT_FALSE(d.kernel.empty());
  EXPECT_GE(d.packages, 1u);
  EXPECT_GE(d.cores, d.packages);
  EXPECT_GE(d.logical_processors, d.cores);
  EXPECT_GE(d.usable_processors, 1u);
  EXPECT_LE(d.usable_processors, d.logical_processors);
  EXPECT_FALSE(d.fma_kernel.empty());
  EXPECT_GE(d.frequency_mhz, 0.0);
  EXPECT_LT(d.frequency_mhz, 10000.0);
}

TEST(DescribeDeviceTest, CachesArePlausibleWhereReported) {
  Result<DeviceInfo> r = DescribeDevice();
  ASSERT_TRUE(r.ok());
  for (const CacheLevel* c : {&r->l1d, &r->l2, &r->l3}) {
    if (c->size_bytes == 0) continue;
    EXPECT_GE(c->size_bytes, 1024u);
    EXPECT_GE(c->instances, 1u);
    EXPECT_GE(c->shared_by, 1u);
    EXPECT_TRUE(c->line_bytes == 0 || c->line_bytes == 32 ||
                c->line_bytes == 64 || c->line_bytes == 128)
        << c->line_bytes;
  }
#if defined(__x86_64__)
  // Every x86-64 CPU of the last 20 years has L1d and L2; L2 is larger.
  EXPECT_GT(r->l1d.size_bytes, 0u);
  EXPECT_GT(r->l2.size_bytes, r->l1d.size_bytes);
#endif
}

TEST(DescribeDeviceTest, MemoryMatchesSysconf) {
  Result<DeviceInfo> r = DescribeDevice();
  ASSERT_TRUE(r.ok());
  const double pages = static_cast<double>(sysconf(_SC_PHYS_PAGES));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ASSERT_GT(pages * page, 0.0);
  EXPECT_NEAR(static_cast<double>(r->total_memory_bytes), pages * page,
              0.01 * pages * page);
  EXPECT_LE(r->available_memory_bytes, r->total_memory_bytes);
}

#if defined(__linux__) && defined(__x86_64__)
// /proc/cpuinfo spells the same features its own way; it is the kernel's
// independent view of CPUID.
std::string ProcFlagName(const std::string& f) {
  if (f == "sse3") return "pni";
  if (f == "sse4.1") return "sse4_1";
  if (f == "sse4.2") return "sse4_2";
  if (f == "fma3") return "fma";
  for (const char* under :
       {"vnni", "bf16", "vbmi2", "bitalg", "vpopcntdq", "vp2intersect"}) {
    if (f == std::string("avx512") + under)
      return std::string("avx512_") + under;
  }
  return f;
}

TEST(DescribeDeviceTest, AgreesWithProcCpuinfo) {
  Result<DeviceInfo> r = DescribeDevice();
  ASSERT_TRUE(r.ok());
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  int processors = 0;
  while (std::getline(in, line)) {
    if (line.rfind("processor", 0) == 0) ++processors;
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = line + " ";
  }
  ASSERT_FALSE(flags.empty());
  EXPECT_EQ(r->logical_processors, static_cast<uint32_t>(processors));
  EXPECT_TRUE(r->HasFeature("sse2"));  // x86-64 baseline
  for (const std::string& f : r->isa_features) {
    EXPECT_NE(flags.find(" " + ProcFlagName(f) + " "), std::string::npos)
        << f << " reported but not in /proc/cpuinfo flags";
  }
  // Conversely, the headline features the kernel lists are reported.
  for (const char* f : {"avx2", "fma3", "avx512f", "avx512bw", "avx512vnni"}) {
    if (flags.find(" " + ProcFlagName(f) + " ") != std::string::npos) {
      EXPECT_TRUE(r->HasFeature(f)) << f;
    }
  }
  if (r->HasFeature("avx512f")) EXPECT_EQ(r->fma_kernel, "avx512f");
}
#endif

TEST(DescribeDeviceTest, JsonHasEveryField) {
  Result<DeviceInfo> r = DescribeDevice();
  ASSERT_TRUE(r.ok());
  nlohmann::json j = ToJson(*r);
  EXPECT_EQ(j["cores"], r->cores);
  EXPECT_EQ(j["model_name"], r->model_name);
  EXPECT_EQ(j["caches"]["l1d"]["size_bytes"], r->l1d.size_bytes);
  EXPECT_EQ(j["isa_features"].size(), r->isa_features.size());
  EXPECT_EQ(j["total_memory_bytes"], r->total_memory_bytes);
}

void ExpectSane(const MachinePeaks& p, int threads) {
  EXPECT_EQ(p.threads_all, threads);
  EXPECT_GT(p.fma_lanes, 0);
  EXPECT_GT(p.fma_chains, 0);
  for (double v :
       {p.fma_gflops_1t, p.fma_gflops_all, p.read_gbps_1t, p.read_gbps_all,
        p.write_gbps_1t, p.write_gbps_all, p.copy_gbps_1t, p.copy_gbps_all}) {
    EXPECT_GT(v, 0.0);
  }
  EXPECT_LT(p.fma_gflops_1t, kMaxGflopsPerCore);
  EXPECT_LT(p.fma_gflops_all, kMaxGflopsPerCore * threads);
  for (double v : {p.read_gbps_1t, p.write_gbps_1t, p.copy_gbps_1t}) {
    EXPECT_LT(v, kMaxGbpsPerThread);
  }
  for (double v : {p.read_gbps_all, p.write_gbps_all, p.copy_gbps_all}) {
    EXPECT_LT(v, kMaxGbpsPerThread * threads);
  }
  // Each best is the highest of its raw samples.
  ASSERT_EQ(p.samples.size(), 8u);
  const std::map<std::string, double> best = {
      {"fma_gflops_1t", p.fma_gflops_1t}, {"fma_gflops_all", p.fma_gflops_all},
      {"read_gbps_1t", p.read_gbps_1t},   {"read_gbps_all", p.read_gbps_all},
      {"write_gbps_1t", p.write_gbps_1t}, {"write_gbps_all", p.write_gbps_all},
      {"copy_gbps_1t", p.copy_gbps_1t},   {"copy_gbps_all", p.copy_gbps_all}};
  for (const auto& [name, value] : best) {
    const std::vector<double>& s = p.samples.at(name);
    ASSERT_EQ(s.size(), static_cast<size_t>(p.repetitions)) << name;
    EXPECT_EQ(*std::max_element(s.begin(), s.end()), value) << name;
  }
}

TEST(MeasurePeaksTest, QuickMeasurementIsPositiveAndBelowPhysicalBounds) {
  Result<DeviceInfo> d = DescribeDevice();
  ASSERT_TRUE(d.ok());
  PeakOptions o;
  o.quick = true;
  Result<MachinePeaks> p = MeasurePeaks(o);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ExpectSane(*p, static_cast<int>(d->usable_processors));
  EXPECT_EQ(p->fma_kernel, d->fma_kernel);
  EXPECT_EQ(p->repetitions, 3);
  EXPECT_EQ(p->buffer_bytes, 64u << 20);
}

TEST(MeasurePeaksTest, HonoursThreadsBufferAndRepetitions) {
  PeakOptions o;
  o.quick = true;
  o.num_threads = 3;  // more than this machine may have: oversubscribed
  o.buffer_bytes = (8u << 20) + 100;
  o.repetitions = 2;
  Result<MachinePeaks> p = MeasurePeaks(o);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ExpectSane(*p, 3);
  EXPECT_EQ(p->buffer_bytes, 8u << 20);  // rounded down to whole pages
  EXPECT_EQ(p->repetitions, 2);
}

TEST(MeasurePeaksTest, RejectsBadOptions) {
  PeakOptions o;
  o.num_threads = -1;
  EXPECT_EQ(MeasurePeaks(o).status().code(), StatusCode::kInvalidArgument);
  o = PeakOptions{};
  o.repetitions = -2;
  EXPECT_EQ(MeasurePeaks(o).status().code(), StatusCode::kInvalidArgument);
  o = PeakOptions{};
  o.buffer_bytes = 4096;
  EXPECT_EQ(MeasurePeaks(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(MeasurePeaksTest, JsonCarriesFiguresAndSamples) {
  PeakOptions o;
  o.quick = true;
  o.num_threads = 1;
  o.buffer_bytes = 4u << 20;
  Result<MachinePeaks> p = MeasurePeaks(o);
  ASSERT_TRUE(p.ok()) << p.status().message();
  nlohmann::json j = ToJson(*p);
  EXPECT_EQ(j["fma_gflops_1t"], p->fma_gflops_1t);
  EXPECT_EQ(j["copy_gbps_all"], p->copy_gbps_all);
  EXPECT_EQ(j["threads_all"], 1);
  EXPECT_EQ(j["samples"]["read_gbps_1t"].size(), size_t(p->repetitions));
}

#ifdef MAI_BINARY
struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

CommandResult RunMai(const std::string& args) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("mai_device_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string tag = std::to_string(counter++);
  const fs::path out = dir / (tag + ".out"), err = dir / (tag + ".err");
  const std::string cmd = std::string(MAI_BINARY) + " " + args + " >" +
                          out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream o, e;
  o << std::ifstream(out).rdbuf();
  e << std::ifstream(err).rdbuf();
  r.out = o.str();
  r.err = e.str();
  return r;
}

TEST(DeviceCliTest, JsonParsesAndHasDeviceAndPeaks) {
  CommandResult r = RunMai("device --json --quick");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_GE(j["device"]["cores"].get<int>(), 1);
  EXPECT_FALSE(j["device"]["model_name"].get<std::string>().empty());
  EXPECT_GT(j["peaks"]["fma_gflops_1t"].get<double>(), 0.0);
  EXPECT_GT(j["peaks"]["read_gbps_all"].get<double>(), 0.0);
  EXPECT_EQ(j["peaks"]["repetitions"], 3);
}

TEST(DeviceCliTest, TextNamesEveryFigure) {
  CommandResult r = RunMai("device --quick --num_threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"cpu ", "caches", "memory", "fp32 fma", "GFLOP/s",
                        "read", "write", "copy", "GB/s"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
}

TEST(DeviceCliTest, BadThreadCountIsOneLineAndExitOne) {
  CommandResult r = RunMai("device --quick --num_threads -1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("mai device: "), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}
#endif

}  // namespace
}  // namespace mai::device

// `mai device`: what this machine is and its measured limits (peak fp32 FMA
// throughput, memory bandwidth), the yardstick of a per-layer profile.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench/power/power_source.h"
#include "cli/commands.h"
#include "device/device_info.h"

namespace mai::cli {
namespace {

struct DeviceOptions {
  bool json = false;
  bool quick = false;
  int num_threads = 0;
};

std::string Bytes(uint64_t b) {
  constexpr double kKiB = 1024.0;
  if (b >= (uint64_t{1} << 30))
    return fmt::format("{:.1f} GiB", b / (kKiB * kKiB * kKiB));
  if (b >= (uint64_t{1} << 20))
    return fmt::format("{:g} MiB", b / (kKiB * kKiB));
  if (b >= (uint64_t{1} << 10)) return fmt::format("{:g} KiB", b / kKiB);
  return fmt::format("{} B", b);
}

std::string Cache(const char* name, const device::CacheLevel& c) {
  if (c.size_bytes == 0) return fmt::format("{} -", name);
  return fmt::format("{} {} x{}", name, Bytes(c.size_bytes), c.instances);
}

void PrintText(const device::DeviceInfo& d, const device::MachinePeaks& p) {
  fmt::print("cpu          {} ({}, {}; {})\n", d.model_name, d.vendor, d.uarch,
             d.cpu_id);
  fmt::print("processors   {} package{}, {} cores, {} logical ({} usable)\n",
             d.packages, d.packages == 1 ? "" : "s", d.cores,
             d.logical_processors, d.usable_processors);
  if (d.frequency_mhz > 0) {
    fmt::print("frequency    {:.0f} MHz ({})\n", d.frequency_mhz,
               d.frequency_source);
  }
  std::string isa;
  for (const std::string& f : d.isa_features)
    isa += (isa.empty() ? "" : " ") + f;
  fmt::print("isa          {}\n", isa.empty() ? "-" : isa);
  fmt::print("caches       {}, {}, {}\n", Cache("L1d", d.l1d),
             Cache("L2", d.l2), Cache("L3", d.l3));
  fmt::print("memory       {} total, {} available\n",
             Bytes(d.total_memory_bytes), Bytes(d.available_memory_bytes));
  fmt::print("os           {}, {} ({})\n", d.os, d.kernel, d.arch);
  for (const std::string& w : d.warnings) fmt::print("warning      {}\n", w);

  const int n = p.threads_all;
  fmt::print(
      "measured     in {:.1f} s, best of {}; fma kernel {} ({} lanes x {} "
      "chains); {} buffer\n",
      p.elapsed_s, p.repetitions, p.fma_kernel, p.fma_lanes, p.fma_chains,
      Bytes(p.buffer_bytes));
  fmt::print(
      "fp32 fma      {:8.1f} GFLOP/s 1 thread   {:8.1f} GFLOP/s {} threads\n",
      p.fma_gflops_1t, p.fma_gflops_all, n);
  fmt::print(
      "read          {:8.1f} GB/s    1 thread   {:8.1f} GB/s    {} threads\n",
      p.read_gbps_1t, p.read_gbps_all, n);
  fmt::print(
      "write         {:8.1f} GB/s    1 thread   {:8.1f} GB/s    {} threads\n",
      p.write_gbps_1t, p.write_gbps_all, n);
  fmt::print(
      "copy          {:8.1f} GB/s    1 thread   {:8.1f} GB/s    {} threads\n",
      p.copy_gbps_1t, p.copy_gbps_all, n);
}

int RunDevice(const DeviceOptions& opt) {
  auto fail = [](const Status& s) {
    fmt::print(stderr, "mai device: {}\n", s.message());
    return 1;
  };
  Result<device::DeviceInfo> info = device::DescribeDevice();
  if (!info.ok()) return fail(info.status());
  device::PeakOptions po;
  po.quick = opt.quick;
  po.num_threads = opt.num_threads;
  Result<device::MachinePeaks> peaks = device::MeasurePeaks(po);
  if (!peaks.ok()) return fail(peaks.status());
  // Power sources `mai bench --power_source auto` would use, first = auto's.
  const std::vector<bench::PowerSourceInfo> power = bench::ListPowerSources();
  if (opt.json) {
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& p : power) {
      sources.push_back({{"spec", p.spec}, {"description", p.description}});
    }
    nlohmann::json j = {{"device", device::ToJson(*info)},
                        {"peaks", device::ToJson(*peaks)},
                        {"power_sources", sources}};
    fmt::print("{}\n", j.dump(2));
  } else {
    PrintText(*info, *peaks);
    if (power.empty()) {
      fmt::print(
          "power        unavailable (no RAPL, hwmon or battery reading; "
          "an external meter can be given to mai bench, see "
          "docs/power.md)\n");
    }
    for (const auto& p : power) {
      fmt::print("power        {}: {}\n", p.spec, p.description);
    }
  }
  return 0;
}

}  // namespace

void SetupDevice(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<DeviceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "device",
      "Describe this machine and measure its peak FMA and memory rates");
  cmd->add_flag("--json", opt->json, "Print JSON instead of text");
  cmd->add_flag("--quick", opt->quick,
                "Shorter, rougher measurement (small buffer, 3 repetitions)");
  cmd->add_option("--num_threads", opt->num_threads,
                  "Threads of the all-threads figures (0: every usable CPU)")
      ->default_val(0);
  cmd->callback([opt, exit_code]() { *exit_code = RunDevice(*opt); });
}

}  // namespace mai::cli

// Linux powercap RAPL: <root>/class/powercap/intel-rapl:N/energy_uj.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

namespace {

struct RaplDomain {
  std::string dir_name;  // intel-rapl:0
  std::string name;      // package-0
  EnergyCounter counter;
};

// Top-level zones intel-rapl:N (not sub-zones intel-rapl:N:M, and not the
// intel-rapl-mmio duplicates of the package zone).
std::vector<RaplDomain> FindDomains(const fs::path& powercap) {
  std::vector<RaplDomain> all;
  for (const std::string& entry : ListDirNatural(powercap)) {
    if (!MatchIndexed(entry, "intel-rapl:", "")) continue;
    RaplDomain d;
    d.dir_name = entry;
    Result<std::string> name = ReadTrimmedFile(powercap / entry / "name");
    d.name = name.ok() ? *name : entry;
    d.counter.path = powercap / entry / "energy_uj";
    Result<int64_t> range =
        ReadIntFile(powercap / entry / "max_energy_range_uj");
    if (range.ok() && *range > 0) d.counter.max_range_uj = *range;
    all.push_back(std::move(d));
  }
  // Sum the packages; "psys" and similar platform zones already contain them.
  std::vector<RaplDomain> packages;
  for (const RaplDomain& d : all) {
    if (d.name.rfind("package", 0) == 0) packages.push_back(d);
  }
  return packages.empty() ? all : packages;
}

}  // namespace

Result<std::unique_ptr<PowerSource>> OpenRapl(const PowerOptions& options) {
  fs::path powercap = fs::path(options.sysfs_root) / "class" / "powercap";
  std::vector<RaplDomain> domains = FindDomains(powercap);
  if (domains.empty()) {
    return NotFound("rapl: no intel-rapl:N zone under {}", powercap.string());
  }
  std::vector<std::string> names, dirs;
  std::vector<EnergyCounter> counters;
  for (const RaplDomain& d : domains) {
    Result<int64_t> probe = ReadIntFile(d.counter.path);
    if (!probe.ok()) {
      std::string hint =
          probe.status().message().find("Permission denied") !=
                  std::string::npos
              ? " (energy_uj is readable by root only on current kernels)"
              : "";
      return Status(probe.status().code(),
                    "rapl: " + probe.status().message() + hint);
    }
    names.push_back(d.name);
    dirs.push_back((powercap / d.dir_name).string());
    counters.push_back(d.counter);
  }
  std::string description = fmt::format("RAPL {} ({})", fmt::join(names, " + "),
                                        fmt::join(dirs, ", "));
  return std::unique_ptr<PowerSource>(std::make_unique<EnergyCounterSource>(
      "rapl", std::move(description), std::move(counters)));
}

std::vector<PowerSourceInfo> ListRapl(const PowerOptions& options) {
  Result<std::unique_ptr<PowerSource>> source = OpenRapl(options);
  if (!source.ok()) return {};
  return {PowerSourceInfo{"rapl", (*source)->description()}};
}

}  // namespace mai::bench::power_internal

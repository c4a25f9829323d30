// Linux/Android power_supply batteries:
// <root>/class/power_supply/<name>/{type, status, current_now, voltage_now}.
#include <fmt/format.h>

#include <cmath>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

namespace {

struct Battery {
  fs::path dir;
  std::string name;
  bool has_current = false;  // current_now + voltage_now, else power_now
};

// OK while the battery powers the device. A missing status file is accepted.
Status CheckDischarging(const Battery& b) {
  Result<std::string> status = ReadTrimmedFile(b.dir / "status");
  if (!status.ok()) {
    if (status.status().code() == StatusCode::kNotFound) return Status::Ok();
    return status.status();
  }
  if (*status == "Charging") {
    return InvalidArgument(
        "battery {} is charging: its current is not the device's draw; "
        "unplug the charger",
        b.name);
  }
  if (*status == "Full" || *status == "Not charging") {
    return InvalidArgument(
        "battery {} is not discharging (status '{}'): the device runs on "
        "external power; unplug the charger",
        b.name, *status);
  }
  return Status::Ok();
}

Result<double> ReadBatteryWatts(const Battery& b) {
  MAI_RETURN_IF_ERROR(CheckDischarging(b));
  if (!b.has_current) {
    MAI_ASSIGN_OR_RETURN(int64_t microwatts, ReadIntFile(b.dir / "power_now"));
    return std::fabs(static_cast<double>(microwatts)) * 1e-6;
  }
  MAI_ASSIGN_OR_RETURN(int64_t microamps, ReadIntFile(b.dir / "current_now"));
  MAI_ASSIGN_OR_RETURN(int64_t microvolts, ReadIntFile(b.dir / "voltage_now"));
  // Discharge current is negative on some devices and positive on others.
  return std::fabs(static_cast<double>(microamps)) * 1e-6 *
         (static_cast<double>(microvolts) * 1e-6);
}

std::string Describe(const Battery& b) {
  return fmt::format(
      "battery {} {} ({})", b.name,
      b.has_current ? "|current_now| x voltage_now" : "power_now",
      b.dir.string());
}

// Supplies of type Battery that are present and have the needed files.
std::vector<Battery> FindBatteries(const fs::path& root,
                                   const std::string& selector) {
  std::vector<Battery> found;
  for (const std::string& entry : ListDirNatural(root)) {
    if (!selector.empty() && selector != entry) continue;
    Battery b;
    b.dir = root / entry;
    b.name = entry;
    Result<std::string> type = ReadTrimmedFile(b.dir / "type");
    if (!type.ok() || *type != "Battery") continue;
    Result<int64_t> present = ReadIntFile(b.dir / "present");
    if (present.ok() && *present == 0) continue;
    b.has_current =
        fs::exists(b.dir / "current_now") && fs::exists(b.dir / "voltage_now");
    if (!b.has_current && !fs::exists(b.dir / "power_now")) continue;
    found.push_back(b);
  }
  return found;
}

}  // namespace

Result<std::unique_ptr<PowerSource>> OpenBattery(const PowerOptions& options,
                                                 const std::string& selector) {
  fs::path root = fs::path(options.sysfs_root) / "class" / "power_supply";
  std::vector<Battery> batteries = FindBatteries(root, selector);
  if (batteries.empty()) {
    return NotFound(
        "battery: no {} of type Battery with current_now and voltage_now "
        "under {}",
        selector.empty() ? "power supply" : "'" + selector + "'",
        root.string());
  }
  Status first_error;
  for (const Battery& b : batteries) {
    Result<double> probe = ReadBatteryWatts(b);
    if (!probe.ok()) {
      if (first_error.ok()) first_error = probe.status().WithContext("battery");
      continue;
    }
    return std::unique_ptr<PowerSource>(std::make_unique<SampledPowerSource>(
        "battery", Describe(b), options.sample_interval_s,
        [b]() { return ReadBatteryWatts(b); }));
  }
  return first_error;
}

std::vector<PowerSourceInfo> ListBattery(const PowerOptions& options) {
  fs::path root = fs::path(options.sysfs_root) / "class" / "power_supply";
  std::vector<PowerSourceInfo> infos;
  for (const Battery& b : FindBatteries(root, "")) {
    if (!ReadBatteryWatts(b).ok()) continue;
    infos.push_back({"battery:" + b.name, Describe(b)});
  }
  return infos;
}

}  // namespace mai::bench::power_internal

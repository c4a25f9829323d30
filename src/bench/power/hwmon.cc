// Linux hwmon: <root>/class/hwmon/hwmonN/{energyK_input, powerK_input,
// powerK_average}.
#include <fmt/format.h>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

namespace {

struct HwmonChannel {
  fs::path dir;         // .../hwmon3
  std::string chip;     // content of `name`, or the directory name
  bool energy = false;  // energyK_input (µJ counter) or power (µW)
  fs::path value_path;  // the file read
  std::string label;    // content of energyK_label / powerK_label, if any
};

bool LabelNamesWhole(const std::string& label) {
  std::string l = ToLower(label);
  for (const char* word : {"socket", "package", "pkg", "total"}) {
    if (l.find(word) != std::string::npos) return true;
  }
  return false;
}

// The channel of one kind (energy or power) this chip offers, if any: the
// one whose label names the whole device, else the lowest-numbered.
std::optional<HwmonChannel> PickChannel(const fs::path& dir,
                                        const std::string& chip,
                                        const std::vector<std::string>& files,
                                        bool energy) {
  std::optional<HwmonChannel> first, labelled;
  long long first_index = 0, labelled_index = 0;
  for (const std::string& f : files) {
    std::optional<std::string> index;
    bool average = false;
    if (energy) {
      index = MatchIndexed(f, "energy", "_input");
    } else {
      index = MatchIndexed(f, "power", "_input");
      if (!index) {
        index = MatchIndexed(f, "power", "_average");
        average = index.has_value();
      }
    }
    if (!index || index->size() > 9) continue;
    long long k = std::stoll(*index);
    // powerK_input is preferred over powerK_average of the same channel.
    if (average && fs::exists(dir / ("power" + *index + "_input"))) {
      continue;
    }
    HwmonChannel c;
    c.dir = dir;
    c.chip = chip;
    c.energy = energy;
    c.value_path = dir / f;
    Result<std::string> label = ReadTrimmedFile(
        dir / ((energy ? "energy" : "power") + *index + "_label"));
    if (label.ok()) c.label = *label;
    if (!first || k < first_index) {
      first = c;
      first_index = k;
    }
    if (LabelNamesWhole(c.label) && (!labelled || k < labelled_index)) {
      labelled = c;
      labelled_index = k;
    }
  }
  return labelled ? labelled : first;
}

std::string Describe(const HwmonChannel& c) {
  std::string what = c.value_path.filename().string();
  if (!c.label.empty()) what += " \"" + c.label + "\"";
  return fmt::format("hwmon {} {} ({})", c.chip, what, c.dir.string());
}

// Every chip's channel: energy channels of all chips first, then power.
std::vector<HwmonChannel> FindChannels(const fs::path& hwmon,
                                       const std::string& selector) {
  std::vector<HwmonChannel> energy, power;
  for (const std::string& entry : ListDirNatural(hwmon)) {
    fs::path dir = hwmon / entry;
    Result<std::string> name = ReadTrimmedFile(dir / "name");
    std::string chip = name.ok() && !name->empty() ? *name : entry;
    if (!selector.empty() && selector != chip && selector != entry) continue;
    std::vector<std::string> files = ListDirNatural(dir);
    if (auto c = PickChannel(dir, chip, files, /*energy=*/true)) {
      energy.push_back(*c);
    } else if (auto p = PickChannel(dir, chip, files, /*energy=*/false)) {
      power.push_back(*p);
    }
  }
  energy.insert(energy.end(), power.begin(), power.end());
  return energy;
}

Result<std::unique_ptr<PowerSource>> MakeSource(const HwmonChannel& c,
                                                const PowerOptions& options) {
  Result<int64_t> probe = ReadIntFile(c.value_path);
  if (!probe.ok()) return probe.status().WithContext("hwmon");
  if (c.energy) {
    return std::unique_ptr<PowerSource>(std::make_unique<EnergyCounterSource>(
        "hwmon", Describe(c),
        std::vector<EnergyCounter>{EnergyCounter{c.value_path, std::nullopt}}));
  }
  fs::path path = c.value_path;
  WattsReader read = [path]() -> Result<double> {
    MAI_ASSIGN_OR_RETURN(int64_t microwatts, ReadIntFile(path));
    return static_cast<double>(microwatts) * 1e-6;
  };
  return std::unique_ptr<PowerSource>(std::make_unique<SampledPowerSource>(
      "hwmon", Describe(c), options.sample_interval_s, std::move(read)));
}

}  // namespace

Result<std::unique_ptr<PowerSource>> OpenHwmon(const PowerOptions& options,
                                               const std::string& selector) {
  fs::path hwmon = fs::path(options.sysfs_root) / "class" / "hwmon";
  std::vector<HwmonChannel> channels = FindChannels(hwmon, selector);
  if (channels.empty()) {
    if (!selector.empty()) {
      return NotFound(
          "hwmon: no chip '{}' with energy or power inputs under {}", selector,
          hwmon.string());
    }
    return NotFound("hwmon: no chip with energy or power inputs under {}",
                    hwmon.string());
  }
  Status first_error;
  for (const HwmonChannel& c : channels) {
    Result<std::unique_ptr<PowerSource>> source = MakeSource(c, options);
    if (source.ok()) return source;
    if (first_error.ok()) first_error = source.status();
  }
  return first_error;
}

std::vector<PowerSourceInfo> ListHwmon(const PowerOptions& options) {
  fs::path hwmon = fs::path(options.sysfs_root) / "class" / "hwmon";
  std::vector<PowerSourceInfo> infos;
  for (const HwmonChannel& c : FindChannels(hwmon, "")) {
    if (!ReadIntFile(c.value_path).ok()) continue;
    infos.push_back({"hwmon:" + c.dir.filename().string(), Describe(c)});
  }
  return infos;
}

}  // namespace mai::bench::power_internal

// OpenPowerSource / ListPowerSources (spec parsing, "auto"), the trapezoid
// integrator and the number parser.
#include "bench/power/power_source.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "bench/power/power_internal.h"

namespace mai::bench {

namespace pi = power_internal;

Result<std::unique_ptr<PowerSource>> OpenPowerSource(
    const std::string& spec, const PowerOptions& options) {
  if (!(options.sample_interval_s > 0) ||
      !std::isfinite(options.sample_interval_s)) {
    return InvalidArgument("power: sample interval must be > 0 s, got {}",
                           options.sample_interval_s);
  }
  size_t colon = spec.find(':');
  std::string family = spec.substr(0, colon);
  std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  bool has_arg = colon != std::string::npos;

  if (family == "none" && !has_arg) {
    return NotFound("power: unavailable (no power source requested)");
  }
  if (family == "auto" && !has_arg) {
    std::vector<std::string> reasons;
    Result<std::unique_ptr<PowerSource>> rapl = pi::OpenRapl(options);
    if (rapl.ok()) return rapl;
    reasons.push_back(rapl.status().message());
    Result<std::unique_ptr<PowerSource>> hwmon = pi::OpenHwmon(options, "");
    if (hwmon.ok()) return hwmon;
    reasons.push_back(hwmon.status().message());
    Result<std::unique_ptr<PowerSource>> battery = pi::OpenBattery(options, "");
    if (battery.ok()) return battery;
    reasons.push_back(battery.status().message());
    return NotFound("power: unavailable ({})", fmt::join(reasons, "; "));
  }
  if (family == "rapl" && !has_arg) return pi::OpenRapl(options);
  if (family == "hwmon") return pi::OpenHwmon(options, arg);
  if (family == "battery") return pi::OpenBattery(options, arg);
  if (family == "command") return pi::OpenCommandMeter(options, arg);
  return InvalidArgument(
      "power: unknown source '{}' (expected auto, none, rapl, hwmon[:CHIP], "
      "battery[:NAME] or command:CMD)",
      spec);
}

std::vector<PowerSourceInfo> ListPowerSources(const PowerOptions& options) {
  std::vector<PowerSourceInfo> all = pi::ListRapl(options);
  for (auto& list : {pi::ListHwmon(options), pi::ListBattery(options)}) {
    all.insert(all.end(), list.begin(), list.end());
  }
  return all;
}

void PowerIntegrator::Add(double t_s, double watts) {
  if (samples_ == 0) {
    first_t_ = t_s;
  } else {
    if (t_s < last_t_) return;
    joules_ += 0.5 * (last_w_ + watts) * (t_s - last_t_);
  }
  last_t_ = t_s;
  last_w_ = watts;
  ++samples_;
}

double PowerIntegrator::mean_watts() const {
  double span = seconds();
  if (span > 0) return joules_ / span;
  return samples_ ? last_w_ : 0.0;
}

Result<double> ParseFirstNumber(const std::string& text) {
  auto digit = [&](size_t i) {
    return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool starts = digit(i) || (c == '.' && digit(i + 1)) ||
                  ((c == '-' || c == '+') &&
                   (digit(i + 1) || (i + 2 < text.size() &&
                                     text[i + 1] == '.' && digit(i + 2))));
    if (!starts) continue;
    size_t begin = c == '+' ? i + 1 : i;  // from_chars rejects a leading '+'
    double value = 0;
    auto [ptr, ec] =
        std::from_chars(text.data() + begin, text.data() + text.size(), value);
    if (ec == std::errc()) return value;
    return InvalidArgument("number out of range in '{}'", text.substr(i, 40));
  }
  std::string shown = text.substr(0, 80);
  return InvalidArgument("printed no number: '{}'", shown);
}

}  // namespace mai::bench

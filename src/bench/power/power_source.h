// Power and energy measurement over a benchmark window.
//
// A PowerSource measures the energy a device spends between Start() and
// Stop(). It either reads a hardware energy counter at both ends ("energy
// counter") or samples an instantaneous power value on a background thread
// and integrates it with the trapezoid rule ("sampled power"). A source never
// invents a number: when nothing can be measured, OpenPowerSource returns an
// error whose message begins with "power: unavailable".
//
//   PowerOptions options;  // sysfs_root = "/sys", sample_interval_s = 0.05
//   Result<std::unique_ptr<PowerSource>> source =
//       OpenPowerSource("auto", options);
//   if (!source.ok()) { fmt::print("{}\n", source.status().message()); }
//   MAI_RETURN_IF_ERROR((*source)->Start());
//   ... run the workload ...
//   Result<PowerReading> reading = (*source)->Stop();
//   // reading->joules, reading->watts (mean over the window)
//
// Sources (docs/power.md has the details: units, signs, permissions):
//   "rapl"            Linux powercap RAPL energy counters (Intel; AMD on newer
//                     kernels): <root>/class/powercap/intel-rapl:N/energy_uj.
//                     The top-level zones named "package-*" are summed (all
//                     top-level zones when none is named so); sub-zones
//                     intel-rapl:N:M (core, uncore, dram) lie inside their
//                     package and are never added. One wrap of a counter
//                     within the window is corrected with max_energy_range_uj:
//                     delta = end - start + max_energy_range_uj when end <
//                     start.
//   "hwmon[:CHIP]"    Linux hwmon: <root>/class/hwmon/hwmonN/. An energy
//                     counter energyK_input (µJ) is preferred; otherwise
//                     powerK_input or powerK_average (µW) is sampled. One
//                     channel per chip: the one whose label names a socket,
//                     package or total, else the lowest-numbered. CHIP is the
//                     chip's `name` file or its directory (hwmon3); without
//                     it, the first chip with an energy channel, else the
//                     first with a power channel.
//   "battery[:NAME]"  Linux/Android power_supply of type Battery:
//                     |current_now (µA)| × voltage_now (µV), sampled (or
//                     power_now (µW) where current_now is absent). Refused
//                     while the battery is not discharging (status Charging,
//                     Full or Not charging): then it does not power the device.
//   "command:CMD"     an external meter: the shell command CMD runs at every
//                     sample and the first number on its stdout is the power
//                     in watts; a failing command or one that prints no
//                     number is an error.
//   "auto"            the first available of rapl, hwmon, battery.
//   "none"            no measurement: always the "power: unavailable" error.
//
// Threading: one PowerSource is used by one thread at a time. Sampled sources
// run their own sampler thread between Start() and Stop(); it sleeps until
// absolute deadlines (no busy wait), and Stop() joins it. Destroying a source
// that was started but not stopped stops the thread too.
#ifndef MAI_BENCH_POWER_POWER_SOURCE_H_
#define MAI_BENCH_POWER_POWER_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai::bench {

// Energy over one Start()..Stop() window.
struct PowerReading {
  double joules = 0;   // energy spent in the window, J
  double seconds = 0;  // length of the window, s (steady clock)
  double watts = 0;    // mean power = joules / seconds, W
  int samples = 0;     // counter reads (2) or power samples integrated (>= 2)
  std::string method;  // "energy counter" or "sampled power"
};

struct PowerOptions {
  // Root of the sysfs tree; tests point it at a fake tree in a temp dir.
  std::string sysfs_root = "/sys";
  // Period of the sampler thread of sampled sources, s. Must be > 0.
  double sample_interval_s = 0.05;
};

class PowerSource {
 public:
  virtual ~PowerSource() = default;

  // Family: "rapl", "hwmon", "battery" or "command".
  virtual std::string name() const = 0;
  // What exactly is measured, for reports, e.g.
  // "RAPL package-0 (/sys/class/powercap/intel-rapl:0)".
  virtual std::string description() const = 0;

  // Opens a measurement window now: reads the counters or takes the first
  // sample (and starts the sampler thread). Errors if the window is already
  // open or the first read fails.
  virtual Status Start() = 0;
  // Closes the window now and returns its energy and mean power. Errors if
  // no window is open, if any read in the window failed, or if a counter
  // went backwards in a way that cannot be corrected.
  virtual Result<PowerReading> Stop() = 0;
};

// Opens the source named by `spec` (grammar above). Errors:
//   "none", or nothing found by "auto": kNotFound, message
//   "power: unavailable (...)" with the reason each family was skipped;
//   a named family or chip that is absent or unreadable: kNotFound/kIoError
//   naming the file; an unknown spec: kInvalidArgument.
Result<std::unique_ptr<PowerSource>> OpenPowerSource(
    const std::string& spec, const PowerOptions& options = {});

// One source that OpenPowerSource(spec) would open.
struct PowerSourceInfo {
  std::string spec;         // e.g. "rapl", "hwmon:hwmon3", "battery:BAT0"
  std::string description;  // as PowerSource::description()
};

// Every usable source found under options.sysfs_root, in the order "auto"
// tries them (the first entry is what "auto" opens). Empty when none.
std::vector<PowerSourceInfo> ListPowerSources(const PowerOptions& options = {});

// Trapezoid-rule integration of power samples, as the sampled sources use it.
// Times must not decrease; a sample earlier than the previous one is ignored.
class PowerIntegrator {
 public:
  void Add(double t_s, double watts);
  double joules() const { return joules_; }
  // Time from the first to the last sample, s.
  double seconds() const { return samples_ ? last_t_ - first_t_ : 0.0; }
  int samples() const { return samples_; }
  // joules / seconds; the one sample's value when the span is zero.
  double mean_watts() const;

 private:
  double joules_ = 0;
  double first_t_ = 0;
  double last_t_ = 0;
  double last_w_ = 0;
  int samples_ = 0;
};

// The first decimal number in `text` ("2.5", "P=-1e3 W" -> -1000), or an
// error naming the text. Used to read external meters' output.
Result<double> ParseFirstNumber(const std::string& text);

}  // namespace mai::bench

#endif  // MAI_BENCH_POWER_POWER_SOURCE_H_

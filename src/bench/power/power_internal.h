// Building blocks shared by the power sources (not part of the public API):
// sysfs file reads, the two measurement methods, and one entry point per
// source family for OpenPowerSource / ListPowerSources.
#ifndef MAI_BENCH_POWER_POWER_INTERNAL_H_
#define MAI_BENCH_POWER_POWER_INTERNAL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/power/power_source.h"

namespace mai::bench::power_internal {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Whole file, surrounding whitespace removed. kNotFound if it does not
// exist, kIoError (with the OS reason) if it cannot be read.
Result<std::string> ReadTrimmedFile(const fs::path& path);
// The file holds one integer (sysfs attribute); anything else is an error
// that names the file and quotes its content.
Result<int64_t> ReadIntFile(const fs::path& path);
// Entries of `dir` (names only) in natural order (hwmon2 before hwmon10);
// empty if the directory is absent or unreadable.
std::vector<std::string> ListDirNatural(const fs::path& dir);
// If `name` is prefix + digits + suffix, the digits; else nullopt.
// MatchIndexed("power12_input", "power", "_input") == "12".
std::optional<std::string> MatchIndexed(const std::string& name,
                                        const std::string& prefix,
                                        const std::string& suffix);
// Lower-cased copy.
std::string ToLower(std::string s);

// One monotonically increasing energy counter in µJ.
struct EnergyCounter {
  fs::path path;
  // Largest value before the counter wraps to 0, if known.
  std::optional<int64_t> max_range_uj;
};

// Reads a set of counters at Start() and Stop() and reports the summed
// difference ("energy counter"). One wrap per counter is corrected when its
// max_range_uj is known; a counter that went backwards otherwise is an error.
class EnergyCounterSource final : public PowerSource {
 public:
  EnergyCounterSource(std::string name, std::string description,
                      std::vector<EnergyCounter> counters);

  std::string name() const override { return name_; }
  std::string description() const override { return description_; }
  Status Start() override;
  Result<PowerReading> Stop() override;

 private:
  Result<std::vector<int64_t>> ReadAll() const;

  std::string name_;
  std::string description_;
  std::vector<EnergyCounter> counters_;
  bool running_ = false;
  std::vector<int64_t> start_values_;
  Clock::time_point start_time_;
};

// Instantaneous power in W, read by a sampled source. Called from Start(),
// from the sampler thread and from Stop(), never concurrently.
using WattsReader = std::function<Result<double>()>;

// Samples `read_watts` at Start(), every interval on a thread, and at Stop(),
// and integrates the samples ("sampled power"). Each sample is stamped at
// the middle of its read. The first failing read ends the window with its
// error.
class SampledPowerSource final : public PowerSource {
 public:
  SampledPowerSource(std::string name, std::string description,
                     double interval_s, WattsReader read_watts);
  ~SampledPowerSource() override;

  std::string name() const override { return name_; }
  std::string description() const override { return description_; }
  Status Start() override;
  Result<PowerReading> Stop() override;

 private:
  // Reads once and adds the sample to integrator_ (under mu_).
  Status TakeSample();
  void SamplerLoop();
  void JoinSampler();

  std::string name_;
  std::string description_;
  Clock::duration interval_;
  WattsReader read_watts_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // guarded by mu_
  Status sampler_error_;         // guarded by mu_
  PowerIntegrator integrator_;   // guarded by mu_
  bool running_ = false;
  Clock::time_point start_time_;
  std::thread sampler_;
};

// Seconds since `origin` as a double.
double SecondsSince(Clock::time_point origin, Clock::time_point t);

// Per-family entry points. `selector` is the part after "family:" (empty for
// the family's first usable source). List* never fails: it returns what is
// usable, and Open* returns why nothing is.
Result<std::unique_ptr<PowerSource>> OpenRapl(const PowerOptions& options);
std::vector<PowerSourceInfo> ListRapl(const PowerOptions& options);

Result<std::unique_ptr<PowerSource>> OpenHwmon(const PowerOptions& options,
                                               const std::string& selector);
std::vector<PowerSourceInfo> ListHwmon(const PowerOptions& options);

Result<std::unique_ptr<PowerSource>> OpenBattery(const PowerOptions& options,
                                                 const std::string& selector);
std::vector<PowerSourceInfo> ListBattery(const PowerOptions& options);

Result<std::unique_ptr<PowerSource>> OpenCommandMeter(
    const PowerOptions& options, const std::string& command);

}  // namespace mai::bench::power_internal

#endif  // MAI_BENCH_POWER_POWER_INTERNAL_H_

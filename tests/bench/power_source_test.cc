// Power sources against fake sysfs trees: RAPL counters (sum of packages,
// wrap-around), hwmon energy and power channels, batteries with both current
// sign conventions, an external meter command, "auto"/"none" and bad files.
#include "bench/power/power_source.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mai::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A sysfs-like tree in a fresh temp dir, removed at the end of the test.
class FakeSysfs {
 public:
  FakeSysfs() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            fmt::format("mai_power_{}_{}", ::getpid(), info->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakeSysfs() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Writes `content` + "\n" to root/rel atomically (write, then rename), so
  // a concurrent reader sees the old or the new value, never a partial one.
  void Write(const std::string& rel, const std::string& content) {
    fs::path path = root_ / rel;
    fs::create_directories(path.parent_path());
    fs::path tmp = path;
    tmp += ".tmp";
    {
      std::ofstream out(tmp);
      out << content << "\n";
    }
    fs::rename(tmp, path);
  }
  void Write(const std::string& rel, long long value) {
    Write(rel, std::to_string(value));
  }
  void Remove(const std::string& rel) { fs::remove(root_ / rel); }

  PowerOptions Options(double interval_s = 0.01) const {
    PowerOptions o;
    o.sysfs_root = root_.string();
    o.sample_interval_s = interval_s;
    return o;
  }
  fs::path path(const std::string& rel) const { return root_ / rel; }

 private:
  fs::path root_;
};

std::unique_ptr<PowerSource> MustOpen(const std::string& spec,
                                      const PowerOptions& options) {
  Result<std::unique_ptr<PowerSource>> source = OpenPowerSource(spec, options);
  EXPECT_TRUE(source.ok()) << spec << ": " << source.status().message();
  if (!source.ok()) return nullptr;
  return std::move(source).value();
}

void AddRaplZone(FakeSysfs& sys, const std::string& dir,
                 const std::string& name, long long energy_uj,
                 long long max_range_uj = 262143328850LL) {
  sys.Write("class/powercap/" + dir + "/name", name);
  sys.Write("class/powercap/" + dir + "/energy_uj", energy_uj);
  if (max_range_uj > 0) {
    sys.Write("class/powercap/" + dir + "/max_energy_range_uj", max_range_uj);
  }
}

// ---------------------------------------------------------------- helpers --

TEST(PowerSource, ParseFirstNumber) {
  EXPECT_DOUBLE_EQ(*ParseFirstNumber("2.5\n"), 2.5);
  EXPECT_DOUBLE_EQ(*ParseFirstNumber("P = 12.75 W"), 12.75);
  EXPECT_DOUBLE_EQ(*ParseFirstNumber("power: -1e3"), -1000.0);
  EXPECT_DOUBLE_EQ(*ParseFirstNumber("+.5"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseFirstNumber("ch1 3 W"), 1.0);  // first number wins
  Result<double> none = ParseFirstNumber("hello - world.");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no number"), std::string::npos);
  EXPECT_FALSE(ParseFirstNumber("").ok());
}

TEST(PowerSource, IntegratorTrapezoid) {
  PowerIntegrator integ;
  EXPECT_EQ(integ.mean_watts(), 0.0);
  integ.Add(0.0, 10.0);
  EXPECT_EQ(integ.mean_watts(), 10.0);  // one sample: its value
  integ.Add(1.0, 20.0);                 // 0.5 * (10 + 20) * 1 = 15 J
  integ.Add(3.0, 20.0);                 // 20 * 2             = 40 J
  integ.Add(2.5, 1000.0);               // earlier than the last: ignored
  integ.Add(4.0, 0.0);                  // 0.5 * 20 * 1       = 10 J
  EXPECT_DOUBLE_EQ(integ.joules(), 65.0);
  EXPECT_DOUBLE_EQ(integ.seconds(), 4.0);
  EXPECT_DOUBLE_EQ(integ.mean_watts(), 65.0 / 4.0);
  EXPECT_EQ(integ.samples(), 4);
}

// ------------------------------------------------------------------- RAPL --

TEST(PowerSource, RaplEnergyDelta) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "package-0", 1000000);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  EXPECT_EQ(source->name(), "rapl");
  EXPECT_NE(source->description().find("package-0"), std::string::npos);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 3500000);
  std::this_thread::sleep_for(milliseconds(10));
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->joules, 2.5);
  EXPECT_GE(r->seconds, 0.009);
  EXPECT_DOUBLE_EQ(r->watts, 2.5 / r->seconds);
  EXPECT_EQ(r->samples, 2);
  EXPECT_EQ(r->method, "energy counter");
}

TEST(PowerSource, RaplSumsPackagesOnly) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "package-0", 100);
  AddRaplZone(sys, "intel-rapl:0:0", "core", 100);    // inside package-0
  AddRaplZone(sys, "intel-rapl:0:1", "uncore", 100);  // inside package-0
  AddRaplZone(sys, "intel-rapl:1", "package-1", 200);
  AddRaplZone(sys, "intel-rapl:2", "psys", 300);            // contains packages
  AddRaplZone(sys, "intel-rapl-mmio:0", "package-0", 400);  // duplicate
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  EXPECT_NE(source->description().find("package-0 + package-1"),
            std::string::npos)
      << source->description();
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 100 + 1000000);
  sys.Write("class/powercap/intel-rapl:0:0/energy_uj", 100 + 700000);
  sys.Write("class/powercap/intel-rapl:0:1/energy_uj", 100 + 200000);
  sys.Write("class/powercap/intel-rapl:1/energy_uj", 200 + 2000000);
  sys.Write("class/powercap/intel-rapl:2/energy_uj", 300 + 10000000);
  sys.Write("class/powercap/intel-rapl-mmio:0/energy_uj", 400 + 1000000);
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->joules, 3.0);  // package-0 (1 J) + package-1 (2 J)
}

TEST(PowerSource, RaplWithoutPackageNamesSumsTopLevelZones) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "psys", 0);
  AddRaplZone(sys, "intel-rapl:0:0", "core", 0);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 4000000);
  sys.Write("class/powercap/intel-rapl:0:0/energy_uj", 9000000);
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->joules, 4.0);
}

TEST(PowerSource, RaplWrapAround) {
  FakeSysfs sys;
  const long long max_uj = 1000000000;  // 1000 J
  AddRaplZone(sys, "intel-rapl:0", "package-0", max_uj - 1000000, max_uj);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 500000);
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  // end - start + max = 500000 - 999000000 + 1000000000 µJ = 1.5 J.
  EXPECT_DOUBLE_EQ(r->joules, 1.5);
}

TEST(PowerSource, RaplBackwardsWithoutRangeIsAnError) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "package-0", 5000, /*max_range_uj=*/0);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 1000);
  Result<PowerReading> r = source->Stop();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("went backwards"), std::string::npos);
}

TEST(PowerSource, GarbageCounterIsAClearError) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "package-0", 0);
  sys.Write("class/powercap/intel-rapl:0/energy_uj", "garbage");
  Result<std::unique_ptr<PowerSource>> bad =
      OpenPowerSource("rapl", sys.Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("energy_uj"), std::string::npos);
  EXPECT_NE(bad.status().message().find("'garbage'"), std::string::npos)
      << bad.status().message();

  // Turning to garbage (or vanishing) within a window fails Stop().
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 10);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", "12x");
  EXPECT_FALSE(source->Stop().ok());
  sys.Write("class/powercap/intel-rapl:0/energy_uj", 20);
  ASSERT_TRUE(source->Start().ok());
  sys.Remove("class/powercap/intel-rapl:0/energy_uj");
  Result<PowerReading> r = source->Stop();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(PowerSource, StartStopMisuse) {
  FakeSysfs sys;
  AddRaplZone(sys, "intel-rapl:0", "package-0", 0);
  auto source = MustOpen("rapl", sys.Options());
  ASSERT_TRUE(source);
  EXPECT_FALSE(source->Stop().ok());
  ASSERT_TRUE(source->Start().ok());
  EXPECT_FALSE(source->Start().ok());
  EXPECT_TRUE(source->Stop().ok());
  EXPECT_FALSE(source->Stop().ok());
}

// ------------------------------------------------------------------ hwmon --

TEST(PowerSource, HwmonEnergyCounterPrefersSocketChannel) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon0/name", "coretemp");  // no energy or power
  sys.Write("class/hwmon/hwmon0/temp1_input", 45000);
  sys.Write("class/hwmon/hwmon1/name", "amd_energy");
  sys.Write("class/hwmon/hwmon1/energy1_input", 1000);
  sys.Write("class/hwmon/hwmon1/energy1_label", "Ecore000");
  sys.Write("class/hwmon/hwmon1/energy2_input", 5000000);
  sys.Write("class/hwmon/hwmon1/energy2_label", "Esocket0");
  auto source = MustOpen("hwmon", sys.Options());
  ASSERT_TRUE(source);
  EXPECT_EQ(source->name(), "hwmon");
  EXPECT_NE(source->description().find("Esocket0"), std::string::npos)
      << source->description();
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/hwmon/hwmon1/energy1_input", 1000 + 300000);
  sys.Write("class/hwmon/hwmon1/energy2_input", 5000000 + 7250000);
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_DOUBLE_EQ(r->joules, 7.25);
  EXPECT_EQ(r->method, "energy counter");
}

TEST(PowerSource, HwmonPowerSampledConstant) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon3/name", "ina3221");
  sys.Write("class/hwmon/hwmon3/power1_input", 4000000);      // 4 W
  sys.Write("class/hwmon/hwmon3/power1_average", 999000000);  // not used
  auto source = MustOpen("hwmon:ina3221", sys.Options(0.01));
  ASSERT_TRUE(source);
  EXPECT_NE(source->description().find("power1_input"), std::string::npos);
  ASSERT_TRUE(source->Start().ok());
  std::this_thread::sleep_for(milliseconds(100));
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->method, "sampled power");
  EXPECT_NEAR(r->watts, 4.0, 1e-9);
  EXPECT_NEAR(r->joules, 4.0 * r->seconds, 1e-9);
  EXPECT_GE(r->seconds, 0.09);
  EXPECT_GE(r->samples, 3);  // start, some ticks, stop
  // Start() again gives a fresh window.
  ASSERT_TRUE(source->Start().ok());
  Result<PowerReading> r2 = source->Stop();
  ASSERT_TRUE(r2.ok());
  EXPECT_LT(r2->seconds, r->seconds);
}

TEST(PowerSource, HwmonPicksLowestNumberedPowerChannel) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon0/name", "ina3221");
  sys.Write("class/hwmon/hwmon0/power10_input", 9000000);
  sys.Write("class/hwmon/hwmon0/power2_input", 3000000);
  sys.Write("class/hwmon/hwmon0/power2_label", "VDD_GPU");
  auto source = MustOpen("hwmon", sys.Options());
  ASSERT_TRUE(source);
  EXPECT_NE(source->description().find("power2_input \"VDD_GPU\""),
            std::string::npos)
      << source->description();
  ASSERT_TRUE(source->Start().ok());
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->watts, 3.0, 1e-9);
}

TEST(PowerSource, HwmonPowerChangesMidWindow) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon0/name", "amdgpu");
  sys.Write("class/hwmon/hwmon0/power1_average", 2000000);  // 2 W
  auto source = MustOpen("hwmon:hwmon0", sys.Options(0.005));
  ASSERT_TRUE(source);
  Clock::time_point t0 = Clock::now();
  ASSERT_TRUE(source->Start().ok());
  std::this_thread::sleep_for(milliseconds(100));
  Clock::time_point t_change = Clock::now();
  sys.Write("class/hwmon/hwmon0/power1_average", 6000000);  // 6 W
  std::this_thread::sleep_for(milliseconds(100));
  Result<PowerReading> r = source->Stop();
  Clock::time_point t1 = Clock::now();
  ASSERT_TRUE(r.ok()) << r.status().message();
  double before = std::chrono::duration<double>(t_change - t0).count();
  double after = std::chrono::duration<double>(t1 - t_change).count();
  double expected = (2.0 * before + 6.0 * after) / (before + after);
  EXPECT_GT(r->watts, 2.0);
  EXPECT_LT(r->watts, 6.0);
  EXPECT_NEAR(r->watts, expected, 1.0);
}

TEST(PowerSource, HwmonGarbagePowerFailsTheWindow) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon0/name", "ina3221");
  sys.Write("class/hwmon/hwmon0/power1_input", 1000000);
  auto source = MustOpen("hwmon", sys.Options(0.005));
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/hwmon/hwmon0/power1_input", "N/A");
  std::this_thread::sleep_for(milliseconds(30));
  Result<PowerReading> r = source->Stop();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("power1_input"), std::string::npos)
      << r.status().message();
}

TEST(PowerSource, HwmonUnknownChipIsNotFound) {
  FakeSysfs sys;
  sys.Write("class/hwmon/hwmon0/name", "ina3221");
  sys.Write("class/hwmon/hwmon0/power1_input", 1000000);
  Result<std::unique_ptr<PowerSource>> r =
      OpenPowerSource("hwmon:nvme", sys.Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------- battery --

void AddBattery(FakeSysfs& sys, const std::string& name, long long ua,
                long long uv, const std::string& status = "Discharging") {
  std::string dir = "class/power_supply/" + name + "/";
  sys.Write(dir + "type", "Battery");
  sys.Write(dir + "present", 1);
  sys.Write(dir + "status", status);
  sys.Write(dir + "current_now", ua);
  sys.Write(dir + "voltage_now", uv);
}

TEST(PowerSource, BatteryBothSignConventions) {
  FakeSysfs sys;
  sys.Write("class/power_supply/AC/type", "Mains");
  sys.Write("class/power_supply/AC/online", 0);
  AddBattery(sys, "BAT0", -500000, 4000000);    // discharge reported negative
  AddBattery(sys, "battery", 750000, 3800000);  // discharge reported positive
  for (auto [spec, watts] :
       {std::pair<std::string, double>{"battery:BAT0", 2.0},
        {"battery:battery", 0.75 * 3.8}}) {
    auto source = MustOpen(spec, sys.Options(0.01));
    ASSERT_TRUE(source);
    EXPECT_EQ(source->name(), "battery");
    ASSERT_TRUE(source->Start().ok());
    std::this_thread::sleep_for(milliseconds(30));
    Result<PowerReading> r = source->Stop();
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_NEAR(r->watts, watts, 1e-9) << spec;
    EXPECT_NEAR(r->joules, watts * r->seconds, 1e-9) << spec;
  }
  // Plain "battery" opens the first one (natural order).
  auto first = MustOpen("battery", sys.Options());
  ASSERT_TRUE(first);
  EXPECT_NE(first->description().find("BAT0"), std::string::npos);
}

TEST(PowerSource, BatteryChargingIsRefused) {
  FakeSysfs sys;
  AddBattery(sys, "BAT0", 1500000, 4200000, "Charging");
  Result<std::unique_ptr<PowerSource>> r =
      OpenPowerSource("battery", sys.Options());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("battery BAT0 is charging"),
            std::string::npos)
      << r.status().message();

  sys.Write("class/power_supply/BAT0/status", "Full");
  EXPECT_FALSE(OpenPowerSource("battery", sys.Options()).ok());

  // A charger plugged in during the window fails it.
  sys.Write("class/power_supply/BAT0/status", "Discharging");
  auto source = MustOpen("battery", sys.Options(0.005));
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Write("class/power_supply/BAT0/status", "Charging");
  std::this_thread::sleep_for(milliseconds(30));
  Result<PowerReading> reading = source->Stop();
  ASSERT_FALSE(reading.ok());
  EXPECT_NE(reading.status().message().find("charging"), std::string::npos);
}

TEST(PowerSource, BatteryPowerNowFallback) {
  FakeSysfs sys;
  sys.Write("class/power_supply/BAT1/type", "Battery");
  sys.Write("class/power_supply/BAT1/status", "Discharging");
  sys.Write("class/power_supply/BAT1/power_now", 8500000);  // 8.5 W
  auto source = MustOpen("battery", sys.Options(0.01));
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->watts, 8.5, 1e-9);
}

// ---------------------------------------------------------------- command --

TEST(PowerSource, CommandMeter) {
  auto source =
      MustOpen("command:echo 2.5", PowerOptions{"/nonexistent", 0.02});
  ASSERT_TRUE(source);
  EXPECT_EQ(source->name(), "command");
  EXPECT_NE(source->description().find("echo 2.5"), std::string::npos);
  ASSERT_TRUE(source->Start().ok());
  std::this_thread::sleep_for(milliseconds(60));
  Result<PowerReading> r = source->Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(r->watts, 2.5, 1e-9);
  EXPECT_NEAR(r->joules, 2.5 * r->seconds, 1e-9);
  EXPECT_GE(r->samples, 3);
  EXPECT_EQ(r->method, "sampled power");
}

TEST(PowerSource, CommandMeterErrors) {
  PowerOptions o{"/nonexistent", 0.01};
  Result<std::unique_ptr<PowerSource>> fails =
      OpenPowerSource("command:exit 3", o);
  ASSERT_FALSE(fails.ok());
  EXPECT_NE(fails.status().message().find("exit status 3"), std::string::npos)
      << fails.status().message();
  Result<std::unique_ptr<PowerSource>> words =
      OpenPowerSource("command:echo hello", o);
  ASSERT_FALSE(words.ok());
  EXPECT_NE(words.status().message().find("no number"), std::string::npos);
  EXPECT_FALSE(OpenPowerSource("command:echo -3", o).ok());  // negative power
  EXPECT_FALSE(OpenPowerSource("command:", o).ok());
}

TEST(PowerSource, CommandMeterFailingMidWindow) {
  FakeSysfs sys;  // only for a temp dir
  sys.Write("meter", "7");
  std::string cmd =
      "command:cat '" + sys.path("meter").string() + "' 2>/dev/null";
  auto source = MustOpen(cmd, sys.Options(0.005));
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  sys.Remove("meter");
  std::this_thread::sleep_for(milliseconds(40));
  Result<PowerReading> r = source->Stop();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("failed"), std::string::npos)
      << r.status().message();
}

TEST(PowerSource, DestroyWhileSampling) {
  auto source = MustOpen("command:echo 1", PowerOptions{"/nonexistent", 0.01});
  ASSERT_TRUE(source);
  ASSERT_TRUE(source->Start().ok());
  source.reset();  // joins the sampler; must not hang or crash
}

// --------------------------------------------------------- auto and none --

TEST(PowerSource, AutoPicksFirstAvailable) {
  FakeSysfs sys;
  AddBattery(sys, "BAT0", -1000000, 4000000);
  EXPECT_EQ(MustOpen("auto", sys.Options())->name(), "battery");
  sys.Write("class/hwmon/hwmon0/name", "ina3221");
  sys.Write("class/hwmon/hwmon0/power1_input", 1000000);
  EXPECT_EQ(MustOpen("auto", sys.Options())->name(), "hwmon");
  AddRaplZone(sys, "intel-rapl:0", "package-0", 0);
  EXPECT_EQ(MustOpen("auto", sys.Options())->name(), "rapl");

  std::vector<PowerSourceInfo> list = ListPowerSources(sys.Options());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].spec, "rapl");
  EXPECT_EQ(list[1].spec, "hwmon:hwmon0");
  EXPECT_EQ(list[2].spec, "battery:BAT0");
  EXPECT_NE(list[2].description.find("BAT0"), std::string::npos);
  for (const PowerSourceInfo& info : list) {
    EXPECT_EQ(MustOpen(info.spec, sys.Options())->description(),
              info.description);
  }

  // A broken RAPL zone is skipped by auto (and by the list).
  sys.Write("class/powercap/intel-rapl:0/energy_uj", "");
  EXPECT_EQ(MustOpen("auto", sys.Options())->name(), "hwmon");
  EXPECT_EQ(ListPowerSources(sys.Options()).size(), 2u);
}

TEST(PowerSource, NoneAndNothingFoundAreUnavailable) {
  FakeSysfs sys;
  Result<std::unique_ptr<PowerSource>> none =
      OpenPowerSource("none", sys.Options());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message().rfind("power: unavailable", 0), 0u);

  Result<std::unique_ptr<PowerSource>> empty =
      OpenPowerSource("auto", sys.Options());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
  const std::string& msg = empty.status().message();
  EXPECT_EQ(msg.rfind("power: unavailable", 0), 0u) << msg;
  EXPECT_NE(msg.find("rapl"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hwmon"), std::string::npos) << msg;
  EXPECT_NE(msg.find("battery"), std::string::npos) << msg;
  EXPECT_TRUE(ListPowerSources(sys.Options()).empty());

  EXPECT_EQ(OpenPowerSource("rapl", sys.Options()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(OpenPowerSource("battery", sys.Options()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(OpenPowerSource("watts", sys.Options()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenPowerSource("auto", PowerOptions{sys.path("").string(), 0})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mai::bench

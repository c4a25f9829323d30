// External meter: a shell command that prints the current power in watts.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>

#include "bench/power/power_internal.h"

namespace mai::bench::power_internal {

namespace {

Result<double> RunMeter(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return IoError("cannot run '{}'", command);
  }
  std::string out;
  char buf[1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) {
    if (out.size() < (1 << 16)) out.append(buf, n);
  }
  int status = ::pclose(pipe);
  if (status == -1) return IoError("cannot wait for '{}'", command);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return IoError("'{}' failed ({} {})", command,
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  }
  Result<double> watts = ParseFirstNumber(out);
  if (!watts.ok()) return watts.status().WithContext("'" + command + "'");
  if (!std::isfinite(*watts) || *watts < 0) {
    return InvalidArgument("'{}' printed {}, not a power in watts", command,
                           *watts);
  }
  return watts;
}

}  // namespace

Result<std::unique_ptr<PowerSource>> OpenCommandMeter(
    const PowerOptions& options, const std::string& command) {
  if (command.empty()) {
    return InvalidArgument("command: empty meter command (use command:CMD)");
  }
  Result<double> probe = RunMeter(command);
  if (!probe.ok()) return probe.status().WithContext("command");
  return std::unique_ptr<PowerSource>(std::make_unique<SampledPowerSource>(
      "command", "external meter `" + command + "`", options.sample_interval_s,
      [command]() { return RunMeter(command); }));
}

}  // namespace mai::bench::power_internal

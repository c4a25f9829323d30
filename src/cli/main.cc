#include <fmt/format.h>

#include "cli/commands.h"

namespace mai::cli {
namespace {
std::vector<std::string>& StoredCommandLine() {
  static std::vector<std::string> line;
  return line;
}
}  // namespace
void SetCommandLine(int argc, char** argv) {
  StoredCommandLine().assign(argv, argv + argc);
}
const std::vector<std::string>& CommandLine() { return StoredCommandLine(); }
}  // namespace mai::cli

int main(int argc, char** argv) {
  CLI::App app{
      "mai: how fast, how lean and how accurate a TensorFlow Lite model is"};
  app.require_subcommand(1);
  mai::cli::SetCommandLine(argc, argv);
  int exit_code = 0;
  mai::cli::SetupInspect(app, &exit_code);
  mai::cli::SetupRun(app, &exit_code);
  mai::cli::SetupBench(app, &exit_code);
  mai::cli::SetupDevice(app, &exit_code);
  mai::cli::SetupCompare(app, &exit_code);
  mai::cli::SetupZoo(app, &exit_code);
  mai::cli::SetupQuantize(app, &exit_code);
  mai::cli::SetupChallenge(app, &exit_code);
  mai::cli::SetupMetrics(app, &exit_code);
  mai::cli::SetupServe(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "mai: {}\n", e.what());
    return 2;
  }
  return exit_code;
}

#include <fmt/format.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mai: how fast, how lean and how accurate a TensorFlow Lite model is"};
  app.require_subcommand(1);
  int exit_code = 0;
  mai::cli::SetupInspect(app, &exit_code);
  mai::cli::SetupRun(app, &exit_code);
  mai::cli::SetupBench(app, &exit_code);
  mai::cli::SetupDevice(app, &exit_code);
  mai::cli::SetupCompare(app, &exit_code);
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

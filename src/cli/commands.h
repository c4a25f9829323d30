// `mai` subcommands. Each Setup* registers a CLI11 subcommand whose callback
// stores its exit code in *exit_code; main() runs the parser.
#ifndef MAI_CLI_COMMANDS_H_
#define MAI_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mai::cli {

void SetupInspect(CLI::App& app, int* exit_code);
void SetupRun(CLI::App& app, int* exit_code);
void SetupBench(CLI::App& app, int* exit_code);
void SetupDevice(CLI::App& app, int* exit_code);
void SetupCompare(CLI::App& app, int* exit_code);
void SetupZoo(CLI::App& app, int* exit_code);
void SetupQuantize(CLI::App& app, int* exit_code);
// tracks, eval, score (challenge.cc); metrics (metrics.cc).
void SetupChallenge(CLI::App& app, int* exit_code);
void SetupMetrics(CLI::App& app, int* exit_code);
// serve and agent (serve.cc).
void SetupServe(CLI::App& app, int* exit_code);

// The process's command line as main() received it (for `mai bench
// --isolate`, which runs the same command again in a child process).
void SetCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

}  // namespace mai::cli

#endif  // MAI_CLI_COMMANDS_H_

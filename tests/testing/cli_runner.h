// Running the `mai` binary from a test: exit code, stdout and stderr.
// Header-only: MAI_BINARY is defined for test executables (tests/CMakeLists).
#ifndef MAI_TESTS_TESTING_CLI_RUNNER_H_
#define MAI_TESTS_TESTING_CLI_RUNNER_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mai::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs `MAI_BINARY args` through the shell (args may quote).
inline CommandResult RunMai(const std::string& args) {
  static int counter = 0;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("mai_cli_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string tag = std::to_string(counter++);
  const auto out = dir / (tag + ".out"), err = dir / (tag + ".err");
  const std::string cmd = std::string(MAI_BINARY) + " " + args + " >" +
                          out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(out);
  r.err = ReadText(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Bad input: exit status 1 and one line on stderr containing `fragment`.
inline void ExpectOneLineError(const CommandResult& r,
                               const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_CLI_RUNNER_H_

// Running a command in a child process with a wall-clock timeout and a
// memory limit, so that a model that crashes, hangs or allocates without
// bound fails its job with a log instead of taking the agent down.
//
//   ChildOptions o;
//   o.timeout_secs = 600;
//   o.memory_limit_bytes = size_t{4} << 30;
//   MAI_ASSIGN_OR_RETURN(ChildResult r, RunChild({"/usr/bin/mai", "bench",
//                                                 "m.tflite", "--json"}, o));
//   if (r.Succeeded()) use(r.stdout_text);
//   else log(r.Describe(), r.stderr_tail);
//
// The child runs in its own process group (killed as a whole on timeout),
// with RLIMIT_AS set to the memory limit and stdin from /dev/null. Its
// stdout is kept up to `max_stdout_bytes` (beyond that the run fails: a
// result that large is not a result); stderr keeps its last
// `stderr_tail_bytes`. Errors: IoError when fork/pipe fail,
// InvalidArgument for an empty argv. A program that cannot be executed
// is a child that exits with 127 and says why on stderr.
#ifndef MAI_SERVER_CHILD_PROCESS_H_
#define MAI_SERVER_CHILD_PROCESS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"

namespace mai::server {

struct ChildOptions {
  double timeout_secs = 600.0;
  size_t memory_limit_bytes = 0;  // 0: no limit
  size_t max_stdout_bytes = size_t{64} << 20;
  size_t stderr_tail_bytes = 16 << 10;
};

struct ChildResult {
  int exit_code = -1;  // when the child exited
  int signal = 0;      // when a signal ended it (SIGSEGV, SIGKILL...)
  bool timed_out = false;
  bool stdout_overflow = false;
  double wall_secs = 0.0;
  std::string stdout_text;
  std::string stderr_tail;

  bool Succeeded() const {
    return exit_code == 0 && signal == 0 && !timed_out && !stdout_overflow;
  }
  // One line: "exit code 3", "killed by signal 11 (Segmentation fault)",
  // "timed out after 600 s (killed)", "stdout over the limit".
  std::string Describe() const;
};

Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const ChildOptions& options = {});

}  // namespace mai::server

#endif  // MAI_SERVER_CHILD_PROCESS_H_

#include "server/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace mai::server {
namespace {

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int out_fd,
                            int err_fd, size_t memory_limit) {
  setpgid(0, 0);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  if (memory_limit > 0) {
    struct rlimit lim;
    lim.rlim_cur = memory_limit;
    lim.rlim_max = memory_limit;
    setrlimit(RLIMIT_AS, &lim);
  }
  execv(argv[0], argv.data());
  const char* what = "cannot execute ";
  (void)!write(STDERR_FILENO, what, strlen(what));
  (void)!write(STDERR_FILENO, argv[0], strlen(argv[0]));
  const char* why = strerror(errno);
  (void)!write(STDERR_FILENO, ": ", 2);
  (void)!write(STDERR_FILENO, why, strlen(why));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

}  // namespace

std::string ChildResult::Describe() const {
  if (timed_out) {
    return "timed out after " + std::to_string(static_cast<int>(wall_secs)) +
           " s (killed)";
  }
  if (stdout_overflow) return "stdout over the limit (killed)";
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal) + " (" +
           strsignal(signal) + ")";
  }
  return "exit code " + std::to_string(exit_code);
}

Result<ChildResult> RunChild(const std::vector<std::string>& argv,
                             const ChildOptions& options) {
  if (argv.empty()) return InvalidArgument("RunChild: empty argv");
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return IoError("pipe: {}", strerror(errno));
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return IoError("pipe: {}", strerror(errno));
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    return IoError("fork: {}", strerror(errno));
  }
  if (pid == 0) {
    ExecChild(args, out_pipe[1], err_pipe[1], options.memory_limit_bytes);
  }
  setpgid(pid, pid);  // also in the parent: no race with the kill below
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  close(out_pipe[1]);
  close(err_pipe[1]);

  ChildResult r;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  auto kill_group = [&] { kill(-pid, SIGKILL); };
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    const double left = options.timeout_secs - elapsed();
    if (left <= 0) {
      r.timed_out = true;
      kill_group();
      break;
    }
    pollfd fds[2];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    const int ready =
        poll(fds, n, static_cast<int>(std::min(left * 1000.0, 1000.0)) + 1);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n && ready > 0; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      const bool is_out = fds[i].fd == out_fd;
      if (got <= 0) {
        CloseFd(is_out ? out_fd : err_fd);
        continue;
      }
      if (is_out) {
        r.stdout_text.append(buf, static_cast<size_t>(got));
        if (r.stdout_text.size() > options.max_stdout_bytes) {
          r.stdout_overflow = true;
          r.stdout_text.resize(options.max_stdout_bytes);
          kill_group();
          CloseFd(out_fd);
        }
      } else {
        r.stderr_tail.append(buf, static_cast<size_t>(got));
        if (r.stderr_tail.size() > 2 * options.stderr_tail_bytes) {
          r.stderr_tail.erase(0,
                              r.stderr_tail.size() - options.stderr_tail_bytes);
        }
      }
    }
  }
  CloseFd(out_fd);
  CloseFd(err_fd);
  // The pipes can close before the child ends (it closed them itself):
  // keep the timeout while waiting.
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) break;
    if (!r.timed_out && elapsed() > options.timeout_secs) {
      r.timed_out = true;
      kill_group();
    }
    usleep(5000);
  }
  kill(-pid, SIGKILL);  // grandchildren the command left behind
  r.wall_secs = elapsed();
  if (r.stderr_tail.size() > options.stderr_tail_bytes) {
    r.stderr_tail.erase(0, r.stderr_tail.size() - options.stderr_tail_bytes);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace mai::server

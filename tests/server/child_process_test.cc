// Child processes with timeouts and memory limits: exit codes, signals,
// hangs, runaway allocations and floods of output all come back as
// results, never as a stuck or crashed parent.
#include "server/child_process.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace mai::server {
namespace {

ChildResult RunSh(const std::string& script, ChildOptions o = {}) {
  auto r = RunChild({"/bin/sh", "-c", script}, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : ChildResult{};
}

TEST(ChildProcessTest, CapturesOutputAndExitCode) {
  ChildResult r = RunSh("echo out; echo err >&2; exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.stdout_text, "out\n");
  EXPECT_EQ(r.stderr_tail, "err\n");
  EXPECT_FALSE(r.Succeeded());
  EXPECT_EQ(r.Describe(), "exit code 3");
  EXPECT_TRUE(RunSh("true").Succeeded());
}

TEST(ChildProcessTest, CrashIsASignal) {
  ChildResult r = RunSh("kill -SEGV $$");
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_NE(r.Describe().find("signal 11"), std::string::npos) << r.Describe();
}

TEST(ChildProcessTest, HangIsKilledAtTheTimeout) {
  ChildOptions o;
  o.timeout_secs = 0.5;
  // The grandchild `sleep` holds the pipes too: the whole group is killed.
  ChildResult r = RunSh("sleep 30; echo never", o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.wall_secs, 5.0);
  EXPECT_EQ(r.stdout_text, "");
  EXPECT_NE(r.Describe().find("timed out"), std::string::npos);
  // A child that closes its output and keeps running is still timed out.
  r = RunSh("exec >/dev/null 2>&1; sleep 30", o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.wall_secs, 5.0);
}

TEST(ChildProcessTest, MemoryLimitStopsRunawayAllocation) {
  ChildOptions o;
  o.memory_limit_bytes = size_t{256} << 20;
  // /usr/bin/python3 allocating 1 GB under a 256 MB address-space limit.
  ChildResult r =
      RunSh("/usr/bin/python3 -c 'a = bytearray(10**9); print(len(a))'", o);
  EXPECT_FALSE(r.Succeeded());
  EXPECT_NE(r.stderr_tail.find("MemoryError"), std::string::npos)
      << r.stderr_tail;
}

TEST(ChildProcessTest, OutputFloodAndLongStderr) {
  ChildOptions o;
  o.max_stdout_bytes = 1 << 16;
  o.stderr_tail_bytes = 100;
  ChildResult r =
      RunSh("yes x | head -c 10000000; yes e | head -c 5000 >&2", o);
  EXPECT_TRUE(r.stdout_overflow);
  EXPECT_EQ(r.stdout_text.size(), size_t{1} << 16);
  EXPECT_FALSE(r.Succeeded());
  r = RunSh("yes e | head -c 5000 >&2", o);
  EXPECT_EQ(r.stderr_tail.size(), 100u);  // only the tail
  EXPECT_TRUE(r.Succeeded());
}

TEST(ChildProcessTest, MissingProgramExits127) {
  auto r = RunChild({"/nonexistent/program"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->stderr_tail.find("/nonexistent/program"), std::string::npos);
  EXPECT_EQ(RunChild({}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mai::server

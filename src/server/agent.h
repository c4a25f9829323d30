// `mai agent`: a device agent for the evaluation server. It registers the
// device (`mai device --json --quick`), long-polls for jobs of its device
// class, downloads each model and checks its sha256, runs `mai bench` (or
// `mai eval` for fidelity jobs) in a child process with a wall-clock timeout
// and a memory limit (server/child_process.h), heartbeats while it runs,
// and posts the JSON result — or the failure with the log tail and the
// signal, so a model that crashes or hangs fails its job and never takes
// the agent down. When the server is away it retries with exponential
// backoff (1 s doubling to 30 s) and registers again if the server forgot
// it.
#ifndef MAI_SERVER_AGENT_H_
#define MAI_SERVER_AGENT_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "core/status.h"

namespace mai::server {

struct AgentOptions {
  std::string server_url;  // http://host:port
  std::string token;       // an agent token (mai_a_...)
  std::string device_class = "local";
  std::string mai_binary;  // the mai executable run for each job
  std::string work_dir;    // downloaded models (created)
  std::string data_dir;    // validation sets for fidelity jobs (optional)
  std::string backend = "auto";
  int num_threads = 1;
  int bench_runs = 20;
  double job_timeout_secs = 600.0;
  size_t memory_limit_bytes = size_t{8} << 30;
  int poll_wait_secs = 20;
  int max_jobs = -1;  // stop after this many jobs (tests); -1: forever
  // Called with one line per event (registered, leased, finished...).
  std::function<void(const std::string&)> log;
};

// Runs until `stop` is set (checked between polls and jobs) or max_jobs
// jobs are done. Errors: a bad URL, or a token the server refuses (401/403):
// those need a person, retrying would not help.
Status RunAgent(const AgentOptions& options, const std::atomic<bool>& stop);

}  // namespace mai::server

#endif  // MAI_SERVER_AGENT_H_

#include "server/agent.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/npy.h"
#include "core/sha256.h"
#include "server/child_process.h"

namespace mai::server {
namespace {

using nlohmann::json;

struct Url {
  std::string host;
  int port = 80;
};

Result<Url> ParseUrl(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) {
    return InvalidArgument("server URL '{}' must start with http://", url);
  }
  std::string rest = url.substr(prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  Url u;
  const size_t colon = rest.rfind(':');
  u.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      u.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      return InvalidArgument("server URL '{}' has a bad port", url);
    }
  }
  if (u.host.empty() || u.port <= 0 || u.port > 65535 ||
      rest.find('/') != std::string::npos) {
    return InvalidArgument("server URL '{}' is not http://host[:port]", url);
  }
  return u;
}

class Agent {
 public:
  Agent(const AgentOptions& o, const Url& url, const std::atomic<bool>& stop)
      : o_(o), client_(url.host, url.port), stop_(stop) {
    client_.set_bearer_token_auth(o.token.c_str());
    client_.set_connection_timeout(5, 0);
    client_.set_read_timeout(o.poll_wait_secs + 30, 0);
    client_.set_write_timeout(60, 0);
  }

  Status Run() {
    int done = 0;
    double backoff = 1.0;
    while (!stop_ && (o_.max_jobs < 0 || done < o_.max_jobs)) {
      if (agent_id_.empty()) {
        Status s = Register();
        if (!s.ok()) {
          if (s.code() == StatusCode::kInvalidArgument) return s;  // 401/403
          Log("server unreachable (" + s.message() + "), retrying");
          Sleep(backoff);
          backoff = std::min(backoff * 2, 30.0);
          continue;
        }
      }
      auto res = client_.Post(("/api/v1/agents/" + agent_id_ + "/lease?wait=" +
                               std::to_string(o_.poll_wait_secs))
                                  .c_str());
      if (!res) {
        Log("lease: server unreachable, retrying");
        Sleep(backoff);
        backoff = std::min(backoff * 2, 30.0);
        continue;
      }
      backoff = 1.0;
      if (res->status == 204) continue;
      if (res->status == 404) {  // the server forgot us: register again
        agent_id_.clear();
        continue;
      }
      if (res->status == 401 || res->status == 403) {
        return InvalidArgument("the server refuses the agent token ({})",
                               res->status);
      }
      if (res->status != 200) {
        Log("lease: HTTP " + std::to_string(res->status));
        Sleep(backoff);
        continue;
      }
      json job = json::parse(res->body, nullptr, false);
      if (job.is_discarded() || !job.contains("job")) continue;
      RunJob(job);
      ++done;
    }
    return Status::Ok();
  }

 private:
  void Log(const std::string& line) {
    if (o_.log) o_.log(line);
  }

  void Sleep(double secs) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int>(secs * 1000));
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  Status Register() {
    ChildOptions co;
    co.timeout_secs = 60;
    json description = json::object();
    auto device = RunChild({o_.mai_binary, "device", "--json", "--quick"}, co);
    if (device.ok() && device->Succeeded()) {
      json d = json::parse(device->stdout_text, nullptr, false);
      if (!d.is_discarded()) description = d;
    }
    json body = {{"device_class", o_.device_class},
                 {"description", description}};
    auto res = client_.Post("/api/v1/agents/register", body.dump(),
                            "application/json");
    if (!res) return IoError("cannot reach the server");
    if (res->status == 401 || res->status == 403) {
      return InvalidArgument("the server refuses the agent token ({})",
                             res->status);
    }
    if (res->status != 200) {
      return IoError("register: HTTP {}: {}", res->status, res->body);
    }
    json r = json::parse(res->body, nullptr, false);
    if (r.is_discarded() || !r.contains("agent_id")) {
      return IoError("register: unexpected answer");
    }
    agent_id_ = r["agent_id"].get<std::string>();
    Log("registered as " + agent_id_ + " (class " + o_.device_class + ")");
    return Status::Ok();
  }

  // Posts until the server answers (it may be restarting); gives up when
  // the lease is no longer ours (409) or after a few minutes.
  void Report(const std::string& path, const json& body) {
    double backoff = 1.0;
    for (int i = 0; i < 12 && !stop_; ++i) {
      auto res = client_.Post(path.c_str(), body.dump(), "application/json");
      if (res && res->status < 500) {
        if (res->status != 200) {
          Log(path + ": HTTP " + std::to_string(res->status) + " " + res->body);
        }
        return;
      }
      Sleep(backoff);
      backoff = std::min(backoff * 2, 30.0);
    }
  }

  void RunJob(const json& job) {
    const int64_t id = job["job"].get<int64_t>();
    const int attempt = job["attempt"].get<int>();
    const std::string sha = job.value("model_sha256", "");
    const std::string kind = job.value("kind", "runtime");
    const std::string base = "/api/v1/jobs/" + std::to_string(id);
    Log("job " + std::to_string(id) + " attempt " + std::to_string(attempt) +
        " (" + kind + ")");
    auto fail = [&](const std::string& log, int signal) {
      json body = {{"agent_id", agent_id_}, {"attempt", attempt}, {"log", log}};
      if (signal != 0) body["signal"] = signal;
      Report(base + "/failure", body);
      Log("job " + std::to_string(id) +
          " failed: " + log.substr(0, log.find('\n')));
    };

    auto model = client_.Get(job.value("model_url", "").c_str());
    if (!model || model->status != 200) {
      return fail("cannot download the model", 0);
    }
    const std::vector<uint8_t> bytes(model->body.begin(), model->body.end());
    if (Sha256Hex(bytes) != sha) {
      return fail("downloaded model does not match its sha256 " + sha, 0);
    }
    std::error_code ec;
    std::filesystem::create_directories(o_.work_dir, ec);
    const std::string path = o_.work_dir + "/" + sha + ".tflite";
    Status written = WriteFileBytes(path, bytes);
    if (!written.ok()) return fail(written.message(), 0);

    std::vector<std::string> argv;
    const std::string eval_json =
        o_.work_dir + "/job-" + std::to_string(id) + ".eval.json";
    if (kind == "fidelity") {
      if (o_.data_dir.empty()) {
        return fail(
            "fidelity jobs need validation data on the agent "
            "(mai agent --data DIR)",
            0);
      }
      argv = {o_.mai_binary, "eval",   "--track",   job.value("track", ""),
              path,          "--data", o_.data_dir, "--backend",
              o_.backend,    "--json", eval_json};
    } else {
      argv = {o_.mai_binary,
              "bench",
              path,
              "--json",
              "--backend",
              o_.backend,
              "--num_threads",
              std::to_string(o_.num_threads),
              "--num_runs",
              std::to_string(o_.bench_runs),
              "--enable_op_profiling"};
      if (kind == "sustained") {
        argv.insert(argv.end(),
                    {"--sustained", "--fps", "30", "--duration", "20"});
      }
    }

    // Heartbeats while the child runs.
    std::atomic<bool> running{true};
    const int64_t lease = job.value("lease_secs", int64_t{60});
    std::thread beats([&] {
      const auto period =
          std::chrono::milliseconds(std::max<int64_t>(200, lease * 1000 / 3));
      auto next = std::chrono::steady_clock::now();
      while (running) {
        if (std::chrono::steady_clock::now() >= next) {
          client_.Post(
              (base + "/heartbeat").c_str(),
              json({{"agent_id", agent_id_}, {"attempt", attempt}}).dump(),
              "application/json");
          next += period;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    ChildOptions co;
    co.timeout_secs = o_.job_timeout_secs;
    co.memory_limit_bytes = o_.memory_limit_bytes;
    auto run = RunChild(argv, co);
    running = false;
    beats.join();
    std::filesystem::remove(path, ec);

    if (!run.ok()) return fail(run.status().message(), 0);
    if (!run->Succeeded()) {
      return fail(run->Describe() + "\n" + run->stderr_tail, run->signal);
    }
    std::string report = run->stdout_text;
    if (kind == "fidelity") {
      auto text = ReadFileBytes(eval_json, size_t{64} << 20);
      std::filesystem::remove(eval_json, ec);
      report = text.ok() ? std::string(text->begin(), text->end()) : "";
    }
    json result = json::parse(report, nullptr, false);
    if (result.is_discarded() || !result.is_object()) {
      return fail("the run printed no JSON report\n" + run->stderr_tail, 0);
    }
    Report(base + "/result",
           {{"agent_id", agent_id_}, {"attempt", attempt}, {"result", result}});
    Log("job " + std::to_string(id) + " done");
  }

  const AgentOptions& o_;
  httplib::Client client_;
  const std::atomic<bool>& stop_;
  std::string agent_id_;
};

}  // namespace

Status RunAgent(const AgentOptions& options, const std::atomic<bool>& stop) {
  MAI_ASSIGN_OR_RETURN(Url url, ParseUrl(options.server_url));
  if (options.mai_binary.empty() || options.work_dir.empty()) {
    return InvalidArgument("the agent needs the mai binary and a work dir");
  }
  Agent agent(options, url, stop);
  return agent.Run();
}

}  // namespace mai::server

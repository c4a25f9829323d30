// `mai serve`: the runtime evaluation server (HTTP API, SQLite store,
// content-addressed model files) and, with --local_agent, one device agent
// for this machine. `mai agent`: a device agent for a server. See
// docs/server.md.
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "core/npy.h"
#include "server/agent.h"
#include "server/blob_store.h"
#include "server/http_api.h"
#include "server/postgres_store.h"
#include "server/sqlite_store.h"
#include "server/tokens.h"

namespace mai::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
extern "C" void OnSignal(int) { g_stop = true; }

void InstallSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int64_t NowSecs() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The executable of this process (to run `mai bench` for the local agent).
std::string SelfPath() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("mai") : p.string();
}

// A token kept in DIR/NAME.token (mode 0600), created once.
Result<std::string> EnsureToken(server::Store& store, const fs::path& dir,
                                const std::string& name,
                                const std::string& participant,
                                server::Role role, server::TokenKind kind) {
  const fs::path file = dir / (name + ".token");
  auto existing = ReadFileBytes(file.string(), 1024);
  if (existing.ok()) {
    std::string t(existing->begin(), existing->end());
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    if (store.LookupToken(server::HashToken(t)).ok()) return t;
  }
  auto p = store.GetParticipantByName(participant);
  if (!p.ok()) p = store.CreateParticipant(participant, role, NowSecs());
  if (!p.ok()) return p.status();
  const std::string token = server::NewToken(
      kind == server::TokenKind::kAgent ? server::kAgentTokenPrefix
                                        : server::kParticipantTokenPrefix);
  MAI_RETURN_IF_ERROR(
      store.AddToken(p->id, server::HashToken(token), kind, NowSecs())
          .status());
  const std::string text = token + "\n";
  MAI_RETURN_IF_ERROR(WriteFileBytes(
      file.string(),
      {reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
  chmod(file.c_str(), 0600);
  return token;
}

struct ServeOptions {
  std::string data_dir = "mai-data";
  std::string db;  // postgresql://...: shared store for several replicas
  std::string host = "127.0.0.1";
  int port = 8080;
  bool local_agent = false;
  std::string device_class = "local";
  double max_model_mb = 200;
  int64_t daily_quota = 100;
  int64_t lease_secs = 60;
  int http_threads = 256;
  double rate_limit = 20;
  double rate_burst = 40;
  std::string validation_data;
};

int Fail(const char* cmd, const std::string& message) {
  fmt::print(stderr, "mai {}: {}\n", cmd, message);
  return 1;
}

int RunServe(const ServeOptions& opt) {
  if (opt.port < 0 || opt.port > 65535) return Fail("serve", "bad --port");
  if (opt.http_threads < 4 || opt.http_threads > 4096) {
    return Fail("serve", "--http_threads must be in [4, 4096]");
  }
  if (!(opt.rate_limit > 0) || !(opt.rate_burst >= 1)) {
    return Fail("serve", "--rate_limit must be > 0 and --rate_burst >= 1");
  }
  Status init = server::InitTokens();
  if (!init.ok()) return Fail("serve", init.message());
  const fs::path dir = fs::absolute(opt.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail("serve", "cannot create " + dir.string());
  auto store = opt.db.empty()
                   ? server::OpenSqliteStore((dir / "mai.db").string())
                   : server::OpenPostgresStore(opt.db);
  if (!store.ok()) return Fail("serve", store.status().message());
  server::BlobStoreOptions bo;
  bo.max_blob_bytes = static_cast<uint64_t>(opt.max_model_mb * (1 << 20));
  auto blobs = server::BlobStore::Open((dir / "models").string(), bo);
  if (!blobs.ok()) return Fail("serve", blobs.status().message());

  auto admin = EnsureToken(**store, dir, "admin", "admin", server::Role::kAdmin,
                           server::TokenKind::kParticipant);
  auto demo =
      EnsureToken(**store, dir, "demo", "demo", server::Role::kParticipant,
                  server::TokenKind::kParticipant);
  if (!admin.ok()) return Fail("serve", admin.status().message());
  if (!demo.ok()) return Fail("serve", demo.status().message());

  server::ApiOptions ao;
  ao.max_model_bytes = bo.max_blob_bytes;
  ao.default_device_classes = {opt.device_class};
  ao.daily_quota = opt.daily_quota;
  ao.lease_secs = opt.lease_secs;
  ao.threads = opt.http_threads;
  ao.rate_per_sec = opt.rate_limit;
  ao.rate_burst = opt.rate_burst;
  server::ApiServer api(ao, store->get(), &*blobs);
  auto port = api.Bind(opt.host, opt.port);
  if (!port.ok()) return Fail("serve", port.status().message());
  InstallSignalHandlers();
  std::thread http([&] { api.Run(); });

  fmt::print("mai serve: http://{}:{}  (data in {})\n", opt.host, *port,
             dir.string());
  fmt::print("  admin token: {}/admin.token\n  demo token:  {}/demo.token\n",
             dir.string(), dir.string());
  fmt::print(
      "  try: curl -H \"Authorization: Bearer $(cat {}/demo.token)\" "
      "-H 'Content-Type: application/octet-stream' --data-binary "
      "@model.tflite 'http://{}:{}/api/v1/submissions?track="
      "demo-runtime&wait=60'\n",
      dir.string(), opt.host, *port);
  std::fflush(stdout);

  std::thread agent;
  if (opt.local_agent) {
    auto token = EnsureToken(**store, dir, "agent", "admin",
                             server::Role::kAdmin, server::TokenKind::kAgent);
    if (!token.ok()) {
      g_stop = true;
    } else {
      agent = std::thread([&, token = *token, port = *port] {
        server::AgentOptions o;
        o.server_url = fmt::format("http://127.0.0.1:{}", port);
        o.token = token;
        o.device_class = opt.device_class;
        o.mai_binary = SelfPath();
        o.work_dir = (dir / "agent").string();
        o.data_dir = opt.validation_data;
        o.poll_wait_secs = 5;
        o.log = [](const std::string& line) {
          fmt::print(stderr, "local agent: {}\n", line);
        };
        Status s = server::RunAgent(o, g_stop);
        if (!s.ok()) fmt::print(stderr, "local agent: {}\n", s.message());
      });
    }
  }
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  fmt::print(stderr, "mai serve: shutting down\n");
  if (agent.joinable()) agent.join();
  api.Stop();
  http.join();
  return 0;
}

struct AgentCliOptions {
  std::string server;
  std::string token;
  std::string token_file;
  std::string device_class = "local";
  std::string work_dir = "mai-agent";
  std::string data;
  std::string backend = "auto";
  int num_threads = 1;
  double timeout_secs = 600;
  double memory_gb = 8;
  int max_jobs = -1;
};

int RunAgentCli(const AgentCliOptions& opt) {
  server::AgentOptions o;
  o.server_url = opt.server;
  o.token = opt.token;
  if (o.token.empty() && !opt.token_file.empty()) {
    auto t = ReadFileBytes(opt.token_file, 1024);
    if (!t.ok()) return Fail("agent", t.status().message());
    o.token.assign(t->begin(), t->end());
    while (!o.token.empty() &&
           std::isspace(static_cast<unsigned char>(o.token.back()))) {
      o.token.pop_back();
    }
  }
  if (o.token.empty()) return Fail("agent", "--token or --token_file needed");
  o.device_class = opt.device_class;
  o.mai_binary = SelfPath();
  o.work_dir = fs::absolute(opt.work_dir).string();
  o.data_dir = opt.data;
  o.backend = opt.backend;
  o.num_threads = opt.num_threads;
  o.job_timeout_secs = opt.timeout_secs;
  o.memory_limit_bytes = static_cast<size_t>(opt.memory_gb * (1 << 30));
  o.max_jobs = opt.max_jobs;
  o.log = [](const std::string& line) {
    fmt::print(stderr, "mai agent: {}\n", line);
  };
  InstallSignalHandlers();
  Status s = server::RunAgent(o, g_stop);
  if (!s.ok()) return Fail("agent", s.message());
  return 0;
}

}  // namespace

void SetupServe(CLI::App& app, int* exit_code) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "The runtime evaluation server (HTTP API, web UI, store)");
  cmd->add_option("--data_dir", opt->data_dir,
                  "Store, model files and tokens (default ./mai-data)");
  cmd->add_option("--db", opt->db,
                  "postgresql://user@host:port/db: a PostgreSQL store shared "
                  "by several server replicas (default: SQLite in --data_dir)");
  cmd->add_option("--host", opt->host, "Address to listen on");
  cmd->add_option("--port", opt->port, "Port (0: any free port)");
  cmd->add_flag("--local_agent", opt->local_agent,
                "Also run a device agent for this machine");
  cmd->add_option("--device_class", opt->device_class,
                  "Device class of submissions that name none (and of the "
                  "local agent)");
  cmd->add_option("--max_model_mb", opt->max_model_mb, "Upload size limit");
  cmd->add_option("--daily_quota", opt->daily_quota,
                  "Submissions per participant per UTC day");
  cmd->add_option("--lease_secs", opt->lease_secs, "Job lease length");
  cmd->add_option("--http_threads", opt->http_threads,
                  "HTTP worker threads; each agent's long poll holds one, so "
                  "keep it above agents + concurrent clients");
  cmd->add_option("--rate_limit", opt->rate_limit,
                  "Requests per second allowed per token (sustained)");
  cmd->add_option("--rate_burst", opt->rate_burst,
                  "Requests a token may send at once before --rate_limit "
                  "applies");
  cmd->add_option("--validation_data", opt->validation_data,
                  "Validation sets for the local agent's fidelity jobs");
  cmd->callback([opt, exit_code] { *exit_code = RunServe(*opt); });

  auto aopt = std::make_shared<AgentCliOptions>();
  CLI::App* agent =
      app.add_subcommand("agent", "A device agent for a mai serve server");
  agent->add_option("--server", aopt->server, "http://host:port")->required();
  agent->add_option("--token", aopt->token, "Agent token (mai_a_...)");
  agent->add_option("--token_file", aopt->token_file, "File holding it");
  agent->add_option("--device_class", aopt->device_class,
                    "The class of jobs this device runs");
  agent->add_option("--work_dir", aopt->work_dir, "Downloaded models");
  agent->add_option("--data", aopt->data, "Validation sets (fidelity jobs)");
  agent->add_option("--backend", aopt->backend, "auto, xnnpack or ref");
  agent->add_option("--num_threads", aopt->num_threads, "Threads per run");
  agent->add_option("--timeout_secs", aopt->timeout_secs,
                    "Wall-clock limit of one job");
  agent->add_option("--memory_gb", aopt->memory_gb,
                    "Address-space limit of one job");
  agent->add_option("--max_jobs", aopt->max_jobs,
                    "Exit after this many jobs (default: run forever)");
  agent->callback([aopt, exit_code] { *exit_code = RunAgentCli(*aopt); });
}

}  // namespace mai::cli

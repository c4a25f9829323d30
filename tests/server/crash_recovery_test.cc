// `mai serve` killed with SIGKILL and restarted on the same data folder:
// every upload that was answered 2xx is still there with its model file
// intact, an upload cut off by the kill left nothing half-stored, and a job
// that was leased when the server died is leased again after its lease
// expires and completes. Stopped with SIGTERM instead, it drains: an upload
// whose body is still arriving is accepted and stored, a long poll in
// flight is answered, then the process exits 0.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/npy.h"
#include "core/sha256.h"
#include "oracle/tflite_oracle.h"
#include "testing/cli_runner.h"
#include "testing/temp_dir.h"

namespace mai {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class Server {
 public:
  Server(const fs::path& dir, int port) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port);
      execl(MAI_BINARY, MAI_BINARY, "serve", "--data_dir", dir.c_str(),
            "--port", p.c_str(), "--lease_secs", "2", "--device_class", "local",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 200; ++i) {
      if (auto r = c.Get("/healthz"); r && r->status == 200) {
        up_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~Server() { Kill(); }
  bool up() const { return up_; }
  void Terminate() { kill(pid_, SIGTERM); }
  // The exit status once it exited within `secs`; -1 if it did not.
  int WaitExit(int secs) {
    for (int i = 0; i < secs * 20; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int port_;
  bool up_ = false;
};

std::string Token(const fs::path& file) {
  std::string t = testing::ReadText(file);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) {
    t.pop_back();
  }
  return t;
}

// Sends the headers and the first `sent` bytes of an upload of `body`.
int StartUpload(int port, const std::string& token, const std::string& body,
                size_t sent) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const std::string head =
      "POST /api/v1/submissions?track=mai2021-denoising HTTP/1.1\r\n"
      "Host: x\r\nAuthorization: Bearer " +
      token + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  (void)!write(fd, head.data(), head.size());
  (void)!write(fd, body.data(), sent);
  return fd;
}

// Everything the server sends on `fd` until it closes it (or 30 s pass).
std::string ReadAll(int fd) {
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos &&
        out.find("\"jobs\"") != std::string::npos && out.back() == '}') {
      break;
    }
  }
  return out;
}

TEST(CrashRecoveryTest, NothingAcceptedIsLostAndLeasesComeBack) {
  testing::TempDir dir("mai_crash_test");
  ASSERT_FALSE(dir.path().empty());
  const auto model = ReadFileBytes(testing::OracleModelsDir() +
                                   "/face_detection_short_range.tflite");
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::string body(model->begin(), model->end());
  const std::string sha = Sha256Hex(*model);

  int port = FreePort();
  auto server = std::make_unique<Server>(dir.path(), port);
  ASSERT_TRUE(server->up()) << "mai serve did not start";
  const std::string demo = Token(dir.path() / "demo.token");
  const std::string admin = Token(dir.path() / "admin.token");
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(demo.c_str());
  std::vector<int64_t> accepted;
  for (int i = 0; i < 3; ++i) {
    auto r = c.Post("/api/v1/submissions?track=mai2021-denoising", body,
                    "application/octet-stream");
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    accepted.push_back(json::parse(r->body)["id"].get<int64_t>());
  }
  // An agent token, an agent, and a lease held when the server dies.
  httplib::Client a("127.0.0.1", port);
  a.set_bearer_token_auth(admin.c_str());
  auto tok = a.Post("/api/v1/admin/agent_tokens", "", "application/json");
  ASSERT_TRUE(tok && tok->status == 201) << (tok ? tok->body : "");
  const std::string agent_token = json::parse(tok->body)["token"];
  httplib::Client g("127.0.0.1", port);
  g.set_bearer_token_auth(agent_token.c_str());
  auto reg = g.Post("/api/v1/agents/register", R"({"device_class": "local"})",
                    "application/json");
  ASSERT_TRUE(reg && reg->status == 200);
  const std::string agent = json::parse(reg->body)["agent_id"];
  auto leased = g.Post(("/api/v1/agents/" + agent + "/lease").c_str());
  ASSERT_TRUE(leased && leased->status == 200);
  const int64_t job = json::parse(leased->body)["job"];

  // Kill it in the middle of another upload.
  const int fd = StartUpload(port, demo, std::string(body.size(), 'x'),
                             body.size() / 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server->Kill();
  if (fd >= 0) close(fd);

  // Restart on the same data folder.
  port = FreePort();
  server = std::make_unique<Server>(dir.path(), port);
  ASSERT_TRUE(server->up()) << "mai serve did not restart";
  httplib::Client c2("127.0.0.1", port);
  c2.set_bearer_token_auth(demo.c_str());
  auto list = c2.Get("/api/v1/submissions");
  ASSERT_TRUE(list && list->status == 200);
  const json subs = json::parse(list->body)["submissions"];
  ASSERT_EQ(subs.size(), accepted.size()) << subs.dump();
  for (const json& s : subs) {
    EXPECT_EQ(s["model_sha256"], sha);
    EXPECT_EQ(s["model_bytes"], body.size());
  }
  // The model file is whole; no temp file is left among the models.
  const fs::path models = dir.path() / "models";
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(models)) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
    auto bytes = ReadFileBytes(e.path().string());
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(Sha256Hex(*bytes), e.path().filename().string());
  }
  EXPECT_EQ(files, 1);

  // The lease held at the crash expires (2 s) and a new agent completes the
  // job (attempt 2).
  httplib::Client g2("127.0.0.1", port);
  g2.set_bearer_token_auth(agent_token.c_str());
  auto reg2 = g2.Post("/api/v1/agents/register", R"({"device_class": "local"})",
                      "application/json");
  ASSERT_TRUE(reg2 && reg2->status == 200);
  const std::string agent2 = json::parse(reg2->body)["agent_id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  bool completed = false;
  for (int i = 0; i < 4 && !completed; ++i) {
    auto l = g2.Post(("/api/v1/agents/" + agent2 + "/lease?wait=2").c_str());
    ASSERT_TRUE(l);
    if (l->status != 200) continue;
    const json j = json::parse(l->body);
    auto done = g2.Post(("/api/v1/jobs/" + j["job"].dump() + "/result").c_str(),
                        json({{"agent_id", agent2},
                              {"attempt", j["attempt"]},
                              {"result", {{"ok", true}}}})
                            .dump(),
                        "application/json");
    ASSERT_TRUE(done && done->status == 200);
    if (j["job"] == job) {
      EXPECT_EQ(j["attempt"], 2);
      completed = true;
    }
  }
  EXPECT_TRUE(completed);
  auto status = c2.Get(("/api/v1/jobs/" + std::to_string(job)).c_str());
  ASSERT_TRUE(status && status->status == 200);
  EXPECT_EQ(json::parse(status->body)["state"], "succeeded");
}

TEST(CrashRecoveryTest, SigtermDrainsRequestsInFlight) {
  testing::TempDir dir("mai_drain_test");
  ASSERT_FALSE(dir.path().empty());
  const auto model = ReadFileBytes(testing::OracleModelsDir() +
                                   "/face_detection_short_range.tflite");
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::string body(model->begin(), model->end());

  int port = FreePort();
  auto server = std::make_unique<Server>(dir.path(), port);
  ASSERT_TRUE(server->up()) << "mai serve did not start";
  const std::string demo = Token(dir.path() / "demo.token");
  const std::string admin = Token(dir.path() / "admin.token");
  httplib::Client a("127.0.0.1", port);
  a.set_bearer_token_auth(admin.c_str());
  auto tok = a.Post("/api/v1/admin/agent_tokens", "", "application/json");
  ASSERT_TRUE(tok && tok->status == 201) << (tok ? tok->body : "");
  httplib::Client g("127.0.0.1", port);
  g.set_bearer_token_auth(
      json::parse(tok->body)["token"].get<std::string>().c_str());
  g.set_read_timeout(60, 0);
  auto reg = g.Post("/api/v1/agents/register", R"({"device_class": "other"})",
                    "application/json");
  ASSERT_TRUE(reg && reg->status == 200);
  const std::string agent = json::parse(reg->body)["agent_id"];

  // In flight when SIGTERM comes: an agent's long poll (up to 60 s) and an
  // upload with half of its body sent.
  const auto poll_start = std::chrono::steady_clock::now();
  std::thread poll([&] {
    auto l = g.Post(("/api/v1/agents/" + agent + "/lease?wait=60").c_str());
    EXPECT_TRUE(l) << "the long poll got no answer";
    if (l) EXPECT_EQ(l->status, 204);
  });
  const int fd = StartUpload(port, demo, body, body.size() / 2);
  ASSERT_GE(fd, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server->Terminate();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (void)!write(fd, body.data() + body.size() / 2, body.size() - body.size() / 2);
  const std::string answer = ReadAll(fd);
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer.substr(0, 300);
  poll.join();
  EXPECT_LT(std::chrono::steady_clock::now() - poll_start,
            std::chrono::seconds(20))
      << "the long poll was not woken by the shutdown";
  EXPECT_EQ(server->WaitExit(20), 0);
  // Gone: new connections are refused.
  EXPECT_FALSE(httplib::Client("127.0.0.1", port).Get("/healthz"));

  // The upload accepted during the drain is there after a restart.
  port = FreePort();
  server = std::make_unique<Server>(dir.path(), port);
  ASSERT_TRUE(server->up()) << "mai serve did not restart";
  httplib::Client c("127.0.0.1", port);
  c.set_bearer_token_auth(demo.c_str());
  auto list = c.Get("/api/v1/submissions");
  ASSERT_TRUE(list && list->status == 200);
  const json subs = json::parse(list->body)["submissions"];
  ASSERT_EQ(subs.size(), 1u) << subs.dump();
  EXPECT_EQ(subs[0]["model_bytes"], body.size());
  EXPECT_EQ(subs[0]["model_sha256"], Sha256Hex(*model));
}

}  // namespace
}  // namespace mai

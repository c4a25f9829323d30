// The evaluation server's HTTP API (docs/openapi.yaml, served at
// /api/openapi.yaml): uploads, jobs, leaderboards, devices, the agent
// protocol, /healthz and /metrics, over cpp-httplib.
//
//   ApiServer server(options, store, blobs);
//   MAI_ASSIGN_OR_RETURN(int port, server.Bind("127.0.0.1", 0));
//   std::thread t([&] { server.Run(); });
//   ...
//   server.Stop();  // drains requests in flight, then Run returns
//
// Requests are authenticated by `Authorization: Bearer <token>`: tokens are
// looked up by hash (server/tokens.h) in the store; participant tokens may
// upload and read their own submissions, agent tokens may only register,
// lease and report; admins create participants and tokens. Every error is
// {"error": {"code", "message"}} with a 4xx/5xx status, and a refused
// request changes nothing. No model ever runs inside the server: it only
// reads uploads with mai's model reader to refuse broken ones (422).
#ifndef MAI_SERVER_HTTP_API_H_
#define MAI_SERVER_HTTP_API_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "server/blob_store.h"
#include "server/prometheus.h"
#include "server/rate_limit.h"
#include "server/store.h"

namespace httplib {
class Server;
}

namespace mai::server {

struct ApiOptions {
  size_t max_model_bytes = size_t{200} << 20;
  // Device classes a submission runs on when it names none.
  std::vector<std::string> default_device_classes = {"local"};
  int64_t lease_secs = 60;
  int max_failures = 3;       // distinct agents before a job fails
  int64_t daily_quota = 100;  // submissions per participant per UTC day
  double rate_per_sec = 20;   // requests per token
  double rate_burst = 40;
  int max_wait_secs = 120;     // ?wait= bounds (sync submit, long poll)
  int threads = 256;           // HTTP worker threads (long polls hold one)
  int read_timeout_secs = 30;  // a client that stops sending is dropped
};

class ApiServer {
 public:
  ApiServer(ApiOptions options, Store* store, const BlobStore* blobs);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port (port 0: any free port) and returns the port. Listens
  // with a backlog of kListenBacklog (bounded by net.core.somaxconn).
  Result<int> Bind(const std::string& host, int port);
  static constexpr int kListenBacklog = 1024;
  // The listening socket's backlog as the kernel keeps it; -1 before Bind.
  int ListenBacklog() const;
  // Serves until Stop (blocking).
  void Run();
  // Stops accepting, wakes long polls, lets requests in flight finish.
  void Stop();

  MetricsRegistry& metrics() { return metrics_; }

 private:
  void Routes();
  void Notify();  // a job was queued or finished
  // Expired leases go back to the queue when an agent polls; one sweep a
  // second is enough however many agents poll.
  void RequeueExpiredLeasesAtMostOncePerSecond(int64_t now);

  ApiOptions options_;
  Store* store_;
  const BlobStore* blobs_;
  std::unique_ptr<httplib::Server> http_;
  MetricsRegistry metrics_;
  RateLimiter limiter_;
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> last_requeue_{0};
  // Leaderboards as last computed, by track; valid while no submission or
  // result arrived since (generation_, bumped by Notify) and for at most
  // kLeaderboardMaxAgeSecs.
  static constexpr int kLeaderboardMaxAgeSecs = 5;
  struct Board {
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point made;
    std::string body;
  };
  std::atomic<uint64_t> generation_{0};
  std::mutex boards_mu_;
  std::map<std::string, Board> boards_;
  int listen_fd_ = -1;
  friend struct ApiHandlers;
};

}  // namespace mai::server

#endif  // MAI_SERVER_HTTP_API_H_

// The evaluation server over real HTTP on loopback (random ports): a real
// model uploaded by a participant is run by a device agent (`mai bench` in a
// child process) and its runtime comes back; the agent protocol's rules
// (leases, heartbeats, idempotent results, re-leasing after an agent
// vanishes); a model whose run crashes or hangs fails its job while the
// agent keeps serving; and hostile requests each get a 4xx JSON error and
// leave the store unchanged.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/npy.h"
#include "core/sha256.h"
#include "oracle/tflite_oracle.h"
#include "server/agent.h"
#include "server/http_api.h"
#include "server/sqlite_store.h"
#include "server/tokens.h"
#include "testing/postgres_test_db.h"
#include "testing/temp_dir.h"

namespace mai::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every test runs on the SQLite store and, when MAI_TEST_POSTGRES_URL names
// a server (scripts/test.sh starts one), on a fresh PostgreSQL database.
class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_TRUE(InitTokens().ok());
    if (GetParam() == "postgres" && testing::PostgresUrl() == nullptr) {
      GTEST_SKIP() << testing::kNoPostgres;
    }
    auto store = GetParam() == "postgres"
                     ? testing::OpenPostgresIn(dir_.path())
                     : OpenSqliteStore((dir_.path() / "mai.db").string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    BlobStoreOptions bo;
    bo.max_blob_bytes = 8 << 20;
    auto blobs = BlobStore::Open((dir_.path() / "models").string(), bo);
    ASSERT_TRUE(blobs.ok()) << blobs.status().message();
    blobs_ = std::make_unique<BlobStore>(std::move(*blobs));
    alice_ = Token("alice", Role::kParticipant, TokenKind::kParticipant);
    bob_ = Token("bob", Role::kParticipant, TokenKind::kParticipant);
    agent_token_ = Token("admin", Role::kAdmin, TokenKind::kAgent);

    Start(Options());
  }
  void TearDown() override {
    StopServer();
    store_.reset();
    if (GetParam() == "postgres") testing::DropPostgresIn(dir_.path());
  }

  static ApiOptions Options() {
    ApiOptions o;
    o.max_model_bytes = 4 << 20;
    o.lease_secs = 2;
    o.read_timeout_secs = 2;
    o.rate_per_sec = 1000;
    o.rate_burst = 1000;
    return o;
  }
  void Start(const ApiOptions& o) {
    server_ = std::make_unique<ApiServer>(o, store_.get(), blobs_.get());
    auto port = server_->Bind("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().message();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    // Wait until it answers.
    httplib::Client c("127.0.0.1", port_);
    for (int i = 0; i < 100 && !c.Get("/healthz"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  void StopServer() {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  // The server again with other options, on the same store.
  void Restart(const ApiOptions& o) {
    StopServer();
    Start(o);
  }

  std::string Token(const std::string& name, Role role, TokenKind kind) {
    auto p = store_->GetParticipantByName(name);
    if (!p.ok()) p = store_->CreateParticipant(name, role, Now());
    EXPECT_TRUE(p.ok());
    const std::string t =
        NewToken(kind == TokenKind::kAgent ? kAgentTokenPrefix
                                           : kParticipantTokenPrefix);
    EXPECT_TRUE(store_->AddToken(p->id, HashToken(t), kind, Now()).ok());
    return t;
  }

  httplib::Client Client(const std::string& token) {
    httplib::Client c("127.0.0.1", port_);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    c.set_read_timeout(90, 0);
    return c;
  }

  std::string Model(const std::string& name) {
    auto b = ReadFileBytes(testing::OracleModelsDir() + "/" + name);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? std::string(b->begin(), b->end()) : "";
  }

  httplib::Result Upload(const std::string& token, const std::string& body,
                         const std::string& query,
                         const std::string& type = "application/octet-stream") {
    return Client(token).Post(("/api/v1/submissions?" + query).c_str(), body,
                              type.c_str());
  }

  int64_t SubmissionCount() {
    int64_t n = 0;
    for (const char* who : {"alice", "bob"}) {
      auto p = store_->GetParticipantByName(who);
      if (p.ok()) {
        auto subs = store_->SubmissionsOfParticipant(p->id, 1000);
        if (subs.ok()) n += static_cast<int64_t>(subs->size());
      }
    }
    return n;
  }

  void ExpectError(const httplib::Result& r, int status,
                   const std::string& code) {
    ASSERT_TRUE(r) << "no answer";
    EXPECT_EQ(r->status, status) << r->body;
    json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r->body;
    EXPECT_EQ(j["error"]["code"], code) << r->body;
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
  }

  AgentOptions AgentFor(const std::string& mai_binary) {
    AgentOptions o;
    o.server_url = "http://127.0.0.1:" + std::to_string(port_);
    o.token = agent_token_;
    o.mai_binary = mai_binary;
    o.work_dir = (dir_.path() / "agent").string();
    o.poll_wait_secs = 1;
    o.bench_runs = 3;
    return o;
  }

  testing::TempDir dir_{"mai_api_test"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::string alice_, bob_, agent_token_;
};

TEST_P(ApiTest, UploadRunsOnAnAgentAndTheRuntimeComesBack) {
  const std::string model = Model("face_detection_short_range.tflite");
  std::atomic<bool> stop{false};
  AgentOptions ao = AgentFor(MAI_BINARY);
  ao.max_jobs = 1;
  std::thread agent([&] { EXPECT_TRUE(RunAgent(ao, stop).ok()); });
  auto r = Upload(alice_, model, "track=demo-runtime&name=face.tflite&wait=60");
  stop = true;
  agent.join();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  json sub = json::parse(r->body);
  EXPECT_EQ(sub["file_name"], "face.tflite");
  EXPECT_EQ(sub["model_bytes"], model.size());
  ASSERT_EQ(sub["jobs"].size(), 1u) << sub.dump();
  const json job = sub["jobs"][0];
  const std::string job_path = "/api/v1/jobs/" + job["id"].dump();
  const std::string sub_path = "/api/v1/submissions/" + sub["id"].dump();
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["result"]["schema"], "mai.bench.report/1");
  EXPECT_GT(job["result"]["runs"]["median_ms"].get<double>(), 0.0);
  EXPECT_EQ(job["result"]["model"]["sha256"], sub["model_sha256"]);

  // The runtime-only demo track ranks it by its median at once.
  auto board = Client("").Get("/api/v1/tracks/demo-runtime/leaderboard");
  ASSERT_TRUE(board && board->status == 200);
  const json entries = json::parse(board->body)["entries"];
  ASSERT_EQ(entries.size(), 1u) << board->body;
  EXPECT_EQ(entries[0]["participant"], "alice");
  EXPECT_EQ(entries[0]["rank"], 1);
  EXPECT_DOUBLE_EQ(entries[0]["score"].get<double>(),
                   job["result"]["runs"]["median_ms"].get<double>());

  // The owner reads it; another participant cannot; the devices page
  // shows the agent.
  auto mine = Client(alice_).Get(job_path.c_str());
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200);
  ExpectError(Client(bob_).Get(job_path.c_str()), 404, "not_found");
  ExpectError(Client(bob_).Get(sub_path.c_str()), 404, "not_found");
  auto devices = Client("").Get("/api/v1/devices");
  ASSERT_TRUE(devices);
  EXPECT_EQ(json::parse(devices->body)["agents"].size(), 1u);
  auto metrics = Client("").Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("mai_jobs{state=\"succeeded\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("mai_http_request_seconds_bucket"),
            std::string::npos);
  auto spec = Client("").Get("/api/openapi.yaml");
  ASSERT_TRUE(spec);
  EXPECT_NE(spec->body.find("openapi: 3.0.3"), std::string::npos);

  // The job page's charts, drawn by the server from the agent's report:
  // the histogram's bars count every timed run, the op chart has a bar per
  // op type of the profile; private like the job.
  auto latency = Client(alice_).Get((job_path + "/charts/latency.svg").c_str());
  ASSERT_TRUE(latency);
  ASSERT_EQ(latency->status, 200) << latency->body;
  EXPECT_EQ(latency->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_NE(latency->get_header_value("Content-Security-Policy").find(
                "default-src 'none'"),
            std::string::npos);
  int64_t counted = 0;
  const std::string needle = "class=\"bar\" data-count=\"";
  for (size_t at = latency->body.find(needle); at != std::string::npos;
       at = latency->body.find(needle, at + 1)) {
    counted += std::stoll(latency->body.substr(at + needle.size()));
  }
  EXPECT_EQ(counted, job["result"]["runs"]["count"].get<int64_t>());
  auto ops = Client(alice_).Get((job_path + "/charts/ops.svg").c_str());
  ASSERT_TRUE(ops);
  ASSERT_EQ(ops->status, 200) << ops->body;
  size_t bars = 0;
  for (size_t at = ops->body.find("class=\"bar\""); at != std::string::npos;
       at = ops->body.find("class=\"bar\"", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, job["result"]["op_profile"]["by_type"].size());
  EXPECT_NE(ops->body.find("data-op=\"CONV_2D\""), std::string::npos);
  ExpectError(Client(bob_).Get((job_path + "/charts/latency.svg").c_str()),
              404, "not_found");
}

// cpp-httplib listens with a backlog of 5; bursts of connections then lose
// their handshakes and wait seconds for retransmits. The server listens
// again with kListenBacklog (the kernel caps it at net.core.somaxconn).
TEST_P(ApiTest, ListensWithARealBacklog) {
  int somaxconn = 4096;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  EXPECT_EQ(server_->ListenBacklog(),
            std::min(ApiServer::kListenBacklog, somaxconn));
}

TEST_P(ApiTest, ChartsOfAJobWithoutAResultAreNotFound) {
  auto r = Upload(alice_, Model("face_detection_short_range.tflite"),
                  "track=mai2021-denoising");
  ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
  const std::string path =
      "/api/v1/jobs/" + json::parse(r->body)["jobs"][0]["id"].dump();
  ExpectError(Client(alice_).Get((path + "/charts/latency.svg").c_str()), 404,
              "no_result");
  ExpectError(Client(alice_).Get((path + "/charts/ops.svg").c_str()), 404,
              "no_result");
}

TEST_P(ApiTest, DailyQuotaRefusesUploadsOverItAndStoresNothing) {
  ApiOptions o = Options();
  o.daily_quota = 2;
  Restart(o);
  const std::string model = Model("face_detection_short_range.tflite");
  for (int i = 0; i < 2; ++i) {
    auto r = Upload(alice_, model, "track=mai2021-denoising");
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
  }
  const int64_t before = SubmissionCount();
  ExpectError(Upload(alice_, model, "track=mai2021-denoising"), 429, "quota");
  EXPECT_EQ(SubmissionCount(), before);
  // The quota is per participant.
  auto other = Upload(bob_, model, "track=mai2021-denoising");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 201) << other->body;
}

TEST_P(ApiTest, AdminListsParticipantsIssuesAndRevokesTokens) {
  const std::string admin = Token("root", Role::kAdmin, TokenKind::kParticipant);
  ExpectError(Client(alice_).Get("/api/v1/admin/participants"), 403,
              "forbidden");
  auto created = Client(admin).Post("/api/v1/admin/participants",
                                    R"({"name": "carol"})", "application/json");
  ASSERT_TRUE(created && created->status == 201)
      << (created ? created->body : "no answer");
  const json carol = json::parse(created->body);
  const std::string carol_token = carol["token"];
  ASSERT_EQ(Client(carol_token).Get("/api/v1/submissions")->status, 200);

  auto list = Client(admin).Get("/api/v1/admin/participants");
  ASSERT_TRUE(list && list->status == 200);
  const json people = json::parse(list->body)["participants"];
  json listed;
  for (const json& p : people) {
    if (p["name"] == "carol") listed = p;
    // Ids, kinds and dates only: no token and no hash is ever listed.
    for (const json& t : p["tokens"]) {
      EXPECT_FALSE(t.contains("hash"));
      EXPECT_FALSE(t.contains("token"));
    }
  }
  ASSERT_TRUE(listed.is_object()) << people.dump();
  EXPECT_EQ(listed["id"], carol["participant"]);
  EXPECT_EQ(listed["role"], "participant");
  ASSERT_EQ(listed["tokens"].size(), 1u);
  EXPECT_EQ(listed["tokens"][0]["id"], carol["token_id"]);
  EXPECT_TRUE(listed["tokens"][0]["revoked_at"].is_null());
  EXPECT_EQ(list->body.find(carol_token), std::string::npos);

  // A new token for carol, then the old one revoked: only the new one works.
  auto fresh = Client(admin).Post(
      ("/api/v1/admin/participants/" + carol["participant"].dump() + "/tokens")
          .c_str(),
      "", "application/json");
  ASSERT_TRUE(fresh && fresh->status == 201) << (fresh ? fresh->body : "");
  const std::string fresh_token = json::parse(fresh->body)["token"];
  auto revoked = Client(admin).Post(
      ("/api/v1/admin/tokens/" + carol["token_id"].dump() + "/revoke").c_str(),
      "", "application/json");
  ASSERT_TRUE(revoked && revoked->status == 200)
      << (revoked ? revoked->body : "");
  ExpectError(Client(carol_token).Get("/api/v1/submissions"), 401,
              "unauthenticated");
  EXPECT_EQ(Client(fresh_token).Get("/api/v1/submissions")->status, 200);
  ExpectError(Client(admin).Post("/api/v1/admin/tokens/999999/revoke", "",
                                 "application/json"),
              404, "not_found");
  ExpectError(Client(admin).Post("/api/v1/admin/participants/999999/tokens",
                                 "", "application/json"),
              404, "not_found");
  ExpectError(Client(alice_).Post(
                  ("/api/v1/admin/tokens/" + carol["token_id"].dump() +
                   "/revoke")
                      .c_str(),
                  "", "application/json"),
              403, "forbidden");
}

// A fake `mai` for the agent: crashes on one model, hangs on another, runs
// the real mai otherwise.
std::string FakeMai(const fs::path& dir, const std::string& crash_sha,
                    const std::string& hang_sha) {
  const fs::path script = dir / "fake_mai.sh";
  std::ofstream(script) << "#!/bin/sh\n"
                        << "case \"$*\" in\n"
                        << "  *" << crash_sha << "*) kill -SEGV $$ ;;\n"
                        << "  *" << hang_sha << "*) sleep 600 ;;\n"
                        << "esac\n"
                        << "exec " << MAI_BINARY << " \"$@\"\n";
  fs::permissions(script, fs::perms::owner_all);
  return script.string();
}

TEST_P(ApiTest, CrashingAndHangingRunsFailTheirJobsAndTheAgentKeepsServing) {
  const std::string good = Model("face_detection_short_range.tflite");
  const std::string crash = Model("face_detection_full_range.tflite");
  const std::string hang = Model("face_detection_full_range_sparse.tflite");
  auto sha = [](const std::string& s) {
    return Sha256Hex({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  std::atomic<bool> stop{false};
  AgentOptions ao = AgentFor(FakeMai(dir_.path(), sha(crash), sha(hang)));
  ao.job_timeout_secs = 3;
  ao.max_jobs = 3;
  std::thread agent([&] { EXPECT_TRUE(RunAgent(ao, stop).ok()); });
  // One agent: each job fails on it once, then waits for another agent
  // (max_failures 3 distinct agents), so check the recorded failure.
  auto a = Upload(alice_, crash, "track=mai2021-denoising");
  auto b = Upload(alice_, hang, "track=mai2021-denoising");
  auto c = Upload(alice_, good, "track=mai2021-denoising&wait=60");
  stop = true;
  agent.join();
  ASSERT_TRUE(a && b && c);
  ASSERT_EQ(c->status, 201) << c->body;
  EXPECT_EQ(json::parse(c->body)["jobs"][0]["state"], "succeeded");
  auto job_of = [&](const httplib::Result& r) {
    const int64_t id = json::parse(r->body)["jobs"][0]["id"].get<int64_t>();
    return json::parse(Client(alice_)
                           .Get(("/api/v1/jobs/" + std::to_string(id)).c_str())
                           ->body);
  };
  const json crashed = job_of(a);
  EXPECT_EQ(crashed["exit_signal"], 11) << crashed.dump();
  EXPECT_NE(crashed["error"].get<std::string>().find("signal 11"),
            std::string::npos);
  const json hung = job_of(b);
  EXPECT_NE(hung["error"].get<std::string>().find("timed out"),
            std::string::npos)
      << hung.dump();
}

TEST_P(ApiTest, AgentProtocolLeasesHeartbeatsAndIdempotentResults) {
  auto agents = Client(agent_token_);
  auto reg = agents.Post("/api/v1/agents/register",
                         R"({"device_class": "local", "description": {}})",
                         "application/json");
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->status, 200) << reg->body;
  const std::string id = json::parse(reg->body)["agent_id"];
  const std::string lease_path = "/api/v1/agents/" + id + "/lease?wait=0";
  auto empty = agents.Post(lease_path.c_str());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 204);

  auto up = Upload(alice_, Model("face_detection_short_range.tflite"),
                   "track=mai2021-denoising");
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 201) << up->body;
  auto leased = agents.Post(lease_path.c_str());
  ASSERT_TRUE(leased);
  ASSERT_EQ(leased->status, 200) << leased->body;
  const json job = json::parse(leased->body);
  const std::string base =
      "/api/v1/jobs/" + std::to_string(job["job"].get<int64_t>());
  // The model download matches its sha256.
  auto model = agents.Get(job["model_url"].get<std::string>().c_str());
  ASSERT_TRUE(model);
  EXPECT_EQ(Sha256Hex({reinterpret_cast<const uint8_t*>(model->body.data()),
                       model->body.size()}),
            job["model_sha256"]);
  // Wrong attempt: 409, nothing changes.
  ExpectError(agents.Post((base + "/heartbeat").c_str(),
                          json({{"agent_id", id}, {"attempt", 7}}).dump(),
                          "application/json"),
              409, "conflict");
  auto beat = agents.Post((base + "/heartbeat").c_str(),
                          json({{"agent_id", id}, {"attempt", 1}}).dump(),
                          "application/json");
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->status, 200) << beat->body;
  const std::string result =
      json({{"agent_id", id}, {"attempt", 1}, {"result", {{"x", 1}}}}).dump();
  for (int i = 0; i < 2; ++i) {  // posting twice is harmless
    auto r =
        agents.Post((base + "/result").c_str(), result, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  // A participant token cannot lease; an agent token cannot upload.
  ExpectError(Client(alice_).Post(lease_path.c_str()), 403, "forbidden");
  ExpectError(Upload(agent_token_, "x", "track=mai2021-denoising"), 403,
              "forbidden");
}

TEST_P(ApiTest, AVanishedAgentsJobIsLeasedAgainAndCompletedByAnother) {
  auto agents = Client(agent_token_);
  auto register_agent = [&] {
    auto r = agents.Post("/api/v1/agents/register",
                         R"({"device_class": "local"})", "application/json");
    return json::parse(r->body)["agent_id"].get<std::string>();
  };
  const std::string first = register_agent();
  auto up = Upload(alice_, Model("face_detection_short_range.tflite"),
                   "track=mai2021-denoising");
  ASSERT_TRUE(up && up->status == 201);
  auto leased = agents.Post(("/api/v1/agents/" + first + "/lease").c_str());
  ASSERT_TRUE(leased && leased->status == 200);
  // The first agent disappears: after the 2 s lease a real agent gets the
  // job (attempt 2) and completes it.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  std::atomic<bool> stop{false};
  AgentOptions ao = AgentFor(MAI_BINARY);
  ao.max_jobs = 1;
  std::thread agent([&] { EXPECT_TRUE(RunAgent(ao, stop).ok()); });
  agent.join();
  const int64_t job_id = json::parse(up->body)["jobs"][0]["id"];
  const json job =
      json::parse(Client(alice_)
                      .Get(("/api/v1/jobs/" + std::to_string(job_id)).c_str())
                      ->body);
  EXPECT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["attempt"], 2);
  // The vanished agent's late result for attempt 1 is refused.
  ExpectError(
      agents.Post(
          ("/api/v1/jobs/" + std::to_string(job_id) + "/result").c_str(),
          json(
              {{"agent_id", first}, {"attempt", 1}, {"result", json::object()}})
              .dump(),
          "application/json"),
      409, "conflict");
}

// The public leaderboard ranks each participant's best submission from the
// fidelity and runtime reports its jobs posted (hand-made reports here:
// the ranking, not the measuring, is under test).
TEST_P(ApiTest, LeaderboardRanksBestSubmissionPerParticipant) {
  auto agents = Client(agent_token_);
  auto reg = agents.Post("/api/v1/agents/register",
                         R"({"device_class": "local"})", "application/json");
  ASSERT_TRUE(reg && reg->status == 200);
  const std::string agent = json::parse(reg->body)["agent_id"];
  // Runs one submission's jobs: PSNR and runtime as given.
  auto run = [&](const std::string& token, double psnr, double ms,
                 std::vector<int64_t> shape) {
    auto up = Upload(token, Model("face_detection_short_range.tflite"),
                     "track=mai2021-denoising&kinds=runtime,fidelity");
    EXPECT_TRUE(up && up->status == 201) << (up ? up->body : "");
    const std::string sha = json::parse(up->body)["model_sha256"];
    for (int k = 0; k < 2; ++k) {
      auto leased = agents.Post(("/api/v1/agents/" + agent + "/lease").c_str());
      ASSERT_TRUE(leased && leased->status == 200);
      const json job = json::parse(leased->body);
      json report;
      if (job["kind"] == "fidelity") {
        report = {{"schema", "mai.eval.report/1"},
                  {"track", "mai2021-denoising"},
                  {"model",
                   {{"sha256", sha},
                    {"bytes", 1000},
                    {"int8_only", false},
                    {"input_shape", shape}}},
                  {"mean", {{"PSNR", psnr}, {"SSIM", 0.9}}}};
      } else {
        report = {
            {"schema", "mai.bench.report/1"},
            {"model", {{"sha256", sha}}},
            {"runs", {{"median_ms", ms}, {"mean_ms", ms}, {"p90_ms", ms}}}};
      }
      auto posted =
          agents.Post(("/api/v1/jobs/" + job["job"].dump() + "/result").c_str(),
                      json({{"agent_id", agent},
                            {"attempt", job["attempt"]},
                            {"result", report}})
                          .dump(),
                      "application/json");
      ASSERT_TRUE(posted && posted->status == 200) << posted->body;
    }
  };
  const std::vector<int64_t> official = {1, 480, 640, 3};
  run(alice_, 30.0, 10.0, official);
  run(alice_, 31.0, 10.0, official);     // alice's best: 2^62 / 10
  run(bob_, 30.5, 4.0, official);        // 2^61 / 4 > 2^62 / 10
  run(bob_, 40.0, 5.0, {1, 64, 96, 3});  // wrong input shape: disqualified
  auto r = Client("").Get("/api/v1/tracks/mai2021-denoising/leaderboard");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json board = json::parse(r->body);
  ASSERT_EQ(board["entries"].size(), 2u) << board.dump();
  EXPECT_EQ(board["entries"][0]["participant"], "bob");
  EXPECT_EQ(board["entries"][0]["rank"], 1);
  EXPECT_DOUBLE_EQ(board["entries"][0]["score"].get<double>(),
                   std::pow(2.0, 61) / 4.0);
  EXPECT_EQ(board["entries"][1]["participant"], "alice");
  EXPECT_EQ(board["entries"][1]["submissions"], 2);
  EXPECT_DOUBLE_EQ(board["entries"][1]["score"].get<double>(),
                   std::pow(2.0, 62) / 10.0);
  ASSERT_EQ(board["disqualified"].size(), 1u);
  EXPECT_NE(
      board["disqualified"][0]["reason"].get<std::string>().find("input shape"),
      std::string::npos);
  ExpectError(Client("").Get("/api/v1/tracks/nope/leaderboard"), 404,
              "unknown_track");
}

// A raw request whose Content-Length claims far more than it sends.
int RawShortBody(int port, const std::string& token) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const std::string req =
      "POST /api/v1/submissions?track=mai2021-denoising HTTP/1.1\r\n"
      "Host: x\r\nAuthorization: Bearer " +
      token +
      "\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: 1000000\r\n\r\nshort";
  (void)!write(fd, req.data(), req.size());
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf - 1);  // the server gives up
  close(fd);
  if (n <= 0) return 0;  // connection closed without an answer
  buf[n] = 0;
  return std::atoi(buf + 9);  // "HTTP/1.1 NNN"
}

TEST_P(ApiTest, HostileRequestsGetJsonErrorsAndChangeNothing) {
  const std::string model = Model("face_detection_short_range.tflite");
  const int64_t before = SubmissionCount();
  ExpectError(Upload("", model, "track=mai2021-denoising"), 401,
              "unauthenticated");
  ExpectError(Upload("mai_p_wrongwrongwrong", model, "track=mai2021-denoising"),
              401, "unauthenticated");
  ExpectError(Upload(alice_, "", "track=mai2021-denoising"), 400, "empty_body");
  std::mt19937 rng(99);
  std::string noise(4096, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  ExpectError(Upload(alice_, noise, "track=mai2021-denoising"), 422,
              "invalid_model");
  ExpectError(Upload(alice_, model.substr(0, model.size() / 2),
                     "track=mai2021-denoising"),
              422, "invalid_model");
  ExpectError(Upload(alice_, model, "track=mai2021-denoising", "text/plain"),
              415, "unsupported_media_type");
  ExpectError(Upload(alice_, model, "track=no-such-track"), 404,
              "unknown_track");
  ExpectError(Upload(alice_, model, "track=../../etc"), 404, "unknown_track");
  ExpectError(
      Upload(alice_, std::string(5 << 20, 'x'), "track=mai2021-denoising"), 413,
      "too_large");
  ExpectError(Upload(alice_, model, "track=mai2021-denoising&devices=../x"),
              400, "bad_device_class");
  ExpectError(Upload(alice_, model, "track=mai2021-denoising&kinds=evil"), 400,
              "bad_kind");
  ExpectError(Upload(alice_, model, "track=demo-runtime&kinds=fidelity"), 400,
              "bad_kind");
  ExpectError(Client(alice_).Get("/api/v1/jobs/999999"), 404, "not_found");
  ExpectError(Client(alice_).Get("/api/v1/nothing"), 404, "not_found");
  const int raw = RawShortBody(port_, alice_);
  EXPECT_TRUE(raw == 0 || raw == 400 || raw == 408) << raw;
  EXPECT_EQ(SubmissionCount(), before);

  // A path-traversal file name is display text only: the model is stored
  // under its sha256 inside the data folder.
  auto ok = Upload(alice_, model,
                   "track=mai2021-denoising&name=..%2F..%2Fetc%2Fpasswd");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 201) << ok->body;
  const json sub = json::parse(ok->body);
  EXPECT_EQ(sub["file_name"], "model.tflite");
  EXPECT_TRUE(fs::exists(*blobs_->PathOf(sub["model_sha256"])));
  EXPECT_EQ(SubmissionCount(), before + 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, ApiTest,
                         ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           return i.param;
                         });

}  // namespace
}  // namespace mai::server

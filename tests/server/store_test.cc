// Store (server/store.h): participants, tokens, quotas, submissions, agents
// and every rule of the job lifecycle, written against the abstract Store
// through a list of factories (SQLite, PostgreSQL) that run the same tests.
// SQLite-specific behaviour (file format checks, WAL, crash durability) and
// PostgreSQL-specific behaviour (replicas racing on one database, schema
// checks, unreachable servers) are tested separately below.
// Expectations are written out by hand; the randomized test checks the store
// against a small reference model of the lifecycle (seeded).
//
// The PostgreSQL tests need a server: MAI_TEST_POSTGRES_URL names a database
// there as a user who may create databases (scripts/postgres_test_cluster.sh
// starts a throwaway cluster and prints one; scripts/test.sh does it). Each
// test gets a database of its own, dropped at teardown. Without the variable
// they are skipped, saying so.
#include "server/store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/postgres_store.h"
#include "server/sqlite_store.h"
#include "testing/postgres_test_db.h"
#include "testing/temp_dir.h"

namespace mai::server {
namespace {

namespace fs = std::filesystem;

// A UTC midnight (2023-11-14 00:00:00), the start of "day 0".
constexpr int64_t kDay = 1'699'920'000;
constexpr int64_t kT0 = kDay + 3600;
constexpr int64_t kLease = 60;

// --- PostgreSQL test databases: testing/postgres_test_db.h
// --------------------

using testing::DropPostgresIn;
using testing::kNoPostgres;
using testing::OpenPostgresIn;
using testing::PostgresAdmin;
using testing::PostgresDatabaseFor;
using testing::PostgresDatabaseUrl;
using testing::PostgresUrl;

// --- factories ---------------------------------------------------------------

// Opens (creating if absent) the store kept in `dir`; opening the same
// directory again must see the same data. `unavailable` says why the store
// cannot be tested here (empty: it can); `drop` frees what `dir`'s store
// holds outside `dir` once the test is done.
struct StoreFactory {
  std::string name;
  std::function<Result<std::unique_ptr<Store>>(const fs::path& dir)> open;
  std::function<std::string()> unavailable;
  std::function<void(const fs::path& dir)> drop;
};

void PrintTo(const StoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

const std::vector<StoreFactory>& Factories() {
  static const std::vector<StoreFactory> factories = {
      {"sqlite",
       [](const fs::path& dir) {
         return OpenSqliteStore((dir / "mai.db").string());
       }},
      {"postgres", [](const fs::path& dir) { return OpenPostgresIn(dir); },
       []() { return std::string(PostgresUrl() ? "" : kNoPostgres); },
       DropPostgresIn},
  };
  return factories;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A 64-hex-digit "sha256" distinct per n.
std::string Sha(int n) {
  std::string s = fmt::format("{:064x}", n);
  return s;
}

// Every field of a job, to check that a refused call changed nothing.
std::string Describe(const Job& j) {
  auto opt = [](const auto& v) {
    return v.has_value() ? fmt::format("{}", *v) : std::string("-");
  };
  std::string s = fmt::format(
      "job {} sub {} {} {} {} attempt {} agent '{}' expires {} leased {} "
      "first {} err '{}' sig {} created {} updated {} finished {} failures",
      j.id, j.submission_id, j.device_class, JobKindName(j.kind),
      JobStateName(j.state), j.attempt, j.agent_id, opt(j.lease_expires_at),
      opt(j.leased_at), opt(j.first_leased_at), j.error_log, opt(j.exit_signal),
      j.created_at, j.updated_at, opt(j.finished_at));
  for (const JobFailure& f : j.failures) {
    s += fmt::format(" [{} {} '{}' {} {}]", f.attempt, f.agent_id, f.error_log,
                     opt(f.exit_signal), f.failed_at);
  }
  return s;
}

// A request refused because it conflicts with the job's state. The code is
// checked in this one place (kConflict).
#define EXPECT_CONFLICT(expr, substring)                                \
  do {                                                                  \
    ::mai::Status status_ = (expr);                                     \
    EXPECT_FALSE(status_.ok()) << #expr;                                \
    EXPECT_EQ(status_.code(), ::mai::StatusCode::kConflict)             \
        << status_.message();                                           \
    EXPECT_TRUE(Contains(status_.message(), substring))                 \
        << "'" << status_.message() << "' lacks '" << substring << "'"; \
  } while (0)

#define ASSERT_OK(expr)                                              \
  do {                                                               \
    ::mai::Status status_ = (expr);                                  \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.message(); \
  } while (0)

template <typename T>
T Must(Result<T> r, const char* what = "") {
  EXPECT_TRUE(r.ok()) << what << ": " << r.status().message();
  if (!r.ok()) throw std::runtime_error(r.status().message());
  return std::move(r).value();
}

class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    if (GetParam().unavailable) {
      std::string why = GetParam().unavailable();
      if (!why.empty()) GTEST_SKIP() << why;
    }
    auto store = GetParam().open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().drop) GetParam().drop(dir_.path());
  }

  std::unique_ptr<Store> OpenAnother() {
    return Must(GetParam().open(dir_.path()), "open");
  }
  void Reopen() {
    store_.reset();
    store_ = OpenAnother();
  }

  Participant AddParticipant(const std::string& name,
                             Role role = Role::kParticipant) {
    return Must(store_->CreateParticipant(name, role, kT0), "participant");
  }
  Agent AddAgent(const std::string& id, const std::string& device_class) {
    return Must(store_->RegisterAgent(id, device_class, R"({"cores": 8})",
                                      std::nullopt, kT0),
                "agent");
  }
  Submission Submit(int64_t participant, std::vector<JobSpec> jobs,
                    int64_t now = kT0, int model = 1) {
    NewSubmission s;
    s.participant_id = participant;
    s.track_id = "denoise";
    s.model_sha256 = Sha(model);
    s.model_bytes = 1000 + model;
    s.file_name = "model.tflite";
    s.jobs = std::move(jobs);
    return Must(store_->CreateSubmission(s, now, std::nullopt), "submit");
  }
  // One runtime job of `device_class`; returns the job.
  Job SubmitOne(int64_t participant, const std::string& device_class,
                int64_t now = kT0) {
    Submission s =
        Submit(participant, {{device_class, JobKind::kRuntime}}, now);
    auto jobs = Must(store_->JobsOfSubmission(s.id), "jobs");
    EXPECT_EQ(jobs.size(), 1u);
    return jobs.at(0);
  }
  Job Lease(const std::string& agent, const std::string& device_class,
            int64_t now = kT0) {
    auto job =
        Must(store_->LeaseJob(agent, device_class, now, kLease), "lease");
    EXPECT_TRUE(job.has_value()) << "nothing to lease for " << agent;
    if (!job.has_value()) throw std::runtime_error("empty queue");
    return *job;
  }
  Job Get(int64_t id) { return Must(store_->GetJob(id), "get job"); }

  testing::TempDir dir_{"mai_store_test"};
  std::unique_ptr<Store> store_;
};

// --- participants and tokens -------------------------------------------------

TEST_P(StoreTest, CreatesAndFindsParticipants) {
  Participant alice = AddParticipant("alice");
  Participant root = AddParticipant("root", Role::kAdmin);
  EXPECT_GT(alice.id, 0);
  EXPECT_NE(alice.id, root.id);

  Participant got = Must(store_->GetParticipant(root.id));
  EXPECT_EQ(got.name, "root");
  EXPECT_EQ(got.role, Role::kAdmin);
  EXPECT_EQ(got.created_at, kT0);
  EXPECT_EQ(Must(store_->GetParticipantByName("alice")).id, alice.id);

  const std::vector<Participant> all = Must(store_->ListParticipants());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, alice.id);
  EXPECT_EQ(all[0].name, "alice");
  EXPECT_EQ(all[1].name, "root");
  EXPECT_EQ(all[1].role, Role::kAdmin);

  auto missing = store_->GetParticipant(alice.id + root.id + 100);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetParticipantByName("bob").status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, DuplicateParticipantNameIsRefused) {
  AddParticipant("alice");
  auto again = store_->CreateParticipant("alice", Role::kAdmin, kT0 + 5);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(again.status().message(), "'alice'"));
  EXPECT_TRUE(Contains(again.status().message(), "already taken"));
  // The first one is untouched.
  EXPECT_EQ(Must(store_->GetParticipantByName("alice")).role,
            Role::kParticipant);

  EXPECT_EQ(
      store_->CreateParticipant("", Role::kParticipant, kT0).status().code(),
      StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, TokensAreLookedUpByHashUntilRevoked) {
  Participant alice = AddParticipant("alice");
  Participant root = AddParticipant("root", Role::kAdmin);
  Token t1 = Must(
      store_->AddToken(alice.id, "hash-alice", TokenKind::kParticipant, kT0));
  Token t2 =
      Must(store_->AddToken(root.id, "hash-agent", TokenKind::kAgent, kT0 + 1));

  Credential c = Must(store_->LookupToken("hash-alice"));
  EXPECT_EQ(c.participant.id, alice.id);
  EXPECT_EQ(c.participant.name, "alice");
  EXPECT_EQ(c.token.id, t1.id);
  EXPECT_EQ(c.token.kind, TokenKind::kParticipant);
  EXPECT_FALSE(c.token.revoked_at.has_value());

  Credential a = Must(store_->LookupToken("hash-agent"));
  EXPECT_EQ(a.participant.role, Role::kAdmin);
  EXPECT_EQ(a.token.kind, TokenKind::kAgent);
  EXPECT_EQ(a.token.created_at, kT0 + 1);

  // Unknown: NotFound, and the message never echoes the hash.
  auto unknown = store_->LookupToken("hash-nobody");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Contains(unknown.status().message(), "hash-nobody"));

  // The same hash twice is refused; unknown participant is NotFound.
  auto dup = store_->AddToken(root.id, "hash-alice", TokenKind::kAgent, kT0);
  EXPECT_EQ(dup.status().code(), StatusCode::kConflict);
  EXPECT_FALSE(Contains(dup.status().message(), "hash-alice"));
  EXPECT_EQ(store_->AddToken(9999, "h", TokenKind::kAgent, kT0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      store_->AddToken(alice.id, "", TokenKind::kAgent, kT0).status().code(),
      StatusCode::kInvalidArgument);

  // Revocation: lookups fail, other tokens keep working, revoking twice is
  // OK and keeps the first time.
  ASSERT_OK(store_->RevokeToken(t1.id, kT0 + 10));
  auto revoked = store_->LookupToken("hash-alice");
  EXPECT_EQ(revoked.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->LookupToken("hash-agent").ok());
  ASSERT_OK(store_->RevokeToken(t1.id, kT0 + 20));
  auto tokens = Must(store_->TokensOfParticipant(alice.id));
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].revoked_at, std::optional<int64_t>(kT0 + 10));
  EXPECT_EQ(store_->RevokeToken(t2.id + 100, kT0).code(),
            StatusCode::kNotFound);
}

// --- submissions and quotas --------------------------------------------------

TEST_P(StoreTest, SubmissionCreatesItsJobs) {
  Participant alice = AddParticipant("alice");
  Submission s = Submit(alice.id, {{"pixel8", JobKind::kRuntime},
                                   {"pixel8", JobKind::kFidelity},
                                   {"rpi5", JobKind::kSustained}});
  Submission got = Must(store_->GetSubmission(s.id));
  EXPECT_EQ(got.participant_id, alice.id);
  EXPECT_EQ(got.track_id, "denoise");
  EXPECT_EQ(got.model_sha256, Sha(1));
  EXPECT_EQ(got.model_bytes, 1001);
  EXPECT_EQ(got.file_name, "model.tflite");
  EXPECT_EQ(got.created_at, kT0);

  auto jobs = Must(store_->JobsOfSubmission(s.id));
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].device_class, "pixel8");
  EXPECT_EQ(jobs[0].kind, JobKind::kRuntime);
  EXPECT_EQ(jobs[1].kind, JobKind::kFidelity);
  EXPECT_EQ(jobs[2].device_class, "rpi5");
  EXPECT_EQ(jobs[2].kind, JobKind::kSustained);
  for (const Job& j : jobs) {
    EXPECT_EQ(j.submission_id, s.id);
    EXPECT_EQ(j.state, JobState::kQueued);
    EXPECT_EQ(j.attempt, 0);
    EXPECT_EQ(j.agent_id, "");
    EXPECT_FALSE(j.lease_expires_at.has_value());
    EXPECT_FALSE(j.finished_at.has_value());
    EXPECT_EQ(j.created_at, kT0);
    EXPECT_TRUE(j.failures.empty());
  }
  EXPECT_LT(jobs[0].id, jobs[1].id);
  EXPECT_LT(jobs[1].id, jobs[2].id);

  auto depths = Must(store_->QueueDepths());
  EXPECT_EQ(depths,
            (std::map<std::string, int64_t>{{"pixel8", 2}, {"rpi5", 1}}));
  EXPECT_EQ(store_->GetSubmission(s.id + 1).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->JobsOfSubmission(s.id + 1).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, InvalidSubmissionsCreateNothing) {
  Participant alice = AddParticipant("alice");
  NewSubmission good;
  good.participant_id = alice.id;
  good.track_id = "denoise";
  good.model_sha256 = Sha(7);
  good.model_bytes = 10;
  good.jobs = {{"pixel8", JobKind::kRuntime}};

  auto expect_refused = [&](NewSubmission s, StatusCode code,
                            const std::string& text) {
    auto r = store_->CreateSubmission(s, kT0, std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), text)) << r.status().message();
  };
  NewSubmission s = good;
  s.model_sha256 = "ABC";
  expect_refused(s, StatusCode::kInvalidArgument, "sha256");
  s = good;
  s.model_sha256 = std::string(64, 'A');  // upper case
  expect_refused(s, StatusCode::kInvalidArgument, "sha256");
  s = good;
  s.jobs.clear();
  expect_refused(s, StatusCode::kInvalidArgument, "no jobs");
  s = good;
  s.jobs = {{"pixel8", JobKind::kRuntime}, {"pixel8", JobKind::kRuntime}};
  expect_refused(s, StatusCode::kInvalidArgument, "twice");
  s = good;
  s.jobs = {{"", JobKind::kRuntime}};
  expect_refused(s, StatusCode::kInvalidArgument, "device class");
  s = good;
  s.track_id = "";
  expect_refused(s, StatusCode::kInvalidArgument, "track");
  s = good;
  s.model_bytes = -1;
  expect_refused(s, StatusCode::kInvalidArgument, "size");
  s = good;
  s.participant_id = alice.id + 50;
  expect_refused(s, StatusCode::kNotFound, "participant");

  auto counts = Must(store_->JobCountsByState());
  for (const auto& [state, n] : counts) EXPECT_EQ(n, 0) << JobStateName(state);
  EXPECT_TRUE(Must(store_->SubmissionsOfParticipant(alice.id, 10)).empty());
}

TEST_P(StoreTest, SubmissionsOfParticipantAreNewestFirst) {
  Participant alice = AddParticipant("alice");
  Participant bob = AddParticipant("bob");
  Submission s1 = Submit(alice.id, {{"c", JobKind::kRuntime}}, kT0 + 10);
  Submission s2 = Submit(alice.id, {{"c", JobKind::kRuntime}}, kT0 + 30);
  Submission s3 = Submit(alice.id, {{"c", JobKind::kRuntime}}, kT0 + 20);
  Submission s4 = Submit(alice.id, {{"c", JobKind::kRuntime}}, kT0 + 30);
  Submit(bob.id, {{"c", JobKind::kRuntime}}, kT0 + 40);

  auto all = Must(store_->SubmissionsOfParticipant(alice.id, 100));
  std::vector<int64_t> ids;
  for (const Submission& s : all) ids.push_back(s.id);
  // created_at descending, then the later id first.
  EXPECT_EQ(ids, (std::vector<int64_t>{s4.id, s2.id, s3.id, s1.id}));
  auto two = Must(store_->SubmissionsOfParticipant(alice.id, 2));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].id, s2.id);
  EXPECT_EQ(store_->SubmissionsOfParticipant(alice.id, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SubmissionsOfParticipant(9999, 5).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, DailyCountsAndQuotaFollowTheDayBoundary) {
  Participant alice = AddParticipant("alice");
  Participant bob = AddParticipant("bob");
  // One second before day 0, its first and last seconds, and the first
  // second of day 1.
  Submit(alice.id, {{"c", JobKind::kRuntime}}, kDay - 1);
  Submit(alice.id, {{"c", JobKind::kRuntime}}, kDay);
  Submit(alice.id, {{"c", JobKind::kRuntime}}, kDay + 86399);
  Submit(alice.id, {{"c", JobKind::kRuntime}}, kDay + 86400);
  Submit(bob.id, {{"c", JobKind::kRuntime}}, kDay + 5);

  EXPECT_EQ(Must(store_->CountSubmissionsInDay(alice.id, kDay - 86400)), 1);
  EXPECT_EQ(Must(store_->CountSubmissionsInDay(alice.id, kDay)), 2);
  EXPECT_EQ(Must(store_->CountSubmissionsInDay(alice.id, kDay + 86400)), 1);
  EXPECT_EQ(Must(store_->CountSubmissionsInDay(bob.id, kDay)), 1);
  EXPECT_EQ(store_->CountSubmissionsInDay(9999, kDay).status().code(),
            StatusCode::kNotFound);

  // With a quota of 2 per day, day 0 is spent for alice but not for bob, and
  // day 1 has one slot left.
  NewSubmission s;
  s.participant_id = alice.id;
  s.track_id = "denoise";
  s.model_sha256 = Sha(3);
  s.jobs = {{"c", JobKind::kRuntime}};
  auto refused = store_->CreateSubmission(s, kDay + 100, DailyQuota{kDay, 2});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(Contains(refused.status().message(), "alice"));
  EXPECT_EQ(Must(store_->CountSubmissionsInDay(alice.id, kDay)), 2);
  EXPECT_EQ(Must(store_->QueueDepths())["c"], 5);  // no job was added

  // The submission at kDay + 86400 belongs to day 1: with 3 per day, day 0
  // has one slot left.
  auto third = store_->CreateSubmission(s, kDay + 200, DailyQuota{kDay, 3});
  EXPECT_TRUE(third.ok()) << third.status().message();
  EXPECT_EQ(Must(store_->CountSubmissionsInDay(alice.id, kDay)), 3);

  s.participant_id = bob.id;
  EXPECT_TRUE(
      store_->CreateSubmission(s, kDay + 100, DailyQuota{kDay, 2}).ok());
  s.participant_id = alice.id;
  EXPECT_TRUE(
      store_
          ->CreateSubmission(s, kDay + 86400 + 100, DailyQuota{kDay + 86400, 2})
          .ok());
  EXPECT_EQ(
      store_
          ->CreateSubmission(s, kDay + 86400 + 200, DailyQuota{kDay + 86400, 2})
          .status()
          .code(),
      StatusCode::kOutOfRange);
  // A quota of 0 refuses everything.
  EXPECT_EQ(store_
                ->CreateSubmission(s, kDay + 3 * 86400,
                                   DailyQuota{kDay + 3 * 86400, 0})
                .status()
                .code(),
            StatusCode::kOutOfRange);
}

// --- agents ------------------------------------------------------------------

TEST_P(StoreTest, AgentsRegisterOnceAndAreSeen) {
  Participant root = AddParticipant("root", Role::kAdmin);
  Token agent_token =
      Must(store_->AddToken(root.id, "agent-hash", TokenKind::kAgent, kT0));
  Token user_token = Must(
      store_->AddToken(root.id, "user-hash", TokenKind::kParticipant, kT0));

  Agent a = Must(store_->RegisterAgent("agent-1", "pixel8",
                                       R"({"cpu": "x3", "cores": 8})",
                                       agent_token.id, kT0));
  EXPECT_EQ(a.registered_at, kT0);
  EXPECT_EQ(a.last_seen, kT0);
  AddAgent("agent-0", "rpi5");

  auto dup = store_->RegisterAgent("agent-1", "rpi5", "{}", std::nullopt, kT0);
  EXPECT_EQ(dup.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(dup.status().message(), "already registered"));
  EXPECT_EQ(store_->RegisterAgent("agent-2", "c", "{}", user_token.id, kT0)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->RegisterAgent("agent-2", "c", "{}", 9999, kT0).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(
      store_->RegisterAgent("", "c", "{}", std::nullopt, kT0).status().code(),
      StatusCode::kInvalidArgument);

  ASSERT_OK(store_->TouchAgent("agent-1", kT0 + 50));
  Agent got = Must(store_->GetAgent("agent-1"));
  EXPECT_EQ(got.device_class, "pixel8");
  EXPECT_EQ(got.description_json, R"({"cpu": "x3", "cores": 8})");
  EXPECT_EQ(got.token_id, std::optional<int64_t>(agent_token.id));
  EXPECT_EQ(got.last_seen, kT0 + 50);
  EXPECT_EQ(got.active_jobs, 0);
  EXPECT_EQ(store_->TouchAgent("nobody", kT0).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetAgent("nobody").status().code(), StatusCode::kNotFound);

  auto agents = Must(store_->ListAgents());
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0].id, "agent-0");
  EXPECT_EQ(agents[1].id, "agent-1");
}

// --- lease -------------------------------------------------------------------

TEST_P(StoreTest, LeaseIsFifoPerDeviceClass) {
  Participant alice = AddParticipant("alice");
  AddAgent("p1", "pixel8");
  AddAgent("r1", "rpi5");
  Job p_a = SubmitOne(alice.id, "pixel8");
  Job r_a = SubmitOne(alice.id, "rpi5");
  Job p_b = SubmitOne(alice.id, "pixel8");
  Job r_b = SubmitOne(alice.id, "rpi5");

  Job leased = Lease("r1", "rpi5", kT0 + 7);
  EXPECT_EQ(leased.id, r_a.id);
  EXPECT_EQ(leased.state, JobState::kLeased);
  EXPECT_EQ(leased.attempt, 1);
  EXPECT_EQ(leased.agent_id, "r1");
  EXPECT_EQ(leased.lease_expires_at, std::optional<int64_t>(kT0 + 7 + kLease));
  EXPECT_EQ(leased.leased_at, std::optional<int64_t>(kT0 + 7));
  EXPECT_EQ(leased.first_leased_at, std::optional<int64_t>(kT0 + 7));
  EXPECT_EQ(leased.updated_at, kT0 + 7);
  EXPECT_EQ(Must(store_->GetAgent("r1")).last_seen, kT0 + 7);
  EXPECT_EQ(Must(store_->GetAgent("r1")).active_jobs, 1);

  EXPECT_EQ(Lease("p1", "pixel8").id, p_a.id);
  EXPECT_EQ(Lease("p1", "pixel8").id, p_b.id);
  EXPECT_EQ(Lease("r1", "rpi5").id, r_b.id);

  // Empty queues: nothing, but the agent was seen.
  auto none = Must(store_->LeaseJob("p1", "pixel8", kT0 + 99, kLease));
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(Must(store_->GetAgent("p1")).last_seen, kT0 + 99);
  EXPECT_EQ(Must(store_->QueueDepths()).size(), 0u);

  // Wrong class, unknown agent, bad lease length.
  SubmitOne(alice.id, "pixel8");
  EXPECT_EQ(store_->LeaseJob("r1", "pixel8", kT0, kLease).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LeaseJob("ghost", "pixel8", kT0, kLease).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->LeaseJob("p1", "pixel8", kT0, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Must(store_->QueueDepths())["pixel8"], 1);
}

// --- heartbeat ---------------------------------------------------------------

TEST_P(StoreTest, HeartbeatStartsAndExtendsOnlyTheCurrentLease) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);

  Job running = Must(store_->Heartbeat(job.id, 1, "a1", kT0 + 20, kLease));
  EXPECT_EQ(running.state, JobState::kRunning);
  EXPECT_EQ(running.lease_expires_at,
            std::optional<int64_t>(kT0 + 20 + kLease));
  EXPECT_EQ(running.updated_at, kT0 + 20);
  EXPECT_EQ(Must(store_->GetAgent("a1")).last_seen, kT0 + 20);
  running = Must(store_->Heartbeat(job.id, 1, "a1", kT0 + 50, 300));
  EXPECT_EQ(running.state, JobState::kRunning);
  EXPECT_EQ(running.lease_expires_at, std::optional<int64_t>(kT0 + 350));

  std::string before = Describe(Get(job.id));
  EXPECT_CONFLICT(store_->Heartbeat(job.id, 1, "a2", kT0 + 60, kLease).status(),
                  "leased to agent 'a1', not 'a2'");
  EXPECT_CONFLICT(store_->Heartbeat(job.id, 0, "a1", kT0 + 60, kLease).status(),
                  "stale");
  EXPECT_CONFLICT(store_->Heartbeat(job.id, 2, "a1", kT0 + 60, kLease).status(),
                  "stale");
  EXPECT_EQ(Describe(Get(job.id)), before);
  EXPECT_EQ(Must(store_->GetAgent("a2")).last_seen, kT0);

  EXPECT_EQ(store_->Heartbeat(job.id + 1, 1, "a1", kT0, kLease).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->Heartbeat(job.id, 1, "a1", kT0, 0).status().code(),
            StatusCode::kInvalidArgument);

  // A queued job has no lease to extend.
  Job queued = SubmitOne(alice.id, "c");
  EXPECT_CONFLICT(
      store_->Heartbeat(queued.id, 0, "a1", kT0 + 60, kLease).status(),
      "no longer leased");
}

TEST_P(StoreTest, HeartbeatAfterExpiryIsAcceptedUntilRequeued) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);
  // Expired at kT0 + 60 but not requeued yet: the holder may go on.
  Job late = Must(store_->Heartbeat(job.id, 1, "a1", kT0 + 90, kLease));
  EXPECT_EQ(late.lease_expires_at, std::optional<int64_t>(kT0 + 150));
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 100)), 0);
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 150)), 1);
  EXPECT_CONFLICT(
      store_->Heartbeat(job.id, 1, "a1", kT0 + 151, kLease).status(),
      "no longer leased");
}

// --- complete ----------------------------------------------------------------

TEST_P(StoreTest, JobViewHasTheOwnerAndTheLatestResult) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");
  JobView queued = Must(store_->GetJobView(job.id));
  EXPECT_EQ(Describe(queued.job), Describe(Get(job.id)));
  EXPECT_EQ(queued.participant_id, alice.id);
  EXPECT_FALSE(queued.result.has_value());

  // Attempt 1 fails on a1, attempt 2 succeeds on a2: the view has the
  // result of attempt 2.
  Lease("a1", "c", kT0);
  ASSERT_OK(store_->FailJob(job.id, 1, "a1", "crash", 11, kT0 + 5, 3).status());
  Lease("a2", "c", kT0 + 6);
  ASSERT_OK(store_->CompleteJob(job.id, 2, "a2", R"({"x": 2})", kT0 + 9));
  JobView done = Must(store_->GetJobView(job.id));
  EXPECT_EQ(Describe(done.job), Describe(Get(job.id)));
  EXPECT_EQ(done.job.state, JobState::kSucceeded);
  ASSERT_TRUE(done.result.has_value());
  EXPECT_EQ(done.result->attempt, 2);
  EXPECT_EQ(done.result->agent_id, "a2");
  EXPECT_EQ(done.result->result_json, R"({"x": 2})");
  EXPECT_EQ(done.result->created_at, kT0 + 9);

  EXPECT_EQ(store_->GetJobView(job.id + 1000).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, CompleteIsIdempotentPerAttempt) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);
  ASSERT_OK(store_->Heartbeat(job.id, 1, "a1", kT0 + 10, kLease).status());

  ASSERT_OK(
      store_->CompleteJob(job.id, 1, "a1", R"({"runtime_ms": 4.5})", kT0 + 40));
  Job done = Get(job.id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.finished_at, std::optional<int64_t>(kT0 + 40));
  EXPECT_FALSE(done.lease_expires_at.has_value());
  EXPECT_EQ(done.agent_id, "a1");
  EXPECT_EQ(Must(store_->GetAgent("a1")).active_jobs, 0);
  std::string before = Describe(done);

  // The same post again (a retry after a lost response): OK, nothing
  // changes, even if the body differs.
  ASSERT_OK(
      store_->CompleteJob(job.id, 1, "a1", R"({"runtime_ms": 4.5})", kT0 + 45));
  ASSERT_OK(store_->CompleteJob(job.id, 1, "a1", R"({"other": 1})", kT0 + 46));
  EXPECT_EQ(Describe(Get(job.id)), before);
  auto results = Must(store_->ResultsOfJob(job.id));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].attempt, 1);
  EXPECT_EQ(results[0].agent_id, "a1");
  EXPECT_EQ(results[0].result_json, R"({"runtime_ms": 4.5})");
  EXPECT_EQ(results[0].created_at, kT0 + 40);

  // Another agent, a stale attempt, later heartbeats and failures: refused.
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 1, "a2", "{}", kT0 + 50),
                  "already posted");
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 2, "a1", "{}", kT0 + 50),
                  "stale");
  EXPECT_CONFLICT(store_->Heartbeat(job.id, 1, "a1", kT0 + 50, kLease).status(),
                  "succeeded");
  EXPECT_CONFLICT(
      store_->FailJob(job.id, 1, "a1", "late", std::nullopt, kT0 + 50, 2)
          .status(),
      "succeeded");
  EXPECT_CONFLICT(store_->CancelJob(job.id, kT0 + 50), "succeeded");
  EXPECT_EQ(Describe(Get(job.id)), before);
  EXPECT_EQ(Must(store_->ResultsOfJob(job.id)).size(), 1u);

  EXPECT_EQ(store_->CompleteJob(job.id + 1, 1, "a1", "{}", kT0).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ResultsOfJob(job.id + 1).status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, ResultOfAStaleAttemptIsRefused) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);

  // a1's lease expires and is requeued: its late result is refused even
  // before anyone else leases the job...
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + kLease)), 1);
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 1, "a1", "{}", kT0 + 70),
                  "no longer leased");
  // ...and after a2 has it.
  Job again = Lease("a2", "c", kT0 + 80);
  EXPECT_EQ(again.id, job.id);
  EXPECT_EQ(again.attempt, 2);
  EXPECT_EQ(again.first_leased_at, std::optional<int64_t>(kT0));
  EXPECT_EQ(again.leased_at, std::optional<int64_t>(kT0 + 80));
  std::string before = Describe(Get(job.id));
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 1, "a1", "{}", kT0 + 90),
                  "attempt 1 is stale (the job is at attempt 2)");
  // Right attempt number, wrong agent.
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 2, "a1", "{}", kT0 + 90),
                  "leased to agent 'a2'");
  EXPECT_EQ(Describe(Get(job.id)), before);
  EXPECT_TRUE(Must(store_->ResultsOfJob(job.id)).empty());

  ASSERT_OK(store_->CompleteJob(job.id, 2, "a2", R"({"ok": true})", kT0 + 95));
  EXPECT_EQ(Get(job.id).state, JobState::kSucceeded);
}

// --- fail --------------------------------------------------------------------

TEST_P(StoreTest, FailRequeuesUntilEnoughDistinctAgentsFailed) {
  constexpr int kMaxFailures = 2;
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");

  Lease("a1", "c", kT0);
  Job after = Must(store_->FailJob(job.id, 1, "a1", "segfault in conv", 11,
                                   kT0 + 5, kMaxFailures));
  EXPECT_EQ(after.state, JobState::kQueued);
  EXPECT_EQ(after.agent_id, "");
  EXPECT_FALSE(after.lease_expires_at.has_value());
  EXPECT_EQ(after.error_log, "segfault in conv");
  EXPECT_EQ(after.exit_signal, std::optional<int>(11));
  EXPECT_FALSE(after.finished_at.has_value());
  ASSERT_EQ(after.failures.size(), 1u);
  EXPECT_EQ(after.failures[0].agent_id, "a1");
  EXPECT_EQ(after.failures[0].attempt, 1);
  EXPECT_EQ(after.failures[0].failed_at, kT0 + 5);

  // The same agent failing again counts once: still queued.
  EXPECT_EQ(Lease("a1", "c", kT0 + 10).attempt, 2);
  after = Must(store_->FailJob(job.id, 2, "a1", "out of memory", std::nullopt,
                               kT0 + 15, kMaxFailures));
  EXPECT_EQ(after.state, JobState::kQueued);
  EXPECT_EQ(after.error_log, "out of memory");
  EXPECT_FALSE(after.exit_signal.has_value());
  EXPECT_EQ(after.failures.size(), 2u);

  // A second, different agent fails it: failed for good.
  Job third = Lease("a2", "c", kT0 + 20);
  EXPECT_EQ(third.attempt, 3);
  after = Must(store_->FailJob(job.id, 3, "a2", "segfault again", 11, kT0 + 25,
                               kMaxFailures));
  EXPECT_EQ(after.state, JobState::kFailed);
  EXPECT_EQ(after.finished_at, std::optional<int64_t>(kT0 + 25));
  EXPECT_EQ(after.agent_id, "a2");
  EXPECT_EQ(after.error_log, "segfault again");
  ASSERT_EQ(after.failures.size(), 3u);
  EXPECT_EQ(after.failures[2].agent_id, "a2");
  EXPECT_EQ(after.failures[2].exit_signal, std::optional<int>(11));
  EXPECT_FALSE(Must(store_->LeaseJob("a1", "c", kT0 + 30, kLease)).has_value());
  EXPECT_CONFLICT(store_->CompleteJob(job.id, 3, "a2", "{}", kT0 + 30),
                  "failed");
  EXPECT_EQ(Must(store_->JobCountsByState())[JobState::kFailed], 1);
}

// An agent gets jobs it has not failed first; a class with one agent does
// not retry a failing job forever (2 * max_failures attempts in all).
TEST_P(StoreTest, AgentsTryJobsTheyFailedLastAndRetriesAreBounded) {
  constexpr int kMaxFailures = 2;
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  Job bad = SubmitOne(alice.id, "c");
  Job good = SubmitOne(alice.id, "c");
  ASSERT_LT(bad.id, good.id);
  EXPECT_EQ(Lease("a1", "c", kT0).id, bad.id);
  Must(store_->FailJob(bad.id, 1, "a1", "crash", 11, kT0 + 1, kMaxFailures));
  // bad is older, but a1 failed it: good comes first.
  EXPECT_EQ(Lease("a1", "c", kT0 + 2).id, good.id);
  ASSERT_TRUE(store_->CompleteJob(good.id, 1, "a1", "{}", kT0 + 3).ok());
  // Only bad is left: a1 retries it, until the fourth failure fails it.
  for (int attempt = 2; attempt <= 2 * kMaxFailures; ++attempt) {
    Job j = Lease("a1", "c", kT0 + 10 * attempt);
    ASSERT_EQ(j.id, bad.id);
    Job after = Must(store_->FailJob(bad.id, attempt, "a1", "crash", 11,
                                     kT0 + 10 * attempt + 1, kMaxFailures));
    EXPECT_EQ(after.state, attempt < 2 * kMaxFailures ? JobState::kQueued
                                                      : JobState::kFailed)
        << attempt;
  }
}

TEST_P(StoreTest, FailIsIdempotentAndOnlyForTheLeaseHolder) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);

  EXPECT_CONFLICT(
      store_->FailJob(job.id, 1, "a2", "not mine", 9, kT0 + 1, 2).status(),
      "leased to agent 'a1'");
  EXPECT_CONFLICT(
      store_->FailJob(job.id, 2, "a1", "future", 9, kT0 + 1, 2).status(),
      "stale");
  EXPECT_EQ(Get(job.id).state, JobState::kLeased);
  EXPECT_TRUE(Get(job.id).failures.empty());
  EXPECT_EQ(
      store_->FailJob(job.id, 1, "a1", "x", 9, kT0 + 1, 0).status().code(),
      StatusCode::kInvalidArgument);

  Job once = Must(store_->FailJob(job.id, 1, "a1", "crash", 6, kT0 + 2, 2));
  // Posted again (retry): the job is returned unchanged.
  Job twice = Must(store_->FailJob(job.id, 1, "a1", "crash", 6, kT0 + 3, 2));
  EXPECT_EQ(Describe(twice), Describe(once));
  EXPECT_EQ(Describe(Get(job.id)), Describe(once));
  EXPECT_CONFLICT(
      store_->FailJob(job.id, 1, "a2", "crash", 6, kT0 + 3, 2).status(),
      "already reported");
}

TEST_P(StoreTest, OneAllowedFailureFailsAtOnce) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  Job job = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);
  Job failed =
      Must(store_->FailJob(job.id, 1, "a1", "bad", std::nullopt, kT0 + 1, 1));
  EXPECT_EQ(failed.state, JobState::kFailed);
}

// --- expiry ------------------------------------------------------------------

TEST_P(StoreTest, ExpiredLeasesAreRequeued) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  AddAgent("a3", "c");
  Job j1 = SubmitOne(alice.id, "c");
  Job j2 = SubmitOne(alice.id, "c");
  Job j3 = SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0);       // expires kT0 + 60
  Lease("a2", "c", kT0 + 10);  // expires kT0 + 70, extended below
  Lease("a3", "c", kT0 + 30);  // expires kT0 + 90
  ASSERT_OK(store_->Heartbeat(j2.id, 1, "a2", kT0 + 40, 100).status());

  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 59)), 0);
  // A lease ending exactly now has expired.
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 60)), 1);
  Job back = Get(j1.id);
  EXPECT_EQ(back.state, JobState::kQueued);
  EXPECT_EQ(back.agent_id, "");
  EXPECT_FALSE(back.lease_expires_at.has_value());
  EXPECT_EQ(back.attempt, 1);
  EXPECT_TRUE(back.failures.empty());  // an expiry is not a failure
  EXPECT_EQ(back.updated_at, kT0 + 60);

  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 100)), 1);  // j3
  EXPECT_EQ(Get(j3.id).state, JobState::kQueued);
  EXPECT_EQ(Get(j2.id).state, JobState::kRunning);  // until 140
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 140)), 1);
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 500)), 0);

  // Requeued jobs lease again in id order with the next attempt.
  Job again = Lease("a3", "c", kT0 + 200);
  EXPECT_EQ(again.id, j1.id);
  EXPECT_EQ(again.attempt, 2);
  EXPECT_CONFLICT(store_->Heartbeat(j1.id, 1, "a1", kT0 + 201, kLease).status(),
                  "stale");
}

// --- cancel ------------------------------------------------------------------

TEST_P(StoreTest, CancelStopsQueuedAndLeasedJobs) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  Job queued = SubmitOne(alice.id, "c");
  Job leased = SubmitOne(alice.id, "c");

  ASSERT_OK(store_->CancelJob(queued.id, kT0 + 1));
  Job c = Get(queued.id);
  EXPECT_EQ(c.state, JobState::kCancelled);
  EXPECT_EQ(c.finished_at, std::optional<int64_t>(kT0 + 1));
  ASSERT_OK(store_->CancelJob(queued.id, kT0 + 2));  // again: OK
  EXPECT_EQ(Get(queued.id).finished_at, std::optional<int64_t>(kT0 + 1));

  // The cancelled job is never leased; the next one is.
  EXPECT_EQ(Lease("a1", "c", kT0 + 3).id, leased.id);
  ASSERT_OK(store_->Heartbeat(leased.id, 1, "a1", kT0 + 4, kLease).status());
  ASSERT_OK(store_->CancelJob(leased.id, kT0 + 5));
  std::string before = Describe(Get(leased.id));
  EXPECT_EQ(Get(leased.id).state, JobState::kCancelled);
  EXPECT_FALSE(Get(leased.id).lease_expires_at.has_value());
  EXPECT_CONFLICT(
      store_->Heartbeat(leased.id, 1, "a1", kT0 + 6, kLease).status(),
      "cancelled");
  EXPECT_CONFLICT(store_->CompleteJob(leased.id, 1, "a1", "{}", kT0 + 6),
                  "cancelled");
  EXPECT_CONFLICT(
      store_->FailJob(leased.id, 1, "a1", "x", 15, kT0 + 6, 2).status(),
      "cancelled");
  EXPECT_EQ(Describe(Get(leased.id)), before);
  EXPECT_TRUE(Must(store_->ResultsOfJob(leased.id)).empty());
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 1000)), 0);
  EXPECT_FALSE(Must(store_->LeaseJob("a1", "c", kT0 + 7, kLease)).has_value());
  EXPECT_EQ(store_->CancelJob(leased.id + 100, kT0).code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, CancelSubmissionCancelsItsUnfinishedJobs) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  Submission s = Submit(alice.id, {{"c", JobKind::kRuntime},
                                   {"c", JobKind::kFidelity},
                                   {"d", JobKind::kRuntime}});
  Job first = Lease("a1", "c", kT0);
  ASSERT_OK(store_->CompleteJob(first.id, 1, "a1", "{}", kT0 + 1));
  Lease("a1", "c", kT0 + 2);
  EXPECT_EQ(Must(store_->CancelSubmission(s.id, kT0 + 3)), 2);
  auto jobs = Must(store_->JobsOfSubmission(s.id));
  EXPECT_EQ(jobs[0].state, JobState::kSucceeded);
  EXPECT_EQ(jobs[1].state, JobState::kCancelled);
  EXPECT_EQ(jobs[2].state, JobState::kCancelled);
  EXPECT_EQ(Must(store_->CancelSubmission(s.id, kT0 + 4)), 0);
  EXPECT_EQ(store_->CancelSubmission(s.id + 1, kT0).status().code(),
            StatusCode::kNotFound);
}

// --- queries -----------------------------------------------------------------

TEST_P(StoreTest, CountsAndRecentDurations) {
  Participant alice = AddParticipant("alice");
  AddAgent("a1", "c");
  AddAgent("a2", "c");
  AddAgent("d1", "d");
  std::vector<Job> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(SubmitOne(alice.id, "c"));
  Job other = SubmitOne(alice.id, "d");

  // jobs[0]: 30 s. jobs[1]: fails once (100 s), then 20 s on a2.
  // jobs[2]: 50 s, finished last. jobs[3]: failed. jobs[4]: running.
  // jobs[5]: queued. other: 7 s on class d.
  Lease("a1", "c", kT0);
  ASSERT_OK(store_->CompleteJob(jobs[0].id, 1, "a1", "{}", kT0 + 30));
  Lease("a1", "c", kT0 + 100);
  ASSERT_OK(
      store_->FailJob(jobs[1].id, 1, "a1", "x", std::nullopt, kT0 + 200, 2)
          .status());
  EXPECT_EQ(Lease("a2", "c", kT0 + 300).id, jobs[1].id);
  ASSERT_OK(store_->CompleteJob(jobs[1].id, 2, "a2", "{}", kT0 + 320));
  Lease("a1", "c", kT0 + 400);
  ASSERT_OK(store_->CompleteJob(jobs[2].id, 1, "a1", "{}", kT0 + 450));
  Lease("a1", "c", kT0 + 460);
  ASSERT_OK(
      store_->FailJob(jobs[3].id, 1, "a1", "x", std::nullopt, kT0 + 461, 1)
          .status());
  Lease("a2", "c", kT0 + 470);
  ASSERT_OK(store_->Heartbeat(jobs[4].id, 1, "a2", kT0 + 471, kLease).status());
  Lease("d1", "d", kT0 + 500);
  ASSERT_OK(store_->CompleteJob(other.id, 1, "d1", "{}", kT0 + 507));

  auto durations = Must(store_->RecentDurations("c", 10));
  ASSERT_EQ(durations.size(), 3u);
  EXPECT_EQ(durations[0].job_id, jobs[2].id);
  EXPECT_EQ(durations[0].seconds, 50);
  EXPECT_EQ(durations[0].kind, JobKind::kRuntime);
  EXPECT_EQ(durations[0].finished_at, kT0 + 450);
  EXPECT_EQ(durations[1].job_id, jobs[1].id);
  EXPECT_EQ(durations[1].seconds, 20);  // the successful attempt only
  EXPECT_EQ(durations[2].job_id, jobs[0].id);
  EXPECT_EQ(durations[2].seconds, 30);
  EXPECT_EQ(Must(store_->RecentDurations("c", 1)).size(), 1u);
  auto d = Must(store_->RecentDurations("d", 10));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].seconds, 7);
  EXPECT_TRUE(Must(store_->RecentDurations("nope", 10)).empty());
  EXPECT_EQ(store_->RecentDurations("c", 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Get(jobs[1].id).first_leased_at, std::optional<int64_t>(kT0 + 100));

  ASSERT_OK(store_->CancelJob(jobs[5].id, kT0 + 600));
  SubmitOne(alice.id, "c");
  Lease("a1", "c", kT0 + 610);
  SubmitOne(alice.id, "c");
  auto counts = Must(store_->JobCountsByState());
  EXPECT_EQ(counts, (std::map<JobState, int64_t>{{JobState::kQueued, 1},
                                                 {JobState::kLeased, 1},
                                                 {JobState::kRunning, 1},
                                                 {JobState::kSucceeded, 4},
                                                 {JobState::kFailed, 1},
                                                 {JobState::kCancelled, 1}}));
  EXPECT_EQ(Must(store_->QueueDepths()),
            (std::map<std::string, int64_t>{{"c", 1}}));
  EXPECT_EQ(Must(store_->GetAgent("a1")).active_jobs, 1);
  EXPECT_EQ(Must(store_->GetAgent("a2")).active_jobs, 1);
  EXPECT_EQ(Must(store_->GetAgent("d1")).active_jobs, 0);
}

// --- persistence -------------------------------------------------------------

TEST_P(StoreTest, EverythingSurvivesReopening) {
  Participant alice = AddParticipant("alice");
  Token token =
      Must(store_->AddToken(alice.id, "h1", TokenKind::kParticipant, kT0));
  AddAgent("a1", "c");
  Submission s = Submit(alice.id, {{"c", JobKind::kRuntime},
                                   {"c", JobKind::kFidelity},
                                   {"c", JobKind::kSustained}});
  Job done = Lease("a1", "c", kT0 + 1);
  ASSERT_OK(store_->CompleteJob(done.id, 1, "a1", R"({"r": 1})", kT0 + 2));
  Job held = Lease("a1", "c", kT0 + 3);
  ASSERT_OK(store_->Heartbeat(held.id, 1, "a1", kT0 + 4, kLease).status());
  std::string held_before = Describe(Get(held.id));

  Reopen();
  EXPECT_EQ(Must(store_->GetParticipantByName("alice")).id, alice.id);
  EXPECT_EQ(Must(store_->LookupToken("h1")).token.id, token.id);
  EXPECT_EQ(Must(store_->GetAgent("a1")).last_seen, kT0 + 4);
  EXPECT_EQ(Must(store_->GetSubmission(s.id)).model_sha256, Sha(1));
  EXPECT_EQ(Get(done.id).state, JobState::kSucceeded);
  EXPECT_EQ(Must(store_->ResultsOfJob(done.id)).at(0).result_json,
            R"({"r": 1})");
  // A lease held when the server stopped stays held...
  EXPECT_EQ(Describe(Get(held.id)), held_before);
  ASSERT_OK(store_->Heartbeat(held.id, 1, "a1", kT0 + 30, kLease).status());
  // ...until it expires.
  EXPECT_EQ(Must(store_->RequeueExpiredLeases(kT0 + 30 + kLease)), 1);
  EXPECT_EQ(Must(store_->QueueDepths())["c"], 2);

  // New rows continue the id sequence.
  Submission next = Submit(alice.id, {{"c", JobKind::kRuntime}});
  EXPECT_GT(next.id, s.id);
}

TEST_P(StoreTest, TwoOpenStoresSeeEachOthersWrites) {
  auto other = OpenAnother();
  Participant alice = AddParticipant("alice");
  EXPECT_EQ(Must(other->GetParticipantByName("alice")).id, alice.id);
  ASSERT_TRUE(other->CreateParticipant("bob", Role::kAdmin, kT0).ok());
  EXPECT_EQ(Must(store_->GetParticipantByName("bob")).role, Role::kAdmin);
  EXPECT_EQ(
      other->CreateParticipant("alice", Role::kAdmin, kT0).status().code(),
      StatusCode::kConflict);
}

// --- concurrency -------------------------------------------------------------

TEST_P(StoreTest, ConcurrentLeasesNeverShareAJob) {
  constexpr int kJobs = 150;  // 50 submissions x 3 kinds
  constexpr int kThreads = 8;
  Participant alice = AddParticipant("alice");
  for (int t = 0; t < kThreads; ++t) AddAgent(fmt::format("a{}", t), "c");
  AddAgent("other", "d");
  for (int i = 0; i < kJobs / 3; ++i) {
    Submit(alice.id, {{"c", JobKind::kRuntime},
                      {"c", JobKind::kFidelity},
                      {"c", JobKind::kSustained}});
  }
  SubmitOne(alice.id, "d");  // another class: never leased by "c" agents

  // Half the threads share the fixture's store, half a second one opened on
  // the same location (another connection).
  auto second = OpenAnother();
  std::mutex mu;
  std::vector<int64_t> leased;
  std::vector<std::string> errors;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* store = t % 2 == 0 ? store_.get() : second.get();
    threads.emplace_back([&, store, t] {
      while (!go.load()) std::this_thread::yield();
      const std::string agent = fmt::format("a{}", t);
      while (true) {
        auto job = store->LeaseJob(agent, "c", kT0 + t, kLease);
        std::lock_guard<std::mutex> lock(mu);
        if (!job.ok()) {
          errors.push_back(job.status().message());
          return;
        }
        if (!job->has_value()) return;
        EXPECT_EQ((*job)->agent_id, agent);
        EXPECT_EQ((*job)->attempt, 1);
        leased.push_back((*job)->id);
      }
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();

  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(leased.size(), static_cast<size_t>(kJobs));
  std::set<int64_t> distinct(leased.begin(), leased.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kJobs));
  EXPECT_FALSE(Must(store_->LeaseJob("a0", "c", kT0, kLease)).has_value());
  auto counts = Must(store_->JobCountsByState());
  EXPECT_EQ(counts[JobState::kLeased], kJobs);
  EXPECT_EQ(counts[JobState::kQueued], 1);
  int64_t active = 0;
  for (const Agent& a : Must(store_->ListAgents())) active += a.active_jobs;
  EXPECT_EQ(active, kJobs);
}

// --- a seeded random walk against a reference model --------------------------

// The lifecycle rules of store.h, restated as plainly as possible.
struct ModelJob {
  JobState state = JobState::kQueued;
  int attempt = 0;
  std::string agent;
  int64_t expires = 0;
  std::map<int, std::string> failures;  // attempt -> agent
  std::map<int, std::string> results;   // attempt -> agent
};

bool ModelHolds(const ModelJob& m, int attempt, const std::string& agent) {
  return (m.state == JobState::kLeased || m.state == JobState::kRunning) &&
         m.attempt == attempt && m.agent == agent;
}

TEST_P(StoreTest, RandomWalkMatchesTheReferenceModel) {
  constexpr int kMaxFailures = 2;
  constexpr int kSteps = 1200;
  std::mt19937 rng(20240611);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };

  Participant alice = AddParticipant("alice");
  const std::vector<std::string> agents = {"a0", "a1", "a2", "a3"};
  for (const std::string& a : agents) AddAgent(a, "c");
  std::vector<int64_t> ids;
  std::map<int64_t, ModelJob> model;
  for (int i = 0; i < 8; ++i) {
    Submission s = Submit(alice.id, {{"c", JobKind::kRuntime},
                                     {"c", JobKind::kFidelity},
                                     {"c", JobKind::kSustained}});
    for (const Job& j : Must(store_->JobsOfSubmission(s.id))) {
      ids.push_back(j.id);
      model[j.id];
    }
  }
  // What each agent believes it holds: (job, attempt), possibly stale.
  std::map<std::string, std::vector<std::pair<int64_t, int>>> held;
  int64_t now = kT0;

  for (int step = 0; step < kSteps; ++step) {
    const std::string& agent = agents[pick(static_cast<int>(agents.size()))];
    auto& beliefs = held[agent];
    int op = pick(7);
    SCOPED_TRACE(
        fmt::format("step {} op {} agent {} t {}", step, op, agent, now - kT0));
    if (op == 0 || beliefs.empty()) {  // lease
      auto job = Must(store_->LeaseJob(agent, "c", now, kLease));
      // The oldest queued job this agent has not failed, else the oldest
      // queued one.
      std::optional<int64_t> expect, fallback;
      for (int64_t id : ids) {
        if (model[id].state != JobState::kQueued) continue;
        bool failed_here = false;
        for (const auto& [a, who] : model[id].failures) {
          failed_here = failed_here || who == agent;
        }
        if (!failed_here && !expect) expect = id;
        if (!fallback) fallback = id;
      }
      if (!expect) expect = fallback;
      ASSERT_EQ(job.has_value(), expect.has_value());
      if (job.has_value()) {
        ASSERT_EQ(job->id, *expect);
        ModelJob& m = model[*expect];
        m.state = JobState::kLeased;
        m.attempt += 1;
        m.agent = agent;
        m.expires = now + kLease;
        beliefs.emplace_back(job->id, job->attempt);
      }
    } else if (op <= 4) {  // heartbeat, complete or fail a believed lease
      auto [id, attempt] = beliefs[pick(static_cast<int>(beliefs.size()))];
      ModelJob& m = model[id];
      if (op == 1 || op == 2) {
        auto r = store_->Heartbeat(id, attempt, agent, now, kLease);
        bool accept = ModelHolds(m, attempt, agent);
        ASSERT_EQ(r.ok(), accept) << r.status().message();
        if (accept) {
          m.state = JobState::kRunning;
          m.expires = now + kLease;
        }
      } else if (op == 3) {
        Status s = store_->CompleteJob(id, attempt, agent, "{}", now);
        bool repeat = m.results.count(attempt) && m.results[attempt] == agent;
        bool accept = repeat || ModelHolds(m, attempt, agent);
        ASSERT_EQ(s.ok(), accept) << s.message();
        if (accept && !repeat) {
          m.state = JobState::kSucceeded;
          m.results[attempt] = agent;
        }
      } else {
        auto r =
            store_->FailJob(id, attempt, agent, "boom", 6, now, kMaxFailures);
        bool repeat = m.failures.count(attempt) && m.failures[attempt] == agent;
        bool accept = repeat || ModelHolds(m, attempt, agent);
        ASSERT_EQ(r.ok(), accept) << r.status().message();
        if (accept && !repeat) {
          m.failures[attempt] = agent;
          std::set<std::string> distinct;
          for (const auto& [a, who] : m.failures) distinct.insert(who);
          if (static_cast<int>(distinct.size()) >= kMaxFailures ||
              static_cast<int>(m.failures.size()) >= 2 * kMaxFailures) {
            m.state = JobState::kFailed;
          } else {
            m.state = JobState::kQueued;
            m.agent.clear();
          }
        }
      }
    } else if (op == 5) {  // time passes; expired leases go back
      now += pick(45);
      int64_t expect = 0;
      for (auto& [id, m] : model) {
        if ((m.state == JobState::kLeased || m.state == JobState::kRunning) &&
            m.expires <= now) {
          m.state = JobState::kQueued;
          m.agent.clear();
          ++expect;
        }
      }
      ASSERT_EQ(Must(store_->RequeueExpiredLeases(now)), expect);
    } else if (pick(8) == 0) {  // rarely, cancel a job
      int64_t id = ids[pick(static_cast<int>(ids.size()))];
      ModelJob& m = model[id];
      Status s = store_->CancelJob(id, now);
      bool accept =
          m.state != JobState::kSucceeded && m.state != JobState::kFailed;
      ASSERT_EQ(s.ok(), accept) << s.message();
      if (accept) m.state = JobState::kCancelled;
    }

    // The store agrees with the model on every job.
    for (int64_t id : ids) {
      const ModelJob& m = model[id];
      Job j = Get(id);
      ASSERT_EQ(j.state, m.state) << Describe(j);
      ASSERT_EQ(j.attempt, m.attempt) << Describe(j);
      bool active =
          m.state == JobState::kLeased || m.state == JobState::kRunning;
      if (active) {
        ASSERT_EQ(j.agent_id, m.agent) << Describe(j);
        ASSERT_EQ(j.lease_expires_at, std::optional<int64_t>(m.expires));
      } else {
        ASSERT_FALSE(j.lease_expires_at.has_value()) << Describe(j);
      }
      if (m.state == JobState::kQueued) ASSERT_EQ(j.agent_id, "");
      ASSERT_EQ(j.failures.size(), m.failures.size());
      ASSERT_EQ(IsFinished(j.state), j.finished_at.has_value());
    }
  }
  // Every state was visited and results match the model.
  auto counts = Must(store_->JobCountsByState());
  for (int64_t id : ids) {
    auto results = Must(store_->ResultsOfJob(id));
    ASSERT_EQ(results.size(), model[id].results.size());
    if (!results.empty()) EXPECT_EQ(results[0].attempt, model[id].attempt);
  }
  EXPECT_GT(counts[JobState::kSucceeded], 0);
  EXPECT_GT(counts[JobState::kFailed] + counts[JobState::kCancelled], 0);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreTest, ::testing::ValuesIn(Factories()),
    [](const ::testing::TestParamInfo<StoreFactory>& info) {
      return info.param.name;
    });

// --- SQLite specifics --------------------------------------------------------

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string Path(const std::string& name = "mai.db") const {
    return (dir_.path() / name).string();
  }
  // Runs one statement on the file with the plain SQLite API.
  void RawExec(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  std::string RawText(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  testing::TempDir dir_{"mai_sqlite_store_test"};
};

TEST_F(SqliteStoreTest, CreatesVersionedSchemaInWalMode) {
  {
    auto store = OpenSqliteStore(Path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->CreateParticipant("alice", Role::kAdmin, kT0).ok());
    // While open, committed writes sit in the write-ahead log.
    EXPECT_TRUE(fs::exists(Path("mai.db-wal")));
  }
  EXPECT_EQ(RawText(Path(), "SELECT version FROM schema_version"), "1");
  EXPECT_EQ(RawText(Path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawText(Path(), "SELECT name FROM participants"), "alice");
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream out(Path("notes.db"));
    out << "this is a text file, not a SQLite database, and it is long "
           "enough to have a header that SQLite will read and reject.\n";
  }
  auto store = OpenSqliteStore(Path("notes.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(store.status().message(), "not a SQLite database"))
      << store.status().message();
  EXPECT_TRUE(Contains(store.status().message(), "notes.db"));
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  { ASSERT_TRUE(OpenSqliteStore(Path()).ok()); }
  RawExec(Path(), "UPDATE schema_version SET version = 2");
  auto store = OpenSqliteStore(Path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(store.status().message(), "schema version 2"))
      << store.status().message();
  EXPECT_TRUE(Contains(store.status().message(), "newer"));
}

TEST_F(SqliteStoreTest, OtherSqliteDatabaseIsRefused) {
  RawExec(Path("other.db"), "CREATE TABLE notes (text TEXT)");
  auto store = OpenSqliteStore(Path("other.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(store.status().message(), "not a mai store"))
      << store.status().message();
}

TEST_F(SqliteStoreTest, BadPathsAreRefused) {
  auto missing_dir = OpenSqliteStore(Path("no/such/dir/mai.db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(Contains(missing_dir.status().message(), "no/such/dir"));
  EXPECT_EQ(OpenSqliteStore(":memory:").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore("").status().code(), StatusCode::kInvalidArgument);
}

// A process that dies without closing the store (no checkpoint, no
// destructor) loses nothing it was told was committed.
TEST_F(SqliteStoreTest, CommittedWritesSurviveACrash) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = OpenSqliteStore(Path());
    if (!store.ok()) _exit(2);
    auto p = (*store)->CreateParticipant("alice", Role::kParticipant, kT0);
    if (!p.ok()) _exit(3);
    if (!(*store)->RegisterAgent("a1", "c", "{}", std::nullopt, kT0).ok()) {
      _exit(4);
    }
    NewSubmission s;
    s.participant_id = p->id;
    s.track_id = "t";
    s.model_sha256 = Sha(9);
    s.jobs = {{"c", JobKind::kRuntime}};
    if (!(*store)->CreateSubmission(s, kT0, std::nullopt).ok()) _exit(5);
    auto job = (*store)->LeaseJob("a1", "c", kT0, kLease);
    if (!job.ok() || !job->has_value()) _exit(6);
    _exit(0);  // "crash": skip every destructor
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  // The log was never checkpointed into the main file.
  EXPECT_TRUE(fs::exists(Path("mai.db-wal")));

  auto store = OpenSqliteStore(Path());
  ASSERT_TRUE(store.ok()) << store.status().message();
  Participant alice = Must((*store)->GetParticipantByName("alice"));
  auto subs = Must((*store)->SubmissionsOfParticipant(alice.id, 10));
  ASSERT_EQ(subs.size(), 1u);
  auto jobs = Must((*store)->JobsOfSubmission(subs[0].id));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, JobState::kLeased);
  EXPECT_EQ(jobs[0].agent_id, "a1");
}

// --- PostgreSQL specifics ----------------------------------------------------

// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// Needs no server.
TEST(PostgresStoreOpenTest, UnreachableServerIsAOneLineIoError) {
  int port = ClosedPort();
  ASSERT_GT(port, 0);
  for (const std::string& url :
       {fmt::format("postgresql://mai:s3cret@127.0.0.1:{}/maidb", port),
        fmt::format("host=127.0.0.1 port={} dbname=maidb user=mai "
                    "password=s3cret",
                    port)}) {
    auto store = OpenPostgresStore(url);
    ASSERT_FALSE(store.ok()) << url;
    const std::string& message = store.status().message();
    EXPECT_EQ(store.status().code(), StatusCode::kIoError) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_TRUE(Contains(message, "cannot connect to")) << message;
    EXPECT_TRUE(Contains(
        message, fmt::format("postgresql://mai@127.0.0.1:{}/maidb", port)))
        << message;
    EXPECT_TRUE(Contains(message, "refused")) << message;
    EXPECT_FALSE(Contains(message, "s3cret")) << message;
  }
}

TEST(PostgresStoreOpenTest, MalformedUrlsAreRefused) {
  for (const char* url : {"postgresql://[::1", "dbname", "host='unclosed",
                          "postgresql://h/db?no_such_option=1"}) {
    auto store = OpenPostgresStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument)
        << url << ": " << store.status().message();
    EXPECT_EQ(store.status().message().find('\n'), std::string::npos);
  }
  EXPECT_EQ(OpenPostgresStore("").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgresStore("postgresql://h/db", {.max_connections = 0})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PostgresUrlForDisplay("postgresql://u:pw@h:5/d"),
            "postgresql://u@h:5/d");
  EXPECT_EQ(
      PostgresConninfoWith("postgresql://h/d", {{"nope", "1"}}).status().code(),
      StatusCode::kInvalidArgument);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    if (PostgresUrl() == nullptr) GTEST_SKIP() << kNoPostgres;
  }
  void TearDown() override { DropPostgresIn(dir_.path()); }

  // A store (a replica) on this test's database.
  std::unique_ptr<Store> Open(const PostgresStoreOptions& options = {}) {
    return Must(OpenPostgresIn(dir_.path(), options), "open");
  }
  Result<std::unique_ptr<Store>> TryOpen() {
    return OpenPostgresIn(dir_.path());
  }
  // The test database's connection string (created if absent).
  std::string DatabaseUrl() {
    std::string name = Must(PostgresDatabaseFor(dir_.path()), "database");
    return Must(PostgresDatabaseUrl(name), "url");
  }
  // Runs `sql` on the test database with plain libpqxx; returns the first
  // column of the first row ("" when none).
  std::string Raw(const std::string& sql) {
    pqxx::connection conn(DatabaseUrl());
    pqxx::work tx(conn);
    pqxx::result r = tx.exec(sql);
    tx.commit();
    if (r.empty() || r[0].empty() || r[0][0].is_null()) return "";
    return r[0][0].c_str();
  }
  Participant AddParticipant(Store& store, const std::string& name) {
    return Must(store.CreateParticipant(name, Role::kParticipant, kT0));
  }

  testing::TempDir dir_{"mai_postgres_store_test"};
};

TEST_F(PostgresStoreTest, CreatesTheVersionedSchema) {
  auto store = Open();
  EXPECT_EQ(Raw("SELECT version FROM schema_version"), "1");
  EXPECT_EQ(Raw("SELECT COUNT(*) FROM pg_tables WHERE schemaname = "
                "current_schema()"),
            "8");
  EXPECT_TRUE(Contains(Raw("SELECT indexdef FROM pg_indexes WHERE indexname "
                           "= 'submissions_by_track'"),
                       "(track_id, created_at)"));
  EXPECT_EQ(Raw("SELECT data_type FROM information_schema.columns WHERE "
                "table_name = 'jobs' AND column_name = 'id'"),
            "bigint");
  // The CHECK constraints hold for writers other than the store too.
  EXPECT_THROW(Raw("INSERT INTO participants (name, role, created_at) "
                   "VALUES ('x', 'king', 0)"),
               pqxx::check_violation);
  ASSERT_TRUE(store->CreateParticipant("alice", Role::kAdmin, kT0).ok());
  EXPECT_EQ(Raw("SELECT role FROM participants WHERE name = 'alice'"), "admin");
  // Opening again keeps the data (and does not create the schema again).
  store.reset();
  store = Open();
  EXPECT_EQ(Must(store->GetParticipantByName("alice")).role, Role::kAdmin);
}

TEST_F(PostgresStoreTest, ReplicasStartingTogetherCreateTheSchemaOnce) {
  DatabaseUrl();  // an empty database
  constexpr int kReplicas = 6;
  std::vector<Status> opened(kReplicas);
  std::vector<std::unique_ptr<Store>> stores(kReplicas);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto store = TryOpen();
      opened[i] = store.status();
      if (store.ok()) stores[i] = std::move(store).value();
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();
  for (const Status& status : opened) ASSERT_OK(status);
  EXPECT_EQ(Raw("SELECT COUNT(*) FROM schema_version"), "1");
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefused) {
  { Open(); }
  Raw("UPDATE schema_version SET version = 2");
  auto store = TryOpen();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(store.status().message(), "schema version 2"))
      << store.status().message();
  EXPECT_TRUE(Contains(store.status().message(), "newer"));
}

TEST_F(PostgresStoreTest, OtherDatabaseIsRefused) {
  Raw("CREATE TABLE notes (text TEXT)");
  auto store = TryOpen();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(store.status().message(), "not a mai store"))
      << store.status().message();
}

TEST_F(PostgresStoreTest, TextPostgresCannotStoreIsRefused) {
  auto store = Open();
  auto nul =
      store->CreateParticipant(std::string("a\0b", 3), Role::kParticipant, kT0);
  EXPECT_EQ(nul.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(nul.status().message(), "NUL"))
      << nul.status().message();
  auto bad = store->CreateParticipant("\xff\xfe", Role::kParticipant, kT0);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument)
      << bad.status().message();
  EXPECT_TRUE(Contains(bad.status().message(), "UTF-8"))
      << bad.status().message();
  EXPECT_EQ(Raw("SELECT COUNT(*) FROM participants"), "0");
  // UTF-8 is fine.
  EXPECT_EQ(Must(store->CreateParticipant("zoë", Role::kParticipant, kT0)).name,
            "zoë");
}

// The server drops the store's connections (a restart, an admin): the next
// calls reconnect.
TEST_F(PostgresStoreTest, BrokenConnectionsAreReplaced) {
  auto store = Open({.max_connections = 2});
  Participant alice = AddParticipant(*store, "alice");
  Raw("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
      "datname = current_database() AND pid <> pg_backend_pid()");
  EXPECT_EQ(Must(store->GetParticipant(alice.id)).name, "alice");
  EXPECT_TRUE(store->CreateParticipant("bob", Role::kAdmin, kT0).ok());
}

// Several replicas (stores, each with its own connections) lease from one
// queue at once: every job is leased exactly once.
TEST_F(PostgresStoreTest, ReplicasLeasingTogetherNeverShareAJob) {
  constexpr int kReplicas = 3;
  constexpr int kThreadsPerReplica = 4;
  constexpr int kSubmissions = 100;  // x 3 kinds
  constexpr int kJobs = 3 * kSubmissions;
  std::vector<std::unique_ptr<Store>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(Open({.max_connections = kThreadsPerReplica}));
  }
  Store& first = *replicas[0];
  Participant alice = AddParticipant(first, "alice");
  for (int t = 0; t < kReplicas * kThreadsPerReplica; ++t) {
    Must(first.RegisterAgent(fmt::format("a{}", t), "c", "{}", std::nullopt,
                             kT0));
  }
  for (int i = 0; i < kSubmissions; ++i) {
    NewSubmission s;
    s.participant_id = alice.id;
    s.track_id = "denoise";
    s.model_sha256 = Sha(i);
    s.jobs = {{"c", JobKind::kRuntime},
              {"c", JobKind::kFidelity},
              {"c", JobKind::kSustained}};
    Must(replicas[i % kReplicas]->CreateSubmission(s, kT0, std::nullopt));
  }

  std::mutex mu;
  std::map<int64_t, std::string> leased_by;  // job -> agent
  std::vector<std::string> errors;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kReplicas * kThreadsPerReplica; ++t) {
    Store* store = replicas[t % kReplicas].get();
    threads.emplace_back([&, store, t] {
      while (!go.load()) std::this_thread::yield();
      const std::string agent = fmt::format("a{}", t);
      while (true) {
        auto job = store->LeaseJob(agent, "c", kT0 + t, kLease);
        std::lock_guard<std::mutex> lock(mu);
        if (!job.ok()) {
          errors.push_back(job.status().message());
          return;
        }
        if (!job->has_value()) return;
        if (!leased_by.emplace((*job)->id, agent).second) {
          errors.push_back(fmt::format("job {} leased by {} and {}", (*job)->id,
                                       leased_by[(*job)->id], agent));
        }
        if ((*job)->attempt != 1) {
          errors.push_back(
              fmt::format("job {} at attempt {}", (*job)->id, (*job)->attempt));
        }
      }
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();

  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(leased_by.size(), static_cast<size_t>(kJobs));
  // The database agrees: each job leased once, to the agent that got it.
  for (const auto& [id, agent] : leased_by) {
    Job j = Must(replicas[id % kReplicas]->GetJob(id));
    ASSERT_EQ(j.state, JobState::kLeased);
    ASSERT_EQ(j.attempt, 1);
    ASSERT_EQ(j.agent_id, agent);
  }
  EXPECT_EQ(Must(first.JobCountsByState())[JobState::kLeased], kJobs);
  EXPECT_TRUE(Must(first.QueueDepths()).empty());
}

// Uploads for one participant race through several replicas for the last
// slots of a day: the quota is never exceeded, and every slot is used.
TEST_F(PostgresStoreTest, QuotaHoldsWhenReplicasRace) {
  constexpr int kReplicas = 2;
  constexpr int kThreads = 8;
  constexpr int kTriesPerThread = 4;
  std::vector<std::unique_ptr<Store>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(Open({.max_connections = kThreads / kReplicas}));
  }
  Participant alice = AddParticipant(*replicas[0], "alice");
  Participant bob = AddParticipant(*replicas[0], "bob");
  for (int day = 0; day < 5; ++day) {
    SCOPED_TRACE(fmt::format("day {}", day));
    const int64_t day_start = kDay + day * 86400;
    const int64_t limit = 3 + 2 * day;
    // Some of the day used already.
    NewSubmission s;
    s.participant_id = alice.id;
    s.track_id = "denoise";
    s.model_sha256 = Sha(day);
    s.jobs = {{"c", JobKind::kRuntime}};
    Must(replicas[1]->CreateSubmission(s, day_start + 1, std::nullopt));

    std::atomic<int> accepted{0}, over_quota{0};
    std::vector<std::string> errors;
    std::mutex mu;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      Store* store = replicas[t % kReplicas].get();
      threads.emplace_back([&, store, t] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < kTriesPerThread; ++i) {
          NewSubmission mine = s;
          mine.model_sha256 = Sha(1000 * day + 10 * t + i);
          auto r = store->CreateSubmission(mine, day_start + 100 + t,
                                           DailyQuota{day_start, limit});
          if (r.ok()) {
            ++accepted;
          } else if (r.status().code() == StatusCode::kOutOfRange) {
            ++over_quota;
          } else {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back(r.status().message());
          }
        }
      });
    }
    go = true;
    for (std::thread& t : threads) t.join();
    ASSERT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(accepted.load(), limit - 1);
    EXPECT_EQ(over_quota.load(), kThreads * kTriesPerThread - (limit - 1));
    EXPECT_EQ(Must(replicas[0]->CountSubmissionsInDay(alice.id, day_start)),
              limit);
    // Another participant's quota is untouched.
    EXPECT_EQ(Must(replicas[1]->CountSubmissionsInDay(bob.id, day_start)), 0);
  }
}

// Agents on several replicas run the whole lifecycle at once (leases that
// expire and are requeued, heartbeats, results, failures, cancels): every
// refused call is a kConflict, and the end state matches what was accepted.
TEST_F(PostgresStoreTest, ReplicasRunningTheLifecycleTogetherStayConsistent) {
  constexpr int kReplicas = 2;
  constexpr int kAgents = 6;
  constexpr int kJobs = 60;
  constexpr int kRounds = 50;
  constexpr int64_t kShortLease = 8;
  std::vector<std::unique_ptr<Store>> replicas;
  for (int r = 0; r < kReplicas; ++r) {
    replicas.push_back(Open({.max_connections = 4}));
  }
  Participant alice = AddParticipant(*replicas[0], "alice");
  for (int a = 0; a < kAgents; ++a) {
    Must(replicas[0]->RegisterAgent(fmt::format("a{}", a), "c", "{}",
                                    std::nullopt, kT0));
  }
  std::vector<int64_t> ids;
  for (int i = 0; i < kJobs; ++i) {
    NewSubmission s;
    s.participant_id = alice.id;
    s.track_id = "denoise";
    s.model_sha256 = Sha(i);
    s.jobs = {{"c", JobKind::kRuntime}};
    Submission sub =
        Must(replicas[i % kReplicas]->CreateSubmission(s, kT0, std::nullopt));
    ids.push_back(Must(replicas[0]->JobsOfSubmission(sub.id)).at(0).id);
  }

  std::atomic<int64_t> clock{kT0};
  std::mutex mu;
  std::map<int64_t, int> completed;  // job -> accepted results
  std::vector<std::string> errors;
  auto check = [&](const Status& status, const char* what) {
    if (status.ok() || status.code() == StatusCode::kConflict) return;
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(fmt::format("{}: {}", what, status.message()));
  };
  std::atomic<bool> go{false};
  std::atomic<int> agents_running{kAgents};
  std::vector<std::thread> threads;
  for (int a = 0; a < kAgents; ++a) {
    Store* store = replicas[a % kReplicas].get();
    threads.emplace_back([&, store, a] {
      std::mt19937 rng(1000 + a);
      const std::string agent = fmt::format("a{}", a);
      while (!go.load()) std::this_thread::yield();
      for (int round = 0; round < kRounds; ++round) {
        auto job = store->LeaseJob(agent, "c", clock++, kShortLease);
        check(job.status(), "lease");
        if (!job.ok() || !job->has_value()) continue;
        const int64_t id = (*job)->id;
        const int attempt = (*job)->attempt;
        switch (rng() % 4) {
          case 0:
          case 1: {
            check(store->Heartbeat(id, attempt, agent, clock++, kShortLease)
                      .status(),
                  "heartbeat");
            Status done = store->CompleteJob(id, attempt, agent, "{}", clock++);
            check(done, "complete");
            if (done.ok()) {
              std::lock_guard<std::mutex> lock(mu);
              ++completed[id];
            }
            break;
          }
          case 2:
            check(store
                      ->FailJob(id, attempt, agent, "boom", std::nullopt,
                                clock++, 2)
                      .status(),
                  "fail");
            break;
          default:  // the agent disappears: the lease expires
            break;
        }
      }
      --agents_running;
    });
  }
  // A janitor on each replica: requeues expired leases, cancels now and
  // then.
  for (int r = 0; r < kReplicas; ++r) {
    Store* store = replicas[r].get();
    threads.emplace_back([&, store, r] {
      std::mt19937 rng(r);
      while (!go.load()) std::this_thread::yield();
      while (agents_running.load() > 0) {
        check(store->RequeueExpiredLeases(clock.load()).status(), "requeue");
        if (rng() % 8 == 0) {
          check(store->CancelJob(ids[rng() % ids.size()], clock.load()),
                "cancel");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  go = true;
  for (std::thread& t : threads) t.join();

  ASSERT_TRUE(errors.empty()) << errors.front();
  int64_t succeeded = 0;
  for (int64_t id : ids) {
    Job j = Must(replicas[id % kReplicas]->GetJob(id));
    auto results = Must(replicas[0]->ResultsOfJob(id));
    ASSERT_LE(completed[id], 1) << Describe(j);
    ASSERT_EQ(results.size(), static_cast<size_t>(completed[id]))
        << Describe(j);
    ASSERT_EQ(j.state == JobState::kSucceeded, completed[id] == 1)
        << Describe(j);
    if (completed[id] == 1) {
      EXPECT_EQ(results[0].attempt, j.attempt) << Describe(j);
      EXPECT_EQ(results[0].agent_id, j.agent_id) << Describe(j);
      ++succeeded;
    }
    ASSERT_LE(j.failures.size(), 4u) << Describe(j);
    ASSERT_EQ(IsFinished(j.state), j.finished_at.has_value()) << Describe(j);
  }
  EXPECT_GT(succeeded, 0);
  int64_t total = 0;
  for (const auto& [state, n] : Must(replicas[1]->JobCountsByState())) {
    total += n;
  }
  EXPECT_EQ(total, kJobs);
}

}  // namespace
}  // namespace mai::server

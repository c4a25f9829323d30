#include "server/postgres_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mai::server {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// Runs of a transaction that PostgreSQL aborted for a deadlock or a
// serialization failure.
constexpr int kMaxRuns = 5;
// pg_advisory_xact_lock key held while the schema is checked or created
// ("mai-schm").
constexpr int64_t kSchemaLockKey = 0x6d61692d7363686d;
// SKIP LOCKED and ON CONFLICT: PostgreSQL 9.5.
constexpr int kMinServerVersion = 90500;

// Version 1: the tables, columns, constraints and indexes of the SQLite
// schema (sqlite_store.cc) in PostgreSQL types. Every statement the store
// runs is one of the literals in this file, with values bound as parameters.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE schema_version (
  version BIGINT NOT NULL
);
CREATE TABLE participants (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('participant', 'admin')),
  created_at BIGINT NOT NULL
);
CREATE TABLE tokens (
  id BIGSERIAL PRIMARY KEY,
  participant_id BIGINT NOT NULL REFERENCES participants(id),
  hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('participant', 'agent')),
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX tokens_by_participant ON tokens(participant_id);
CREATE TABLE agents (
  id TEXT PRIMARY KEY NOT NULL,
  device_class TEXT NOT NULL,
  description TEXT NOT NULL,
  token_id BIGINT REFERENCES tokens(id),
  registered_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE TABLE submissions (
  id BIGSERIAL PRIMARY KEY,
  participant_id BIGINT NOT NULL REFERENCES participants(id),
  track_id TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  model_bytes BIGINT NOT NULL,
  file_name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX submissions_by_participant
  ON submissions(participant_id, created_at);
CREATE INDEX submissions_by_track ON submissions(track_id, created_at);
CREATE TABLE jobs (
  id BIGSERIAL PRIMARY KEY,
  submission_id BIGINT NOT NULL REFERENCES submissions(id),
  device_class TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('runtime', 'fidelity', 'sustained')),
  state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'running',
                                       'succeeded', 'failed', 'cancelled')),
  attempt BIGINT NOT NULL DEFAULT 0,
  agent_id TEXT REFERENCES agents(id),
  lease_expires_at BIGINT,
  leased_at BIGINT,
  first_leased_at BIGINT,
  error_log TEXT NOT NULL DEFAULT '',
  exit_signal BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT,
  UNIQUE (submission_id, device_class, kind)
);
CREATE INDEX jobs_queue ON jobs(device_class, state, id);
CREATE INDEX jobs_leases ON jobs(state, lease_expires_at);
CREATE INDEX jobs_finished ON jobs(device_class, state, finished_at);
CREATE INDEX jobs_by_agent ON jobs(agent_id, state);
CREATE TABLE job_failures (
  job_id BIGINT NOT NULL REFERENCES jobs(id),
  attempt BIGINT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  error_log TEXT NOT NULL,
  exit_signal BIGINT,
  failed_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, attempt)
);
CREATE TABLE results (
  job_id BIGINT NOT NULL REFERENCES jobs(id),
  attempt BIGINT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  result_json TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, attempt)
);
)sql";

#define MAI_JOB_COLUMNS                                                    \
  "id, submission_id, device_class, kind, state, attempt, agent_id, "      \
  "lease_expires_at, leased_at, first_leased_at, error_log, exit_signal, " \
  "created_at, updated_at, finished_at"
#define MAI_RESULT_COLUMNS "job_id, attempt, agent_id, result_json, created_at "
#define MAI_SUBMISSION_COLUMNS                                           \
  "id, participant_id, track_id, model_sha256, model_bytes, file_name, " \
  "created_at"
#define MAI_TOKEN_COLUMNS \
  "id, participant_id, hash, kind, created_at, revoked_at"
#define MAI_AGENT_COLUMNS                                               \
  "id, device_class, description, token_id, registered_at, last_seen, " \
  "(SELECT COUNT(*) FROM jobs WHERE jobs.agent_id = agents.id AND "     \
  "jobs.state IN ('leased', 'running'))"

// A unique name or hash that is already used.
template <typename... Args>
Status Taken(fmt::format_string<Args...> f, Args&&... args) {
  return Conflict(f, std::forward<Args>(args)...);
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."): one line, whitespace runs collapsed.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// --- connection strings ------------------------------------------------------

// libpq's parse of a connection string: every keyword, with the values it
// gives (others null).
class ConninfoOptions {
 public:
  static Result<ConninfoOptions> Parse(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
      std::string message = error != nullptr ? OneLine(error) : "out of memory";
      if (error != nullptr) PQfreemem(error);
      return InvalidArgument("malformed PostgreSQL url: {}", message);
    }
    return ConninfoOptions(options);
  }
  ConninfoOptions(ConninfoOptions&& other) noexcept
      : options_(std::exchange(other.options_, nullptr)) {}
  ConninfoOptions(const ConninfoOptions&) = delete;
  ConninfoOptions& operator=(const ConninfoOptions&) = delete;
  ConninfoOptions& operator=(ConninfoOptions&&) = delete;
  ~ConninfoOptions() {
    if (options_ != nullptr) PQconninfoFree(options_);
  }

  // keyword -> value for every keyword the string sets.
  std::map<std::string, std::string> Given() const {
    std::map<std::string, std::string> out;
    for (const PQconninfoOption* o = options_; o->keyword != nullptr; ++o) {
      if (o->val != nullptr) out[o->keyword] = o->val;
    }
    return out;
  }
  bool Knows(const std::string& keyword) const {
    for (const PQconninfoOption* o = options_; o->keyword != nullptr; ++o) {
      if (keyword == o->keyword) return true;
    }
    return false;
  }

 private:
  explicit ConninfoOptions(PQconninfoOption* options) : options_(options) {}
  PQconninfoOption* options_;
};

// keyword='value' pairs; libpq's quoting (backslash escapes).
std::string ToConninfo(const std::map<std::string, std::string>& settings) {
  std::string out;
  for (const auto& [keyword, value] : settings) {
    if (!out.empty()) out += ' ';
    out += keyword;
    out += "='";
    for (char c : value) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    out += '\'';
  }
  return out;
}

std::string DisplayName(const std::map<std::string, std::string>& given) {
  auto get = [&](const char* keyword) -> std::string {
    auto it = given.find(keyword);
    return it == given.end() ? std::string() : it->second;
  };
  std::string host = get("host");
  if (host.empty()) host = get("hostaddr");
  std::string user = get("user");
  std::string port = get("port");
  return fmt::format("postgresql://{}{}{}{}/{}", user, user.empty() ? "" : "@",
                     host, port.empty() ? "" : ":" + port, get("dbname"));
}

// --- connections -------------------------------------------------------------

// One connection and the statements prepared on it, keyed by the address of
// their literal.
struct Connection {
  explicit Connection(const std::string& conninfo) : pq(conninfo) {}
  pqxx::connection pq;
  std::unordered_map<const char*, std::string> prepared;
};

// Thrown inside a transaction for a text parameter PostgreSQL cannot store
// (libpq would cut it at the NUL byte).
struct TextHasNul {};

// The statements of one transaction, on its borrowed connection.
class Tx {
 public:
  Tx(Connection& conn, pqxx::transaction_base& txn) : conn_(conn), txn_(txn) {}

  // Runs `sql` (a literal of this file) as a prepared statement with
  // `args` bound to $1, $2...
  template <typename... Args>
  pqxx::result Exec(const char* sql, const Args&... args) {
    (CheckArg(args), ...);
    auto it = conn_.prepared.find(sql);
    if (it == conn_.prepared.end()) {
      std::string name = fmt::format("mai_{}", conn_.prepared.size());
      conn_.pq.prepare(name, sql);
      it = conn_.prepared.emplace(sql, std::move(name)).first;
    }
    return txn_.exec_prepared(it->second, args...);
  }
  // Runs a script of several statements without parameters.
  void ExecScript(const char* sql) { txn_.exec(sql); }

 private:
  template <typename T>
  static void CheckArg(const T& arg) {
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      if (std::string_view(arg).find('\0') != std::string_view::npos) {
        throw TextHasNul{};
      }
    }
  }

  Connection& conn_;
  pqxx::transaction_base& txn_;
};

// Up to `max` connections, opened on demand and reused.
class Pool {
 public:
  Pool(std::string conninfo, std::string name, int max)
      : conninfo_(std::move(conninfo)), name_(std::move(name)), max_(max) {}

  // A borrowed connection, given back when it goes away unless Drop()ped.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->GiveBack(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    // The connection broke: close it, and the idle ones too (a database
    // that restarted broke them all).
    void Drop() {
      conn_.reset();
      pool_->Forget();
    }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Waits first come, first served: under load a plain condition variable
  // lets some callers overtake others for seconds.
  Result<Lease> Borrow() {
    std::unique_lock<std::mutex> lock(mu_);
    Waiter self;
    if (waiters_.empty() && !idle_.empty()) {
      self.conn = std::move(idle_.back());
      idle_.pop_back();
    } else if (waiters_.empty() && open_ < max_) {
      ++open_;
      self.may_open = true;
    } else {
      waiters_.push_back(&self);
      self.ready.wait(lock, [&] { return self.conn || self.may_open; });
    }
    if (self.conn) return Lease(this, std::move(self.conn));
    lock.unlock();
    try {
      return Lease(this, std::make_unique<Connection>(conninfo_));
    } catch (const std::exception& e) {
      lock.lock();
      --open_;
      HandOutFreeSlots();
      return IoError("cannot connect to {}: {}", name_, OneLine(e.what()));
    }
  }

 private:
  struct Waiter {
    std::condition_variable ready;
    std::unique_ptr<Connection> conn;  // handed over by GiveBack
    bool may_open = false;             // a slot to open a connection in
  };

  void GiveBack(std::unique_ptr<Connection> conn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!conn->pq.is_open()) {
      --open_;
      HandOutFreeSlots();
    } else if (!waiters_.empty()) {
      Waiter* next = waiters_.front();
      waiters_.pop_front();
      next->conn = std::move(conn);
      next->ready.notify_one();
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  void Forget() {
    std::vector<std::unique_ptr<Connection>> closing;
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    open_ -= static_cast<int>(idle_.size());
    closing.swap(idle_);
    HandOutFreeSlots();
  }
  // Lets the longest waiters open connections while slots are free.
  void HandOutFreeSlots() {
    while (!waiters_.empty() && open_ < max_) {
      Waiter* next = waiters_.front();
      waiters_.pop_front();
      ++open_;
      next->may_open = true;
      next->ready.notify_one();
    }
  }

  const std::string conninfo_;
  const std::string name_;
  const int max_;
  std::mutex mu_;
  std::deque<Waiter*> waiters_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle and borrowed
};

// The Status for an error PostgreSQL reported.
Status SqlStatus(const pqxx::sql_error& e, const std::string& context) {
  const std::string state = e.sqlstate();
  std::string message = OneLine(e.what());
  auto starts = [&](std::string_view prefix) {
    return state.compare(0, prefix.size(), prefix) == 0;
  };
  if (starts("08") || starts("53") || starts("57") || starts("58") ||
      state == "55P03" || state == "42501" || state == "25006") {
    // Connection, resources (disk full, too many connections), operator
    // intervention (shutdown, statement timeout), I/O, lock timeout,
    // permissions, a read-only (standby) server.
    return IoError("{}: {}", context, message);
  }
  if (state == "22021" || state == "22P05") {
    return InvalidArgument(
        "{}: a text value is not valid UTF-8 (PostgreSQL refused it): {}",
        context, message);
  }
  if (state == "23505") return Conflict("{}: {}", context, message);
  return Internal("{}: PostgreSQL error {}: {}", context,
                  state.empty() ? "(no SQLSTATE)" : state, message);
}

// --- rows --------------------------------------------------------------------

int64_t Int(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
std::optional<int64_t> OptInt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}
std::string Text(const pqxx::field& f) {
  if (f.is_null()) return std::string();
  return std::string(f.c_str(), f.size());
}

Result<Participant> ParticipantRow(const pqxx::row& r, int c = 0) {
  Participant p;
  p.id = Int(r[c + 0]);
  p.name = Text(r[c + 1]);
  MAI_ASSIGN_OR_RETURN(p.role, ParseRole(Text(r[c + 2])));
  p.created_at = Int(r[c + 3]);
  return p;
}

Result<Token> TokenRow(const pqxx::row& r, int c = 0) {
  Token t;
  t.id = Int(r[c + 0]);
  t.participant_id = Int(r[c + 1]);
  t.hash = Text(r[c + 2]);
  MAI_ASSIGN_OR_RETURN(t.kind, ParseTokenKind(Text(r[c + 3])));
  t.created_at = Int(r[c + 4]);
  t.revoked_at = OptInt(r[c + 5]);
  return t;
}

Result<Job> JobRow(const pqxx::row& r) {
  Job j;
  j.id = Int(r[0]);
  j.submission_id = Int(r[1]);
  j.device_class = Text(r[2]);
  MAI_ASSIGN_OR_RETURN(j.kind, ParseJobKind(Text(r[3])));
  MAI_ASSIGN_OR_RETURN(j.state, ParseJobState(Text(r[4])));
  j.attempt = static_cast<int>(Int(r[5]));
  j.agent_id = Text(r[6]);
  j.lease_expires_at = OptInt(r[7]);
  j.leased_at = OptInt(r[8]);
  j.first_leased_at = OptInt(r[9]);
  j.error_log = Text(r[10]);
  if (auto sig = OptInt(r[11])) j.exit_signal = static_cast<int>(*sig);
  j.created_at = Int(r[12]);
  j.updated_at = Int(r[13]);
  j.finished_at = OptInt(r[14]);
  return j;
}

Submission SubmissionRow(const pqxx::row& r) {
  Submission s;
  s.id = Int(r[0]);
  s.participant_id = Int(r[1]);
  s.track_id = Text(r[2]);
  s.model_sha256 = Text(r[3]);
  s.model_bytes = Int(r[4]);
  s.file_name = Text(r[5]);
  s.created_at = Int(r[6]);
  return s;
}

// Columns MAI_RESULT_COLUMNS.
JobResult JobResultRow(const pqxx::row& r) {
  JobResult result;
  result.job_id = Int(r[0]);
  result.attempt = static_cast<int>(Int(r[1]));
  result.agent_id = Text(r[2]);
  result.result_json = Text(r[3]);
  result.created_at = Int(r[4]);
  return result;
}

Agent AgentRow(const pqxx::row& r) {
  Agent a;
  a.id = Text(r[0]);
  a.device_class = Text(r[1]);
  a.description_json = Text(r[2]);
  a.token_id = OptInt(r[3]);
  a.registered_at = Int(r[4]);
  a.last_seen = Int(r[5]);
  a.active_jobs = Int(r[6]);
  return a;
}

// A class with fewer agents than max_failures would retry a failing job
// forever: after kAttemptsPerFailure * max_failures failed attempts in all
// it fails anyway.
constexpr int kAttemptsPerFailure = 2;

Status CheckLease(const Job& job, int attempt, const std::string& agent_id) {
  if (job.state == JobState::kCancelled) {
    return Conflict("job {} was cancelled", job.id);
  }
  if (attempt != job.attempt) {
    return Conflict("job {}: attempt {} is stale (the job is at attempt {})",
                    job.id, attempt, job.attempt);
  }
  if (job.state != JobState::kLeased && job.state != JobState::kRunning) {
    return Conflict("job {} attempt {} is no longer leased (the job is {})",
                    job.id, attempt, JobStateName(job.state));
  }
  if (job.agent_id != agent_id) {
    return Conflict("job {} attempt {} is leased to agent '{}', not '{}'",
                    job.id, attempt, job.agent_id, agent_id);
  }
  return Status::Ok();
}

// --- the store ---------------------------------------------------------------

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string conninfo, std::string display, int max_connections)
      : context_("store " + display),
        pool_(std::move(conninfo), std::move(display), max_connections) {}

  // Checks the server and the schema, creating it when absent; run once by
  // OpenPostgresStore before any other call.
  Status Init();

  Result<Participant> CreateParticipant(const std::string& name, Role role,
                                        int64_t now) override;
  Result<Participant> GetParticipant(int64_t id) override;
  Result<Participant> GetParticipantByName(const std::string& name) override;
  Result<std::vector<Participant>> ListParticipants() override;
  Result<Token> AddToken(int64_t participant_id, const std::string& token_hash,
                         TokenKind kind, int64_t now) override;
  Status RevokeToken(int64_t token_id, int64_t now) override;
  Result<std::vector<Token>> TokensOfParticipant(
      int64_t participant_id) override;
  Result<Credential> LookupToken(const std::string& token_hash) override;

  Result<Submission> CreateSubmission(const NewSubmission& submission,
                                      int64_t now,
                                      std::optional<DailyQuota> quota) override;
  Result<Submission> GetSubmission(int64_t id) override;
  Result<std::vector<Submission>> SubmissionsOfParticipant(
      int64_t participant_id, int64_t limit) override;
  Result<std::vector<Submission>> SubmissionsOfTrack(
      const std::string& track_id, int64_t limit) override;
  Result<int64_t> CountSubmissionsInDay(int64_t participant_id,
                                        int64_t day_start) override;

  Result<Agent> RegisterAgent(const std::string& agent_id,
                              const std::string& device_class,
                              const std::string& description_json,
                              std::optional<int64_t> token_id,
                              int64_t now) override;
  Result<Agent> GetAgent(const std::string& agent_id) override;
  Result<std::vector<Agent>> ListAgents() override;
  Status TouchAgent(const std::string& agent_id, int64_t now) override;

  Result<std::optional<Job>> LeaseJob(const std::string& agent_id,
                                      const std::string& device_class,
                                      int64_t now, int64_t lease_secs) override;
  Result<Job> Heartbeat(int64_t job_id, int attempt,
                        const std::string& agent_id, int64_t now,
                        int64_t lease_secs) override;
  Status CompleteJob(int64_t job_id, int attempt, const std::string& agent_id,
                     const std::string& result_json, int64_t now) override;
  Result<Job> FailJob(int64_t job_id, int attempt, const std::string& agent_id,
                      const std::string& error_log,
                      std::optional<int> exit_signal, int64_t now,
                      int max_failures) override;
  Result<int64_t> RequeueExpiredLeases(int64_t now) override;
  Status CancelJob(int64_t job_id, int64_t now) override;
  Result<int64_t> CancelSubmission(int64_t submission_id, int64_t now) override;

  Result<Job> GetJob(int64_t job_id) override;
  Result<std::vector<Job>> JobsOfSubmission(int64_t submission_id) override;
  Result<std::vector<JobResult>> ResultsOfJob(int64_t job_id) override;
  Result<JobView> GetJobView(int64_t job_id) override;
  Result<std::map<std::string, int64_t>> QueueDepths() override;
  Result<std::map<JobState, int64_t>> JobCountsByState() override;
  Result<std::vector<JobDuration>> RecentDurations(
      const std::string& device_class, int64_t limit) override;

 private:
  // Runs `body(Tx&)` as one transaction on a borrowed connection: commits
  // when it returns OK, rolls back otherwise. Reruns it after a deadlock or
  // serialization failure, and once on a fresh connection when the
  // connection broke before COMMIT. Database errors become a Status.
  template <typename Txn, typename F>
  auto Transact(F&& body) -> decltype(body(std::declval<Tx&>())) {
    using R = decltype(body(std::declval<Tx&>()));
    bool reconnected = false;
    for (int run = 1;; ++run) {
      MAI_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Borrow());
      try {
        Txn txn((*lease).pq);
        Tx tx(*lease, txn);
        R result = body(tx);
        if (!result.ok()) {
          txn.abort();
          return result;
        }
        txn.commit();
        return result;
      } catch (const TextHasNul&) {
        return InvalidArgument(
            "{}: a text value holds a NUL byte (PostgreSQL cannot store it)",
            context_);
      } catch (const pqxx::in_doubt_error& e) {
        lease.Drop();
        return IoError(
            "{}: the connection broke during COMMIT, the outcome is unknown: "
            "{}",
            context_, OneLine(e.what()));
      } catch (const pqxx::broken_connection& e) {
        lease.Drop();
        if (reconnected) {
          return IoError("{}: lost the connection: {}", context_,
                         OneLine(e.what()));
        }
        reconnected = true;
      } catch (const pqxx::statement_completion_unknown& e) {
        lease.Drop();
        return IoError("{}: the outcome of a statement is unknown: {}",
                       context_, OneLine(e.what()));
      } catch (const pqxx::transaction_rollback& e) {
        // 40001 serialization failure, 40P01 deadlock: run it again, after
        // a short pause that grows.
        const bool retry =
            dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
            dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr;
        if (!retry) {
          return Internal("{}: transaction rolled back: {}", context_,
                          OneLine(e.what()));
        }
        if (run >= kMaxRuns) {
          return IoError("{}: transaction aborted {} times by conflicts: {}",
                         context_, run, OneLine(e.what()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * run));
      } catch (const pqxx::sql_error& e) {
        return SqlStatus(e, context_);
      } catch (const pqxx::usage_error& e) {
        return Internal("{}: libpqxx usage error: {}", context_,
                        OneLine(e.what()));
      } catch (const std::exception& e) {
        return Internal("{}: {}", context_, OneLine(e.what()));
      }
    }
  }
  template <typename F>
  auto Write(F&& body) {
    return Transact<pqxx::transaction<pqxx::read_committed, pqxx::read_write>>(
        std::forward<F>(body));
  }
  template <typename F>
  auto Read(F&& body) {
    return Transact<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
        std::forward<F>(body));
  }

  // Helpers run inside a transaction.
  Result<Participant> LoadParticipant(Tx& tx, int64_t id, bool lock = false);
  Status CheckParticipant(Tx& tx, int64_t id) {
    return LoadParticipant(tx, id).status();
  }
  // `lock`: FOR UPDATE, for a transaction that decides on the job's state.
  Result<Job> LoadJob(Tx& tx, int64_t id, bool lock = false);
  void LoadFailures(Tx& tx, Job& job);
  // The number of rows updated.
  int64_t TouchAgentIn(Tx& tx, const std::string& agent_id, int64_t now);

  // "store postgresql://user@host:port/db", prefix of database errors.
  const std::string context_;
  Pool pool_;
};

Status PostgresStore::Init() {
  return Write([&](Tx& tx) -> Status {
    {
      pqxx::result r = tx.Exec(
          "SELECT current_setting('server_version_num')::integer, "
          "current_schema()");
      if (Int(r[0][0]) < kMinServerVersion) {
        return InvalidArgument(
            "{}: PostgreSQL {} is too old (the store needs 9.5 or newer)",
            context_, Int(r[0][0]));
      }
      if (r[0][1].is_null()) {
        return InvalidArgument(
            "{}: no schema to create the tables in (search_path names no "
            "existing schema)",
            context_);
      }
    }
    // Replicas starting together: one creates the schema, the others wait
    // and find it.
    tx.Exec("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
    pqxx::result tables = tx.Exec(
        "SELECT COUNT(*) FILTER (WHERE c.relname = 'schema_version'), "
        "COUNT(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND "
        "c.relkind IN ('r', 'p')");
    int64_t has_version = Int(tables[0][0]);
    int64_t count = Int(tables[0][1]);
    if (has_version == 0) {
      if (count > 0) {
        return InvalidArgument(
            "{} is a PostgreSQL database but not a mai store (its schema has "
            "tables but no schema_version)",
            context_);
      }
      tx.ExecScript(kSchemaV1);
      tx.Exec("INSERT INTO schema_version (version) VALUES ($1)",
              int64_t{kPostgresSchemaVersion});
      return Status::Ok();
    }
    pqxx::result r = tx.Exec("SELECT MAX(version) FROM schema_version");
    std::optional<int64_t> version = OptInt(r[0][0]);
    if (!version.has_value()) {
      return InvalidArgument("{}: schema_version is empty", context_);
    }
    if (*version > kPostgresSchemaVersion) {
      return InvalidArgument(
          "{} has schema version {}, newer than this mai supports ({}); use "
          "a newer mai",
          context_, *version, kPostgresSchemaVersion);
    }
    if (*version < kPostgresSchemaVersion) {
      return InvalidArgument("{} has unknown schema version {}", context_,
                             *version);
    }
    return Status::Ok();
  });
}

// --- helpers -----------------------------------------------------------------

Result<Participant> PostgresStore::LoadParticipant(Tx& tx, int64_t id,
                                                   bool lock) {
  pqxx::result r =
      lock ? tx.Exec(
                 "SELECT id, name, role, created_at FROM participants "
                 "WHERE id = $1 FOR NO KEY UPDATE",
                 id)
           : tx.Exec(
                 "SELECT id, name, role, created_at FROM participants "
                 "WHERE id = $1",
                 id);
  if (r.empty()) return NotFound("participant {} not found", id);
  return ParticipantRow(r[0]);
}

Result<Job> PostgresStore::LoadJob(Tx& tx, int64_t id, bool lock) {
  pqxx::result r =
      lock ? tx.Exec("SELECT " MAI_JOB_COLUMNS
                     " FROM jobs WHERE id = $1 FOR UPDATE",
                     id)
           : tx.Exec("SELECT " MAI_JOB_COLUMNS " FROM jobs WHERE id = $1", id);
  if (r.empty()) return NotFound("job {} not found", id);
  MAI_ASSIGN_OR_RETURN(Job job, JobRow(r[0]));
  LoadFailures(tx, job);
  return job;
}

void PostgresStore::LoadFailures(Tx& tx, Job& job) {
  pqxx::result r = tx.Exec(
      "SELECT attempt, agent_id, error_log, exit_signal, failed_at "
      "FROM job_failures WHERE job_id = $1 ORDER BY attempt",
      job.id);
  job.failures.clear();
  for (const pqxx::row& row : r) {
    JobFailure f;
    f.attempt = Int(row[0]);
    f.agent_id = Text(row[1]);
    f.error_log = Text(row[2]);
    if (auto sig = OptInt(row[3])) f.exit_signal = static_cast<int>(*sig);
    f.failed_at = Int(row[4]);
    job.failures.push_back(std::move(f));
  }
}

int64_t PostgresStore::TouchAgentIn(Tx& tx, const std::string& agent_id,
                                    int64_t now) {
  return tx
      .Exec("UPDATE agents SET last_seen = $1 WHERE id = $2", now, agent_id)
      .affected_rows();
}

// --- participants and tokens -------------------------------------------------

Result<Participant> PostgresStore::CreateParticipant(const std::string& name,
                                                     Role role, int64_t now) {
  if (name.empty()) return InvalidArgument("participant name is empty");
  return Write([&](Tx& tx) -> Result<Participant> {
    // ON CONFLICT: a name taken by another replica a moment ago is found
    // too.
    pqxx::result r = tx.Exec(
        "INSERT INTO participants (name, role, created_at) VALUES ($1, $2, "
        "$3) ON CONFLICT (name) DO NOTHING RETURNING id",
        name, std::string(RoleName(role)), now);
    if (r.empty()) return Taken("participant name '{}' is already taken", name);
    Participant p;
    p.id = Int(r[0][0]);
    p.name = name;
    p.role = role;
    p.created_at = now;
    return p;
  });
}

Result<Participant> PostgresStore::GetParticipant(int64_t id) {
  return Read([&](Tx& tx) { return LoadParticipant(tx, id); });
}

Result<Participant> PostgresStore::GetParticipantByName(
    const std::string& name) {
  return Read([&](Tx& tx) -> Result<Participant> {
    pqxx::result r = tx.Exec(
        "SELECT id, name, role, created_at FROM participants WHERE name = $1",
        name);
    if (r.empty()) return NotFound("participant '{}' not found", name);
    return ParticipantRow(r[0]);
  });
}

Result<std::vector<Participant>> PostgresStore::ListParticipants() {
  return Read([&](Tx& tx) -> Result<std::vector<Participant>> {
    pqxx::result r = tx.Exec(
        "SELECT id, name, role, created_at FROM participants ORDER BY id");
    std::vector<Participant> out;
    for (const pqxx::row& row : r) {
      MAI_ASSIGN_OR_RETURN(Participant p, ParticipantRow(row));
      out.push_back(std::move(p));
    }
    return out;
  });
}

Result<Token> PostgresStore::AddToken(int64_t participant_id,
                                      const std::string& token_hash,
                                      TokenKind kind, int64_t now) {
  if (token_hash.empty()) return InvalidArgument("token hash is empty");
  return Write([&](Tx& tx) -> Result<Token> {
    MAI_RETURN_IF_ERROR(CheckParticipant(tx, participant_id));
    pqxx::result r = tx.Exec(
        "INSERT INTO tokens (participant_id, hash, kind, created_at) VALUES "
        "($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING RETURNING id",
        participant_id, token_hash, std::string(TokenKindName(kind)), now);
    // Never quote the hash.
    if (r.empty()) return Taken("a token with this hash already exists");
    Token t;
    t.id = Int(r[0][0]);
    t.participant_id = participant_id;
    t.hash = token_hash;
    t.kind = kind;
    t.created_at = now;
    return t;
  });
}

Status PostgresStore::RevokeToken(int64_t token_id, int64_t now) {
  return Write([&](Tx& tx) -> Status {
    pqxx::result r = tx.Exec(
        "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) "
        "WHERE id = $2",
        now, token_id);
    if (r.affected_rows() == 0) return NotFound("token {} not found", token_id);
    return Status::Ok();
  });
}

Result<std::vector<Token>> PostgresStore::TokensOfParticipant(
    int64_t participant_id) {
  return Read([&](Tx& tx) -> Result<std::vector<Token>> {
    MAI_RETURN_IF_ERROR(CheckParticipant(tx, participant_id));
    pqxx::result r =
        tx.Exec("SELECT " MAI_TOKEN_COLUMNS
                " FROM tokens WHERE participant_id = $1 ORDER BY id",
                participant_id);
    std::vector<Token> tokens;
    for (const pqxx::row& row : r) {
      MAI_ASSIGN_OR_RETURN(Token t, TokenRow(row));
      tokens.push_back(std::move(t));
    }
    return tokens;
  });
}

Result<Credential> PostgresStore::LookupToken(const std::string& token_hash) {
  return Read([&](Tx& tx) -> Result<Credential> {
    pqxx::result r = tx.Exec(
        "SELECT p.id, p.name, p.role, p.created_at, t.id, t.participant_id, "
        "t.hash, t.kind, t.created_at, t.revoked_at FROM tokens t JOIN "
        "participants p ON p.id = t.participant_id WHERE t.hash = $1 AND "
        "t.revoked_at IS NULL",
        token_hash);
    if (r.empty()) return NotFound("unknown or revoked token");
    Credential c;
    MAI_ASSIGN_OR_RETURN(c.participant, ParticipantRow(r[0], 0));
    MAI_ASSIGN_OR_RETURN(c.token, TokenRow(r[0], 4));
    return c;
  });
}

// --- submissions -------------------------------------------------------------

Result<Submission> PostgresStore::CreateSubmission(
    const NewSubmission& s, int64_t now, std::optional<DailyQuota> quota) {
  if (s.track_id.empty()) return InvalidArgument("submission: empty track id");
  if (s.model_sha256.size() != 64 || !IsLowerHex(s.model_sha256)) {
    return InvalidArgument(
        "submission: model sha256 '{}' is not 64 lower-case hex digits",
        s.model_sha256);
  }
  if (s.model_bytes < 0) {
    return InvalidArgument("submission: negative model size {}", s.model_bytes);
  }
  if (s.jobs.empty()) return InvalidArgument("submission: no jobs requested");
  std::set<std::pair<std::string, JobKind>> seen;
  for (const JobSpec& spec : s.jobs) {
    if (spec.device_class.empty()) {
      return InvalidArgument("submission: a job has an empty device class");
    }
    if (!seen.emplace(spec.device_class, spec.kind).second) {
      return InvalidArgument("submission: job ({}, {}) requested twice",
                             spec.device_class, JobKindName(spec.kind));
    }
  }
  if (quota.has_value() && quota->limit < 0) {
    return InvalidArgument("submission: negative daily quota {}", quota->limit);
  }
  return Write([&](Tx& tx) -> Result<Submission> {
    // With a quota, the participant's row is locked until COMMIT: another
    // replica's upload for the same participant waits here, then counts
    // this one.
    MAI_ASSIGN_OR_RETURN(Participant p, LoadParticipant(tx, s.participant_id,
                                                        quota.has_value()));
    if (quota.has_value()) {
      pqxx::result r = tx.Exec(
          "SELECT COUNT(*) FROM submissions WHERE participant_id = $1 AND "
          "created_at >= $2 AND created_at < $3",
          p.id, quota->day_start, quota->day_start + kSecondsPerDay);
      int64_t used = Int(r[0][0]);
      if (used >= quota->limit) {
        return OutOfRange(
            "participant '{}' has used the daily quota ({} of {} "
            "submissions)",
            p.name, used, quota->limit);
      }
    }
    Submission out;
    {
      pqxx::result r = tx.Exec(
          "INSERT INTO submissions (participant_id, track_id, model_sha256, "
          "model_bytes, file_name, created_at) VALUES ($1, $2, $3, $4, $5, "
          "$6) RETURNING id",
          p.id, s.track_id, s.model_sha256, s.model_bytes, s.file_name, now);
      out.id = Int(r[0][0]);
    }
    for (const JobSpec& spec : s.jobs) {
      tx.Exec(
          "INSERT INTO jobs (submission_id, device_class, kind, state, "
          "created_at, updated_at) VALUES ($1, $2, $3, 'queued', $4, $4)",
          out.id, spec.device_class, std::string(JobKindName(spec.kind)), now);
    }
    out.participant_id = p.id;
    out.track_id = s.track_id;
    out.model_sha256 = s.model_sha256;
    out.model_bytes = s.model_bytes;
    out.file_name = s.file_name;
    out.created_at = now;
    return out;
  });
}

Result<Submission> PostgresStore::GetSubmission(int64_t id) {
  return Read([&](Tx& tx) -> Result<Submission> {
    pqxx::result r = tx.Exec(
        "SELECT " MAI_SUBMISSION_COLUMNS " FROM submissions WHERE id = $1", id);
    if (r.empty()) return NotFound("submission {} not found", id);
    return SubmissionRow(r[0]);
  });
}

Result<std::vector<Submission>> PostgresStore::SubmissionsOfParticipant(
    int64_t participant_id, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&](Tx& tx) -> Result<std::vector<Submission>> {
    MAI_RETURN_IF_ERROR(CheckParticipant(tx, participant_id));
    pqxx::result r = tx.Exec("SELECT " MAI_SUBMISSION_COLUMNS
                             " FROM submissions WHERE participant_id = $1 "
                             "ORDER BY created_at DESC, id DESC LIMIT $2",
                             participant_id, limit);
    std::vector<Submission> out;
    for (const pqxx::row& row : r) out.push_back(SubmissionRow(row));
    return out;
  });
}

Result<std::vector<Submission>> PostgresStore::SubmissionsOfTrack(
    const std::string& track_id, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&](Tx& tx) -> Result<std::vector<Submission>> {
    pqxx::result r = tx.Exec("SELECT " MAI_SUBMISSION_COLUMNS
                             " FROM submissions WHERE track_id = $1 "
                             "ORDER BY created_at DESC, id DESC LIMIT $2",
                             track_id, limit);
    std::vector<Submission> out;
    for (const pqxx::row& row : r) out.push_back(SubmissionRow(row));
    return out;
  });
}

Result<int64_t> PostgresStore::CountSubmissionsInDay(int64_t participant_id,
                                                     int64_t day_start) {
  return Read([&](Tx& tx) -> Result<int64_t> {
    MAI_RETURN_IF_ERROR(CheckParticipant(tx, participant_id));
    pqxx::result r = tx.Exec(
        "SELECT COUNT(*) FROM submissions WHERE participant_id = $1 AND "
        "created_at >= $2 AND created_at < $3",
        participant_id, day_start, day_start + kSecondsPerDay);
    return Int(r[0][0]);
  });
}

// --- agents ------------------------------------------------------------------

Result<Agent> PostgresStore::RegisterAgent(const std::string& agent_id,
                                           const std::string& device_class,
                                           const std::string& description_json,
                                           std::optional<int64_t> token_id,
                                           int64_t now) {
  if (agent_id.empty()) return InvalidArgument("agent id is empty");
  if (device_class.empty()) {
    return InvalidArgument("agent '{}': empty device class", agent_id);
  }
  return Write([&](Tx& tx) -> Result<Agent> {
    if (token_id.has_value()) {
      pqxx::result r =
          tx.Exec("SELECT kind, revoked_at FROM tokens WHERE id = $1 FOR SHARE",
                  *token_id);
      if (r.empty()) return NotFound("token {} not found", *token_id);
      if (Text(r[0][0]) != TokenKindName(TokenKind::kAgent)) {
        return InvalidArgument("token {} is not an agent token", *token_id);
      }
      if (!r[0][1].is_null()) {
        return InvalidArgument("token {} is revoked", *token_id);
      }
    }
    pqxx::result r = tx.Exec(
        "INSERT INTO agents (id, device_class, description, token_id, "
        "registered_at, last_seen) VALUES ($1, $2, $3, $4, $5, $5) "
        "ON CONFLICT (id) DO NOTHING",
        agent_id, device_class, description_json, token_id, now);
    if (r.affected_rows() == 0) {
      return Taken("agent '{}' is already registered", agent_id);
    }
    Agent a;
    a.id = agent_id;
    a.device_class = device_class;
    a.description_json = description_json;
    a.token_id = token_id;
    a.registered_at = now;
    a.last_seen = now;
    return a;
  });
}

Result<Agent> PostgresStore::GetAgent(const std::string& agent_id) {
  return Read([&](Tx& tx) -> Result<Agent> {
    pqxx::result r = tx.Exec(
        "SELECT " MAI_AGENT_COLUMNS " FROM agents WHERE id = $1", agent_id);
    if (r.empty()) return NotFound("agent '{}' not found", agent_id);
    return AgentRow(r[0]);
  });
}

Result<std::vector<Agent>> PostgresStore::ListAgents() {
  return Read([&](Tx& tx) -> Result<std::vector<Agent>> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's
    // collation.
    pqxx::result r = tx.Exec("SELECT " MAI_AGENT_COLUMNS
                             " FROM agents ORDER BY id COLLATE \"C\"");
    std::vector<Agent> out;
    for (const pqxx::row& row : r) out.push_back(AgentRow(row));
    return out;
  });
}

Status PostgresStore::TouchAgent(const std::string& agent_id, int64_t now) {
  return Write([&](Tx& tx) -> Status {
    if (TouchAgentIn(tx, agent_id, now) == 0) {
      return NotFound("agent '{}' not found", agent_id);
    }
    return Status::Ok();
  });
}

// --- job lifecycle -----------------------------------------------------------

Result<std::optional<Job>> PostgresStore::LeaseJob(
    const std::string& agent_id, const std::string& device_class, int64_t now,
    int64_t lease_secs) {
  if (lease_secs <= 0) {
    return InvalidArgument("lease of {} s is not positive", lease_secs);
  }
  return Write([&](Tx& tx) -> Result<std::optional<Job>> {
    {
      pqxx::result r =
          tx.Exec("SELECT device_class FROM agents WHERE id = $1", agent_id);
      if (r.empty()) return NotFound("agent '{}' not found", agent_id);
      std::string agent_class = Text(r[0][0]);
      if (agent_class != device_class) {
        return InvalidArgument("agent '{}' serves device class '{}', not '{}'",
                               agent_id, agent_class, device_class);
      }
    }
    TouchAgentIn(tx, agent_id, now);
    // The first queued job in the order (jobs this agent failed last, then
    // lowest id) that no other transaction holds: a job being leased
    // through another replica is locked, so it is skipped, never leased
    // twice, and nobody waits.
    pqxx::result r = tx.Exec(
        "SELECT id FROM jobs WHERE device_class = $1 AND state = 'queued' "
        "ORDER BY EXISTS (SELECT 1 FROM job_failures f WHERE f.job_id = "
        "jobs.id AND f.agent_id = $2), id LIMIT 1 FOR UPDATE SKIP LOCKED",
        device_class, agent_id);
    if (r.empty()) return std::optional<Job>();
    int64_t job_id = Int(r[0][0]);
    pqxx::result updated = tx.Exec(
        "UPDATE jobs SET state = 'leased', attempt = attempt + 1, "
        "agent_id = $1, lease_expires_at = $2, leased_at = $3, "
        "first_leased_at = COALESCE(first_leased_at, $3), updated_at = $3 "
        "WHERE id = $4 AND state = 'queued'",
        agent_id, now + lease_secs, now, job_id);
    if (updated.affected_rows() != 1) {
      return Internal("{}: job {} left the queue while being leased", context_,
                      job_id);
    }
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(tx, job_id));
    return std::optional<Job>(std::move(job));
  });
}

Result<Job> PostgresStore::Heartbeat(int64_t job_id, int attempt,
                                     const std::string& agent_id, int64_t now,
                                     int64_t lease_secs) {
  if (lease_secs <= 0) {
    return InvalidArgument("lease of {} s is not positive", lease_secs);
  }
  return Write([&](Tx& tx) -> Result<Job> {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(tx, job_id, /*lock=*/true));
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    tx.Exec(
        "UPDATE jobs SET state = 'running', lease_expires_at = $1, "
        "updated_at = $2 WHERE id = $3",
        now + lease_secs, now, job_id);
    TouchAgentIn(tx, agent_id, now);
    return LoadJob(tx, job_id);
  });
}

Status PostgresStore::CompleteJob(int64_t job_id, int attempt,
                                  const std::string& agent_id,
                                  const std::string& result_json, int64_t now) {
  if (result_json.empty()) {
    return InvalidArgument("job {}: empty result", job_id);
  }
  return Write([&](Tx& tx) -> Status {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(tx, job_id, /*lock=*/true));
    {
      pqxx::result r = tx.Exec(
          "SELECT agent_id FROM results WHERE job_id = $1 AND attempt = $2",
          job_id, int64_t{attempt});
      if (!r.empty()) {
        std::string by = Text(r[0][0]);
        if (by == agent_id) return Status::Ok();  // a retried post
        return Conflict(
            "job {} attempt {}: agent '{}' already posted its result", job_id,
            attempt, by);
      }
    }
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    tx.Exec(
        "INSERT INTO results (job_id, attempt, agent_id, result_json, "
        "created_at) VALUES ($1, $2, $3, $4, $5)",
        job_id, int64_t{attempt}, agent_id, result_json, now);
    tx.Exec(
        "UPDATE jobs SET state = 'succeeded', lease_expires_at = NULL, "
        "finished_at = $1, updated_at = $1 WHERE id = $2",
        now, job_id);
    TouchAgentIn(tx, agent_id, now);
    return Status::Ok();
  });
}

Result<Job> PostgresStore::FailJob(int64_t job_id, int attempt,
                                   const std::string& agent_id,
                                   const std::string& error_log,
                                   std::optional<int> exit_signal, int64_t now,
                                   int max_failures) {
  if (max_failures < 1) {
    return InvalidArgument("max_failures {} is below 1", max_failures);
  }
  std::optional<int64_t> signal;
  if (exit_signal.has_value()) signal = *exit_signal;
  return Write([&](Tx& tx) -> Result<Job> {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(tx, job_id, /*lock=*/true));
    {
      pqxx::result r = tx.Exec(
          "SELECT agent_id FROM job_failures WHERE job_id = $1 AND "
          "attempt = $2",
          job_id, int64_t{attempt});
      if (!r.empty()) {
        std::string by = Text(r[0][0]);
        if (by == agent_id) return job;  // a retried post
        return Conflict(
            "job {} attempt {}: agent '{}' already reported its failure",
            job_id, attempt, by);
      }
    }
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    tx.Exec(
        "INSERT INTO job_failures (job_id, attempt, agent_id, error_log, "
        "exit_signal, failed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        job_id, int64_t{attempt}, agent_id, error_log, signal, now);
    pqxx::result counts = tx.Exec(
        "SELECT COUNT(DISTINCT agent_id), COUNT(*) FROM job_failures "
        "WHERE job_id = $1",
        job_id);
    int64_t distinct_agents = Int(counts[0][0]);
    int64_t failures = Int(counts[0][1]);
    if (distinct_agents >= max_failures ||
        failures >= int64_t{kAttemptsPerFailure} * max_failures) {
      tx.Exec(
          "UPDATE jobs SET state = 'failed', lease_expires_at = NULL, "
          "error_log = $1, exit_signal = $2, finished_at = $3, "
          "updated_at = $3 WHERE id = $4",
          error_log, signal, now, job_id);
    } else {
      tx.Exec(
          "UPDATE jobs SET state = 'queued', agent_id = NULL, "
          "lease_expires_at = NULL, error_log = $1, exit_signal = $2, "
          "updated_at = $3 WHERE id = $4",
          error_log, signal, now, job_id);
    }
    TouchAgentIn(tx, agent_id, now);
    return LoadJob(tx, job_id);
  });
}

Result<int64_t> PostgresStore::RequeueExpiredLeases(int64_t now) {
  return Write([&](Tx& tx) -> Result<int64_t> {
    // SKIP LOCKED: a job another transaction holds right now is being
    // heartbeated, finished, cancelled or requeued by another replica; it is
    // left to that transaction (or to the next call, if still expired).
    // Waiting for it instead would let two replicas requeuing at once
    // deadlock on each other's rows.
    pqxx::result r = tx.Exec(
        "UPDATE jobs SET state = 'queued', agent_id = NULL, "
        "lease_expires_at = NULL, updated_at = $1 WHERE id IN (SELECT id "
        "FROM jobs WHERE state IN ('leased', 'running') AND "
        "lease_expires_at <= $1 ORDER BY id FOR UPDATE SKIP LOCKED)",
        now);
    return static_cast<int64_t>(r.affected_rows());
  });
}

Status PostgresStore::CancelJob(int64_t job_id, int64_t now) {
  return Write([&](Tx& tx) -> Status {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(tx, job_id, /*lock=*/true));
    if (job.state == JobState::kCancelled) return Status::Ok();
    if (IsFinished(job.state)) {
      return Conflict("job {} cannot be cancelled: it already {}", job_id,
                      JobStateName(job.state));
    }
    tx.Exec(
        "UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, "
        "finished_at = $1, updated_at = $1 WHERE id = $2",
        now, job_id);
    return Status::Ok();
  });
}

Result<int64_t> PostgresStore::CancelSubmission(int64_t submission_id,
                                                int64_t now) {
  return Write([&](Tx& tx) -> Result<int64_t> {
    if (tx.Exec("SELECT 1 FROM submissions WHERE id = $1", submission_id)
            .empty()) {
      return NotFound("submission {} not found", submission_id);
    }
    // Locks the jobs in id order, so that two cancels of one submission
    // cannot deadlock.
    pqxx::result r = tx.Exec(
        "UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, "
        "finished_at = $1, updated_at = $1 WHERE id IN (SELECT id FROM jobs "
        "WHERE submission_id = $2 AND state IN ('queued', 'leased', "
        "'running') ORDER BY id FOR UPDATE)",
        now, submission_id);
    return static_cast<int64_t>(r.affected_rows());
  });
}

// --- queries -----------------------------------------------------------------

Result<Job> PostgresStore::GetJob(int64_t job_id) {
  return Read([&](Tx& tx) { return LoadJob(tx, job_id); });
}

Result<std::vector<Job>> PostgresStore::JobsOfSubmission(
    int64_t submission_id) {
  return Read([&](Tx& tx) -> Result<std::vector<Job>> {
    if (tx.Exec("SELECT 1 FROM submissions WHERE id = $1", submission_id)
            .empty()) {
      return NotFound("submission {} not found", submission_id);
    }
    std::vector<Job> jobs;
    pqxx::result r = tx.Exec("SELECT " MAI_JOB_COLUMNS
                             " FROM jobs WHERE submission_id = $1 ORDER BY id",
                             submission_id);
    for (const pqxx::row& row : r) {
      MAI_ASSIGN_OR_RETURN(Job job, JobRow(row));
      jobs.push_back(std::move(job));
    }
    for (Job& job : jobs) LoadFailures(tx, job);
    return jobs;
  });
}

Result<JobView> PostgresStore::GetJobView(int64_t job_id) {
  return Read([&](Tx& tx) -> Result<JobView> {
    JobView view;
    MAI_ASSIGN_OR_RETURN(view.job, LoadJob(tx, job_id));
    pqxx::result owner =
        tx.Exec("SELECT participant_id FROM submissions WHERE id = $1",
                view.job.submission_id);
    if (owner.empty()) return Internal("job {} has no submission", job_id);
    view.participant_id = Int(owner[0][0]);
    if (view.job.state == JobState::kSucceeded) {
      pqxx::result r = tx.Exec(
          "SELECT " MAI_RESULT_COLUMNS
          "FROM results WHERE job_id = $1 ORDER BY attempt DESC LIMIT 1",
          job_id);
      if (!r.empty()) view.result = JobResultRow(r[0]);
    }
    return view;
  });
}

Result<std::vector<JobResult>> PostgresStore::ResultsOfJob(int64_t job_id) {
  return Read([&](Tx& tx) -> Result<std::vector<JobResult>> {
    if (tx.Exec("SELECT 1 FROM jobs WHERE id = $1", job_id).empty()) {
      return NotFound("job {} not found", job_id);
    }
    pqxx::result r = tx.Exec("SELECT " MAI_RESULT_COLUMNS
                             "FROM results WHERE job_id = $1 ORDER BY attempt",
                             job_id);
    std::vector<JobResult> out;
    for (const pqxx::row& row : r) out.push_back(JobResultRow(row));
    return out;
  });
}

Result<std::map<std::string, int64_t>> PostgresStore::QueueDepths() {
  return Read([&](Tx& tx) -> Result<std::map<std::string, int64_t>> {
    pqxx::result r = tx.Exec(
        "SELECT device_class, COUNT(*) FROM jobs WHERE state = 'queued' "
        "GROUP BY device_class");
    std::map<std::string, int64_t> out;
    for (const pqxx::row& row : r) out[Text(row[0])] = Int(row[1]);
    return out;
  });
}

Result<std::map<JobState, int64_t>> PostgresStore::JobCountsByState() {
  return Read([&](Tx& tx) -> Result<std::map<JobState, int64_t>> {
    std::map<JobState, int64_t> out;
    for (JobState s :
         {JobState::kQueued, JobState::kLeased, JobState::kRunning,
          JobState::kSucceeded, JobState::kFailed, JobState::kCancelled}) {
      out[s] = 0;
    }
    pqxx::result r = tx.Exec("SELECT state, COUNT(*) FROM jobs GROUP BY state");
    for (const pqxx::row& row : r) {
      MAI_ASSIGN_OR_RETURN(JobState s, ParseJobState(Text(row[0])));
      out[s] = Int(row[1]);
    }
    return out;
  });
}

Result<std::vector<JobDuration>> PostgresStore::RecentDurations(
    const std::string& device_class, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&](Tx& tx) -> Result<std::vector<JobDuration>> {
    pqxx::result r = tx.Exec(
        "SELECT id, kind, finished_at - leased_at, finished_at FROM jobs "
        "WHERE device_class = $1 AND state = 'succeeded' "
        "ORDER BY finished_at DESC, id DESC LIMIT $2",
        device_class, limit);
    std::vector<JobDuration> out;
    for (const pqxx::row& row : r) {
      JobDuration d;
      d.job_id = Int(row[0]);
      MAI_ASSIGN_OR_RETURN(d.kind, ParseJobKind(Text(row[1])));
      d.seconds = Int(row[2]);
      d.finished_at = Int(row[3]);
      out.push_back(d);
    }
    return out;
  });
}

}  // namespace

std::string PostgresUrlForDisplay(const std::string& url) {
  auto options = ConninfoOptions::Parse(url);
  if (!options.ok()) return "(malformed PostgreSQL url)";
  return DisplayName(options->Given());
}

Result<std::string> PostgresConninfoWith(
    const std::string& url,
    const std::map<std::string, std::string>& settings) {
  MAI_ASSIGN_OR_RETURN(ConninfoOptions options, ConninfoOptions::Parse(url));
  std::map<std::string, std::string> given = options.Given();
  for (const auto& [keyword, value] : settings) {
    if (!options.Knows(keyword)) {
      return InvalidArgument("unknown PostgreSQL connection setting '{}'",
                             keyword);
    }
    given[keyword] = value;
  }
  return ToConninfo(given);
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url) {
  return OpenPostgresStore(url, PostgresStoreOptions());
}

Result<std::unique_ptr<Store>> OpenPostgresStore(
    const std::string& url, const PostgresStoreOptions& options) {
  if (options.max_connections < 1) {
    return InvalidArgument("PostgreSQL store: max_connections {} is below 1",
                           options.max_connections);
  }
  if (url.empty()) return InvalidArgument("PostgreSQL url is empty");
  MAI_ASSIGN_OR_RETURN(ConninfoOptions parsed, ConninfoOptions::Parse(url));
  std::map<std::string, std::string> given = parsed.Given();
  std::string display = DisplayName(given);
  // Defaults for a server: give up connecting after 10 s rather than
  // hanging a request, exchange UTF-8, and show up as "mai" in
  // pg_stat_activity.
  given.emplace("connect_timeout", "10");
  given.emplace("client_encoding", "UTF8");
  given.emplace("application_name", "mai");
  auto store = std::make_unique<PostgresStore>(
      ToConninfo(given), std::move(display), options.max_connections);
  MAI_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mai::server

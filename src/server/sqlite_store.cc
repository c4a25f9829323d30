#include "server/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mai::server {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Read-only connections: status polls and other reads run in parallel with
// each other and with the writer.
constexpr int kReaders = 4;
constexpr int64_t kSecondsPerDay = 86400;

// Version 1. Every statement the store runs is one of the literals in this
// file, with values bound as parameters.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE participants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('participant', 'admin')),
  created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  participant_id INTEGER NOT NULL REFERENCES participants(id),
  hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('participant', 'agent')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX tokens_by_participant ON tokens(participant_id);
CREATE TABLE agents (
  id TEXT PRIMARY KEY NOT NULL,
  device_class TEXT NOT NULL,
  description TEXT NOT NULL,
  token_id INTEGER REFERENCES tokens(id),
  registered_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE TABLE submissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  participant_id INTEGER NOT NULL REFERENCES participants(id),
  track_id TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  model_bytes INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX submissions_by_participant
  ON submissions(participant_id, created_at);
CREATE INDEX submissions_by_track ON submissions(track_id, created_at);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  device_class TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('runtime', 'fidelity', 'sustained')),
  state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'running',
                                       'succeeded', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  agent_id TEXT REFERENCES agents(id),
  lease_expires_at INTEGER,
  leased_at INTEGER,
  first_leased_at INTEGER,
  error_log TEXT NOT NULL DEFAULT '',
  exit_signal INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  UNIQUE (submission_id, device_class, kind)
);
CREATE INDEX jobs_queue ON jobs(device_class, state, id);
CREATE INDEX jobs_leases ON jobs(state, lease_expires_at);
CREATE INDEX jobs_finished ON jobs(device_class, state, finished_at);
CREATE INDEX jobs_by_agent ON jobs(agent_id, state);
CREATE TABLE job_failures (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  attempt INTEGER NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  error_log TEXT NOT NULL,
  exit_signal INTEGER,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, attempt)
);
CREATE TABLE results (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  attempt INTEGER NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  result_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
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

// The first words of a statement, for error messages.
std::string SqlHead(const char* sql) {
  std::string_view s(sql == nullptr ? "" : sql);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  if (s.size() > 48) return std::string(s.substr(0, 48)) + "...";
  return std::string(s);
}

Status SqliteStatus(sqlite3* db, int rc, const std::string& context) {
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return IoError(
          "{}: the database is locked by another connection (waited {} ms): "
          "{}",
          context, kBusyTimeoutMs, message);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return IoError("{}: {}", context, message);
    default:
      return Internal("{}: sqlite error {}: {}", context, rc, message);
  }
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A prepared statement borrowed from the store's cache; reset (bindings
// cleared) when it goes out of scope. Bind* take parameters in order.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt, const std::string* context)
      : db_(db), stmt_(stmt), context_(context) {}
  Stmt(Stmt&& other) noexcept
      : db_(other.db_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        context_(other.context_),
        index_(other.index_),
        bind_rc_(other.bind_rc_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (stmt_ != nullptr) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  Stmt& BindInt(int64_t v) {
    Check(sqlite3_bind_int64(stmt_, ++index_, v));
    return *this;
  }
  Stmt& BindOptInt(std::optional<int64_t> v) {
    if (!v.has_value()) return BindNull();
    return BindInt(*v);
  }
  Stmt& BindText(std::string_view v) {
    // A null data pointer would bind SQL NULL, not ''.
    Check(sqlite3_bind_text(stmt_, ++index_, v.data() ? v.data() : "",
                            static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& BindNull() {
    Check(sqlite3_bind_null(stmt_, ++index_));
    return *this;
  }

  // True when a row is available, false when the statement is done.
  Result<bool> Step() {
    if (bind_rc_ != SQLITE_OK) return Error(bind_rc_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error(rc);
  }
  // Runs a statement that returns no rows.
  Status Run() {
    MAI_ASSIGN_OR_RETURN(bool row, Step());
    if (row) return Internal("{}: unexpected row from '{}'", *context_, Sql());
    return Status::Ok();
  }

  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> OptInt(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Int(col);
  }
  std::string Text(int col) {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    if (text == nullptr) return std::string();
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  std::string Sql() const { return SqlHead(sqlite3_sql(stmt_)); }
  Status Error(int rc) {
    return SqliteStatus(db_, rc, *context_ + " ('" + Sql() + "')");
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const std::string* context_;
  int index_ = 0;
  int bind_rc_ = SQLITE_OK;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path)
      : path_(std::move(path)), context_("store " + path_) {
    writer_.db = db;
  }
  ~SqliteStore() override {
    Close(writer_);
    for (auto& r : readers_) Close(*r);
  }

  // Pragmas and schema; run once by OpenSqliteStore before any other call.
  Status Init();
  // Read-only connections for Read transactions (after Init).
  Status OpenReaders(int count);

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
  // One connection with its statement cache. Its mutex is held for a whole
  // transaction.
  struct Conn {
    sqlite3* db = nullptr;
    std::mutex mu;
    std::unordered_map<std::string, sqlite3_stmt*> cache;
  };
  static void Close(Conn& c) {
    for (auto& [sql, stmt] : c.cache) sqlite3_finalize(stmt);
    c.cache.clear();
    sqlite3_close_v2(c.db);
    c.db = nullptr;
  }
  // The connection of the transaction this thread runs (one at a time).
  static thread_local Conn* current_;
  struct UseConn {
    explicit UseConn(Conn* c) : saved(std::exchange(current_, c)) {}
    ~UseConn() { current_ = saved; }
    Conn* saved;
  };
  sqlite3* Db() { return current_->db; }
  // A reader, locked: the first idle one, else the next in turn.
  std::unique_lock<std::mutex> LockReader(Conn** out) {
    for (auto& r : readers_) {
      std::unique_lock<std::mutex> lock(r->mu, std::try_to_lock);
      if (lock.owns_lock()) {
        *out = r.get();
        return lock;
      }
    }
    *out = readers_[next_reader_++ % readers_.size()].get();
    return std::unique_lock<std::mutex>((*out)->mu);
  }

  // The cached prepared statement for `sql` (a literal of this file), on
  // this thread's transaction's connection.
  Result<Stmt> Prepare(const char* sql);
  Status Exec(const char* sql) {
    MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
    return stmt.Run();
  }

  // Runs `body` in one transaction: writes on the writer connection with
  // BEGIN IMMEDIATE (takes the write lock up front, so two writers never
  // interleave read-then-update), reads on a read-only connection with
  // BEGIN (a WAL snapshot: they never wait for a write's commit and fsync).
  // Commits when `body` returns OK, rolls back otherwise.
  template <typename F>
  auto Transact(bool write, F&& body) -> decltype(body()) {
    Conn* conn = &writer_;
    std::unique_lock<std::mutex> lock;
    if (write || readers_.empty()) {
      lock = std::unique_lock<std::mutex>(writer_.mu);
    } else {
      lock = LockReader(&conn);
    }
    UseConn use(conn);
    MAI_RETURN_IF_ERROR(Exec(write ? "BEGIN IMMEDIATE" : "BEGIN"));
    auto result = body();
    if (!result.ok()) {
      (void)Exec("ROLLBACK");
      return result;
    }
    Status commit = Exec("COMMIT");
    if (!commit.ok()) {
      (void)Exec("ROLLBACK");
      return commit;
    }
    return result;
  }
  template <typename F>
  auto Write(F&& body) {
    return Transact(true, std::forward<F>(body));
  }
  template <typename F>
  auto Read(F&& body) {
    return Transact(false, std::forward<F>(body));
  }

  int64_t Changes() { return sqlite3_changes64(Db()); }

  // Row helpers; callers hold the mutex inside a transaction.
  Result<Participant> ParticipantRow(Stmt& stmt);
  Result<Token> TokenRow(Stmt& stmt, int first_col);
  Result<Job> JobRow(Stmt& stmt);
  Submission SubmissionRow(Stmt& stmt);
  Agent AgentRow(Stmt& stmt);
  // Columns MAI_RESULT_COLUMNS.
  JobResult JobResultRow(Stmt& stmt);
  Result<Participant> LoadParticipant(int64_t id);
  Status CheckParticipant(int64_t id) { return LoadParticipant(id).status(); }
  Result<Job> LoadJob(int64_t id);
  Status LoadFailures(Job& job);
  Status TouchAgentLocked(const std::string& agent_id, int64_t now);
  // OK when (attempt, agent_id) is the job's current lease.
  Status CheckLease(const Job& job, int attempt, const std::string& agent_id);

  Conn writer_;
  std::vector<std::unique_ptr<Conn>> readers_;
  std::atomic<size_t> next_reader_{0};
  std::string path_;
  std::string context_;  // "store <path>", prefix of database errors
};

thread_local SqliteStore::Conn* SqliteStore::current_ = nullptr;

Result<Stmt> SqliteStore::Prepare(const char* sql) {
  Conn& c = *current_;
  auto it = c.cache.find(sql);
  if (it == c.cache.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteStatus(c.db, rc,
                          context_ + ": preparing '" + SqlHead(sql) + "'");
    }
    it = c.cache.emplace(sql, stmt).first;
  }
  return Stmt(c.db, it->second, &context_);
}

Status SqliteStore::OpenReaders(int count) {
  for (int i = 0; i < count; ++i) {
    auto conn = std::make_unique<Conn>();
    int rc =
        sqlite3_open_v2(path_.c_str(), &conn->db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Status s = SqliteStatus(conn->db, rc, context_ + ": opening a reader");
      Close(*conn);
      return s;
    }
    sqlite3_extended_result_codes(conn->db, 1);
    sqlite3_busy_timeout(conn->db, kBusyTimeoutMs);
    readers_.push_back(std::move(conn));
  }
  return Status::Ok();
}

Status SqliteStore::Init() {
  std::lock_guard<std::mutex> lock(writer_.mu);
  UseConn use(&writer_);
  {
    // The first statement reads the file header: a file that is not a
    // database fails here (when preparing or stepping).
    std::string mode;
    Status first = [&]() -> Status {
      MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare("PRAGMA journal_mode=WAL"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) mode = stmt.Text(0);
      return Status::Ok();
    }();
    if (!first.ok()) {
      if ((sqlite3_errcode(Db()) & 0xff) == SQLITE_NOTADB) {
        return InvalidArgument("store '{}' is not a SQLite database", path_);
      }
      return first;
    }
    if (mode != "wal") {
      return IoError("store '{}': cannot use the WAL journal (mode is '{}')",
                     path_, mode);
    }
  }
  MAI_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  MAI_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
  {
    // Both are silently ignored in some builds and contexts: check.
    MAI_ASSIGN_OR_RETURN(Stmt stmt,
                         Prepare("SELECT synchronous, foreign_keys FROM "
                                 "pragma_synchronous, pragma_foreign_keys"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row || stmt.Int(0) != 2 || stmt.Int(1) != 1) {
      return Internal(
          "store '{}': SQLite refused synchronous=FULL or foreign_keys=ON",
          path_);
    }
  }

  MAI_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status status = [&]() -> Status {
    int64_t has_version = 0;
    int64_t tables = 0;
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("SELECT COUNT(*) FILTER (WHERE name = 'schema_version'), "
                  "COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
                  "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) {
        has_version = stmt.Int(0);
        tables = stmt.Int(1);
      }
    }
    if (has_version == 0) {
      if (tables > 0) {
        return InvalidArgument(
            "store '{}' is a SQLite database but not a mai store (it has "
            "tables but no schema_version)",
            path_);
      }
      int rc = sqlite3_exec(Db(), kSchemaV1, nullptr, nullptr, nullptr);
      if (rc != SQLITE_OK) {
        return SqliteStatus(Db(), rc, context_ + ": creating the schema");
      }
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("INSERT INTO schema_version (version) VALUES (?)"));
      return stmt.BindInt(kSqliteSchemaVersion).Run();
    }
    MAI_ASSIGN_OR_RETURN(Stmt stmt,
                         Prepare("SELECT MAX(version) FROM schema_version"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
    std::optional<int64_t> version =
        row ? stmt.OptInt(0) : std::optional<int64_t>();
    if (!version.has_value()) {
      return InvalidArgument("store '{}': schema_version is empty", path_);
    }
    if (*version > kSqliteSchemaVersion) {
      return InvalidArgument(
          "store '{}' has schema version {}, newer than this mai supports "
          "({}); use a newer mai",
          path_, *version, kSqliteSchemaVersion);
    }
    if (*version < kSqliteSchemaVersion) {
      return InvalidArgument("store '{}' has unknown schema version {}", path_,
                             *version);
    }
    return Status::Ok();
  }();
  if (!status.ok()) {
    (void)Exec("ROLLBACK");
    return status;
  }
  return Exec("COMMIT");
}

// --- rows --------------------------------------------------------------------

Result<Participant> SqliteStore::ParticipantRow(Stmt& stmt) {
  Participant p;
  p.id = stmt.Int(0);
  p.name = stmt.Text(1);
  MAI_ASSIGN_OR_RETURN(p.role, ParseRole(stmt.Text(2)));
  p.created_at = stmt.Int(3);
  return p;
}

Result<Token> SqliteStore::TokenRow(Stmt& stmt, int c) {
  Token t;
  t.id = stmt.Int(c + 0);
  t.participant_id = stmt.Int(c + 1);
  t.hash = stmt.Text(c + 2);
  MAI_ASSIGN_OR_RETURN(t.kind, ParseTokenKind(stmt.Text(c + 3)));
  t.created_at = stmt.Int(c + 4);
  t.revoked_at = stmt.OptInt(c + 5);
  return t;
}

Result<Job> SqliteStore::JobRow(Stmt& stmt) {
  Job j;
  j.id = stmt.Int(0);
  j.submission_id = stmt.Int(1);
  j.device_class = stmt.Text(2);
  MAI_ASSIGN_OR_RETURN(j.kind, ParseJobKind(stmt.Text(3)));
  MAI_ASSIGN_OR_RETURN(j.state, ParseJobState(stmt.Text(4)));
  j.attempt = static_cast<int>(stmt.Int(5));
  j.agent_id = stmt.Text(6);
  j.lease_expires_at = stmt.OptInt(7);
  j.leased_at = stmt.OptInt(8);
  j.first_leased_at = stmt.OptInt(9);
  j.error_log = stmt.Text(10);
  if (auto sig = stmt.OptInt(11)) j.exit_signal = static_cast<int>(*sig);
  j.created_at = stmt.Int(12);
  j.updated_at = stmt.Int(13);
  j.finished_at = stmt.OptInt(14);
  return j;
}

Submission SqliteStore::SubmissionRow(Stmt& stmt) {
  Submission s;
  s.id = stmt.Int(0);
  s.participant_id = stmt.Int(1);
  s.track_id = stmt.Text(2);
  s.model_sha256 = stmt.Text(3);
  s.model_bytes = stmt.Int(4);
  s.file_name = stmt.Text(5);
  s.created_at = stmt.Int(6);
  return s;
}

Agent SqliteStore::AgentRow(Stmt& stmt) {
  Agent a;
  a.id = stmt.Text(0);
  a.device_class = stmt.Text(1);
  a.description_json = stmt.Text(2);
  a.token_id = stmt.OptInt(3);
  a.registered_at = stmt.Int(4);
  a.last_seen = stmt.Int(5);
  a.active_jobs = stmt.Int(6);
  return a;
}

JobResult SqliteStore::JobResultRow(Stmt& stmt) {
  JobResult r;
  r.job_id = stmt.Int(0);
  r.attempt = static_cast<int>(stmt.Int(1));
  r.agent_id = stmt.Text(2);
  r.result_json = stmt.Text(3);
  r.created_at = stmt.Int(4);
  return r;
}

Result<Participant> SqliteStore::LoadParticipant(int64_t id) {
  MAI_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT id, name, role, created_at FROM participants "
                         "WHERE id = ?"));
  MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(id).Step());
  if (!row) return NotFound("participant {} not found", id);
  return ParticipantRow(stmt);
}

Result<Job> SqliteStore::LoadJob(int64_t id) {
  Job job;
  {
    MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " MAI_JOB_COLUMNS
                                            " FROM jobs WHERE id = ?"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(id).Step());
    if (!row) return NotFound("job {} not found", id);
    MAI_ASSIGN_OR_RETURN(job, JobRow(stmt));
  }
  MAI_RETURN_IF_ERROR(LoadFailures(job));
  return job;
}

Status SqliteStore::LoadFailures(Job& job) {
  MAI_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT attempt, agent_id, error_log, exit_signal, failed_at "
              "FROM job_failures WHERE job_id = ? ORDER BY attempt"));
  stmt.BindInt(job.id);
  job.failures.clear();
  while (true) {
    MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    JobFailure f;
    f.attempt = stmt.Int(0);
    f.agent_id = stmt.Text(1);
    f.error_log = stmt.Text(2);
    if (auto sig = stmt.OptInt(3)) f.exit_signal = static_cast<int>(*sig);
    f.failed_at = stmt.Int(4);
    job.failures.push_back(std::move(f));
  }
  return Status::Ok();
}

Status SqliteStore::TouchAgentLocked(const std::string& agent_id, int64_t now) {
  MAI_ASSIGN_OR_RETURN(Stmt stmt,
                       Prepare("UPDATE agents SET last_seen = ? WHERE id = ?"));
  return stmt.BindInt(now).BindText(agent_id).Run();
}

// A class with fewer agents than max_failures would retry a failing job
// forever: after kAttemptsPerFailure * max_failures failed attempts in all
// it fails anyway.
constexpr int kAttemptsPerFailure = 2;

Status SqliteStore::CheckLease(const Job& job, int attempt,
                               const std::string& agent_id) {
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

// --- participants and tokens -------------------------------------------------

Result<Participant> SqliteStore::CreateParticipant(const std::string& name,
                                                   Role role, int64_t now) {
  if (name.empty()) return InvalidArgument("participant name is empty");
  return Write([&]() -> Result<Participant> {
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt, Prepare("SELECT 1 FROM participants WHERE name = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(name).Step());
      if (row) return Taken("participant name '{}' is already taken", name);
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("INSERT INTO participants (name, role, created_at) "
                           "VALUES (?, ?, ?)"));
    MAI_RETURN_IF_ERROR(
        stmt.BindText(name).BindText(RoleName(role)).BindInt(now).Run());
    Participant p;
    p.id = sqlite3_last_insert_rowid(Db());
    p.name = name;
    p.role = role;
    p.created_at = now;
    return p;
  });
}

Result<Participant> SqliteStore::GetParticipant(int64_t id) {
  return Read([&]() { return LoadParticipant(id); });
}

Result<Participant> SqliteStore::GetParticipantByName(const std::string& name) {
  return Read([&]() -> Result<Participant> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT id, name, role, created_at FROM participants "
                "WHERE name = ?"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(name).Step());
    if (!row) return NotFound("participant '{}' not found", name);
    return ParticipantRow(stmt);
  });
}

Result<std::vector<Participant>> SqliteStore::ListParticipants() {
  return Read([&]() -> Result<std::vector<Participant>> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT id, name, role, created_at FROM participants "
                "ORDER BY id"));
    std::vector<Participant> out;
    for (;;) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      MAI_ASSIGN_OR_RETURN(Participant p, ParticipantRow(stmt));
      out.push_back(std::move(p));
    }
    return out;
  });
}

Result<Token> SqliteStore::AddToken(int64_t participant_id,
                                    const std::string& token_hash,
                                    TokenKind kind, int64_t now) {
  if (token_hash.empty()) return InvalidArgument("token hash is empty");
  return Write([&]() -> Result<Token> {
    MAI_RETURN_IF_ERROR(CheckParticipant(participant_id));
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT 1 FROM tokens WHERE hash = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(token_hash).Step());
      // Never quote the hash.
      if (row) return Taken("a token with this hash already exists");
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("INSERT INTO tokens (participant_id, hash, kind, created_at) "
                "VALUES (?, ?, ?, ?)"));
    MAI_RETURN_IF_ERROR(stmt.BindInt(participant_id)
                            .BindText(token_hash)
                            .BindText(TokenKindName(kind))
                            .BindInt(now)
                            .Run());
    Token t;
    t.id = sqlite3_last_insert_rowid(Db());
    t.participant_id = participant_id;
    t.hash = token_hash;
    t.kind = kind;
    t.created_at = now;
    return t;
  });
}

Status SqliteStore::RevokeToken(int64_t token_id, int64_t now) {
  return Write([&]() -> Status {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) "
                "WHERE id = ?"));
    MAI_RETURN_IF_ERROR(stmt.BindInt(now).BindInt(token_id).Run());
    if (Changes() == 0) return NotFound("token {} not found", token_id);
    return Status::Ok();
  });
}

Result<std::vector<Token>> SqliteStore::TokensOfParticipant(
    int64_t participant_id) {
  return Read([&]() -> Result<std::vector<Token>> {
    MAI_RETURN_IF_ERROR(CheckParticipant(participant_id));
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT " MAI_TOKEN_COLUMNS
                " FROM tokens WHERE participant_id = ? ORDER BY id"));
    stmt.BindInt(participant_id);
    std::vector<Token> tokens;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      MAI_ASSIGN_OR_RETURN(Token t, TokenRow(stmt, 0));
      tokens.push_back(std::move(t));
    }
    return tokens;
  });
}

Result<Credential> SqliteStore::LookupToken(const std::string& token_hash) {
  return Read([&]() -> Result<Credential> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT p.id, p.name, p.role, p.created_at, t.id, "
                "t.participant_id, t.hash, t.kind, t.created_at, t.revoked_at "
                "FROM tokens t JOIN participants p ON p.id = t.participant_id "
                "WHERE t.hash = ? AND t.revoked_at IS NULL"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(token_hash).Step());
    if (!row) return NotFound("unknown or revoked token");
    Credential c;
    MAI_ASSIGN_OR_RETURN(c.participant, ParticipantRow(stmt));
    MAI_ASSIGN_OR_RETURN(c.token, TokenRow(stmt, 4));
    return c;
  });
}

// --- submissions -------------------------------------------------------------

Result<Submission> SqliteStore::CreateSubmission(
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
  return Write([&]() -> Result<Submission> {
    MAI_ASSIGN_OR_RETURN(Participant p, LoadParticipant(s.participant_id));
    if (quota.has_value()) {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("SELECT COUNT(*) FROM submissions WHERE participant_id = ? "
                  "AND created_at >= ? AND created_at < ?"));
      MAI_ASSIGN_OR_RETURN(bool row,
                           stmt.BindInt(p.id)
                               .BindInt(quota->day_start)
                               .BindInt(quota->day_start + kSecondsPerDay)
                               .Step());
      int64_t used = row ? stmt.Int(0) : 0;
      if (used >= quota->limit) {
        return OutOfRange(
            "participant '{}' has used the daily quota ({} of {} "
            "submissions)",
            p.name, used, quota->limit);
      }
    }
    Submission out;
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("INSERT INTO submissions (participant_id, track_id, "
                  "model_sha256, model_bytes, file_name, created_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
      MAI_RETURN_IF_ERROR(stmt.BindInt(p.id)
                              .BindText(s.track_id)
                              .BindText(s.model_sha256)
                              .BindInt(s.model_bytes)
                              .BindText(s.file_name)
                              .BindInt(now)
                              .Run());
      out.id = sqlite3_last_insert_rowid(Db());
    }
    for (const JobSpec& spec : s.jobs) {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("INSERT INTO jobs (submission_id, device_class, kind, "
                  "state, created_at, updated_at) "
                  "VALUES (?, ?, ?, 'queued', ?, ?)"));
      MAI_RETURN_IF_ERROR(stmt.BindInt(out.id)
                              .BindText(spec.device_class)
                              .BindText(JobKindName(spec.kind))
                              .BindInt(now)
                              .BindInt(now)
                              .Run());
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

Result<Submission> SqliteStore::GetSubmission(int64_t id) {
  return Read([&]() -> Result<Submission> {
    MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " MAI_SUBMISSION_COLUMNS
                                            " FROM submissions WHERE id = ?"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(id).Step());
    if (!row) return NotFound("submission {} not found", id);
    return SubmissionRow(stmt);
  });
}

Result<std::vector<Submission>> SqliteStore::SubmissionsOfParticipant(
    int64_t participant_id, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&]() -> Result<std::vector<Submission>> {
    MAI_RETURN_IF_ERROR(CheckParticipant(participant_id));
    MAI_ASSIGN_OR_RETURN(Stmt stmt,
                         Prepare("SELECT " MAI_SUBMISSION_COLUMNS
                                 " FROM submissions WHERE participant_id = ? "
                                 "ORDER BY created_at DESC, id DESC LIMIT ?"));
    stmt.BindInt(participant_id).BindInt(limit);
    std::vector<Submission> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(SubmissionRow(stmt));
    }
    return out;
  });
}

Result<std::vector<Submission>> SqliteStore::SubmissionsOfTrack(
    const std::string& track_id, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&]() -> Result<std::vector<Submission>> {
    MAI_ASSIGN_OR_RETURN(Stmt stmt,
                         Prepare("SELECT " MAI_SUBMISSION_COLUMNS
                                 " FROM submissions WHERE track_id = ? "
                                 "ORDER BY created_at DESC, id DESC LIMIT ?"));
    stmt.BindText(track_id).BindInt(limit);
    std::vector<Submission> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(SubmissionRow(stmt));
    }
    return out;
  });
}

Result<int64_t> SqliteStore::CountSubmissionsInDay(int64_t participant_id,
                                                   int64_t day_start) {
  return Read([&]() -> Result<int64_t> {
    MAI_RETURN_IF_ERROR(CheckParticipant(participant_id));
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT COUNT(*) FROM submissions WHERE participant_id = ? "
                "AND created_at >= ? AND created_at < ?"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(participant_id)
                                       .BindInt(day_start)
                                       .BindInt(day_start + kSecondsPerDay)
                                       .Step());
    return row ? stmt.Int(0) : int64_t{0};
  });
}

// --- agents ------------------------------------------------------------------

Result<Agent> SqliteStore::RegisterAgent(const std::string& agent_id,
                                         const std::string& device_class,
                                         const std::string& description_json,
                                         std::optional<int64_t> token_id,
                                         int64_t now) {
  if (agent_id.empty()) return InvalidArgument("agent id is empty");
  if (device_class.empty()) {
    return InvalidArgument("agent '{}': empty device class", agent_id);
  }
  return Write([&]() -> Result<Agent> {
    if (token_id.has_value()) {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("SELECT kind, revoked_at FROM tokens WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(*token_id).Step());
      if (!row) return NotFound("token {} not found", *token_id);
      if (stmt.Text(0) != TokenKindName(TokenKind::kAgent)) {
        return InvalidArgument("token {} is not an agent token", *token_id);
      }
      if (stmt.OptInt(1).has_value()) {
        return InvalidArgument("token {} is revoked", *token_id);
      }
    }
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT 1 FROM agents WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(agent_id).Step());
      if (row) return Taken("agent '{}' is already registered", agent_id);
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("INSERT INTO agents (id, device_class, description, token_id, "
                "registered_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)"));
    MAI_RETURN_IF_ERROR(stmt.BindText(agent_id)
                            .BindText(device_class)
                            .BindText(description_json)
                            .BindOptInt(token_id)
                            .BindInt(now)
                            .BindInt(now)
                            .Run());
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

Result<Agent> SqliteStore::GetAgent(const std::string& agent_id) {
  return Read([&]() -> Result<Agent> {
    MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " MAI_AGENT_COLUMNS
                                            " FROM agents WHERE id = ?"));
    MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(agent_id).Step());
    if (!row) return NotFound("agent '{}' not found", agent_id);
    return AgentRow(stmt);
  });
}

Result<std::vector<Agent>> SqliteStore::ListAgents() {
  return Read([&]() -> Result<std::vector<Agent>> {
    MAI_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " MAI_AGENT_COLUMNS
                                            " FROM agents ORDER BY id"));
    std::vector<Agent> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(AgentRow(stmt));
    }
    return out;
  });
}

Status SqliteStore::TouchAgent(const std::string& agent_id, int64_t now) {
  return Write([&]() -> Status {
    MAI_RETURN_IF_ERROR(TouchAgentLocked(agent_id, now));
    if (Changes() == 0) return NotFound("agent '{}' not found", agent_id);
    return Status::Ok();
  });
}

// --- job lifecycle -----------------------------------------------------------

Result<std::optional<Job>> SqliteStore::LeaseJob(
    const std::string& agent_id, const std::string& device_class, int64_t now,
    int64_t lease_secs) {
  if (lease_secs <= 0) {
    return InvalidArgument("lease of {} s is not positive", lease_secs);
  }
  return Write([&]() -> Result<std::optional<Job>> {
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt, Prepare("SELECT device_class FROM agents WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindText(agent_id).Step());
      if (!row) return NotFound("agent '{}' not found", agent_id);
      std::string agent_class = stmt.Text(0);
      if (agent_class != device_class) {
        return InvalidArgument("agent '{}' serves device class '{}', not '{}'",
                               agent_id, agent_class, device_class);
      }
    }
    MAI_RETURN_IF_ERROR(TouchAgentLocked(agent_id, now));
    int64_t job_id = 0;
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt, Prepare("SELECT id FROM jobs WHERE device_class = ? AND "
                             "state = 'queued' ORDER BY EXISTS (SELECT 1 FROM "
                             "job_failures f WHERE f.job_id = jobs.id AND "
                             "f.agent_id = ?), id LIMIT 1"));
      MAI_ASSIGN_OR_RETURN(
          bool row, stmt.BindText(device_class).BindText(agent_id).Step());
      if (!row) return std::optional<Job>();
      job_id = stmt.Int(0);
    }
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("UPDATE jobs SET state = 'leased', attempt = attempt + 1, "
                  "agent_id = ?, lease_expires_at = ?, leased_at = ?, "
                  "first_leased_at = COALESCE(first_leased_at, ?), "
                  "updated_at = ? WHERE id = ? AND state = 'queued'"));
      MAI_RETURN_IF_ERROR(stmt.BindText(agent_id)
                              .BindInt(now + lease_secs)
                              .BindInt(now)
                              .BindInt(now)
                              .BindInt(now)
                              .BindInt(job_id)
                              .Run());
      if (Changes() != 1) {
        return Internal("{}: job {} left the queue while being leased",
                        context_, job_id);
      }
    }
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(job_id));
    return std::optional<Job>(std::move(job));
  });
}

Result<Job> SqliteStore::Heartbeat(int64_t job_id, int attempt,
                                   const std::string& agent_id, int64_t now,
                                   int64_t lease_secs) {
  if (lease_secs <= 0) {
    return InvalidArgument("lease of {} s is not positive", lease_secs);
  }
  return Write([&]() -> Result<Job> {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(job_id));
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("UPDATE jobs SET state = 'running', lease_expires_at = ?, "
                  "updated_at = ? WHERE id = ?"));
      MAI_RETURN_IF_ERROR(
          stmt.BindInt(now + lease_secs).BindInt(now).BindInt(job_id).Run());
    }
    MAI_RETURN_IF_ERROR(TouchAgentLocked(agent_id, now));
    return LoadJob(job_id);
  });
}

Status SqliteStore::CompleteJob(int64_t job_id, int attempt,
                                const std::string& agent_id,
                                const std::string& result_json, int64_t now) {
  if (result_json.empty()) {
    return InvalidArgument("job {}: empty result", job_id);
  }
  return Write([&]() -> Status {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(job_id));
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT agent_id FROM results "
                                   "WHERE job_id = ? AND attempt = ?"));
      MAI_ASSIGN_OR_RETURN(bool row,
                           stmt.BindInt(job_id).BindInt(attempt).Step());
      if (row) {
        std::string by = stmt.Text(0);
        if (by == agent_id) return Status::Ok();  // a retried post
        return Conflict(
            "job {} attempt {}: agent '{}' already posted its "
            "result",
            job_id, attempt, by);
      }
    }
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("INSERT INTO results (job_id, attempt, agent_id, "
                  "result_json, created_at) VALUES (?, ?, ?, ?, ?)"));
      MAI_RETURN_IF_ERROR(stmt.BindInt(job_id)
                              .BindInt(attempt)
                              .BindText(agent_id)
                              .BindText(result_json)
                              .BindInt(now)
                              .Run());
    }
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("UPDATE jobs SET state = 'succeeded', "
                  "lease_expires_at = NULL, finished_at = ?, updated_at = ? "
                  "WHERE id = ?"));
      MAI_RETURN_IF_ERROR(stmt.BindInt(now).BindInt(now).BindInt(job_id).Run());
    }
    return TouchAgentLocked(agent_id, now);
  });
}

Result<Job> SqliteStore::FailJob(int64_t job_id, int attempt,
                                 const std::string& agent_id,
                                 const std::string& error_log,
                                 std::optional<int> exit_signal, int64_t now,
                                 int max_failures) {
  if (max_failures < 1) {
    return InvalidArgument("max_failures {} is below 1", max_failures);
  }
  std::optional<int64_t> signal;
  if (exit_signal.has_value()) signal = *exit_signal;
  return Write([&]() -> Result<Job> {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(job_id));
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT agent_id FROM job_failures "
                                   "WHERE job_id = ? AND attempt = ?"));
      MAI_ASSIGN_OR_RETURN(bool row,
                           stmt.BindInt(job_id).BindInt(attempt).Step());
      if (row) {
        std::string by = stmt.Text(0);
        if (by == agent_id) return job;  // a retried post
        return Conflict(
            "job {} attempt {}: agent '{}' already reported its "
            "failure",
            job_id, attempt, by);
      }
    }
    MAI_RETURN_IF_ERROR(CheckLease(job, attempt, agent_id));
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("INSERT INTO job_failures (job_id, attempt, agent_id, "
                  "error_log, exit_signal, failed_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)"));
      MAI_RETURN_IF_ERROR(stmt.BindInt(job_id)
                              .BindInt(attempt)
                              .BindText(agent_id)
                              .BindText(error_log)
                              .BindOptInt(signal)
                              .BindInt(now)
                              .Run());
    }
    int64_t distinct_agents = 0, failures = 0;
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT COUNT(DISTINCT agent_id), COUNT(*) "
                                   "FROM job_failures WHERE job_id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(job_id).Step());
      distinct_agents = row ? stmt.Int(0) : 0;
      failures = row ? stmt.Int(1) : 0;
    }
    if (distinct_agents >= max_failures ||
        failures >= int64_t{kAttemptsPerFailure} * max_failures) {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("UPDATE jobs SET state = 'failed', lease_expires_at = NULL, "
                  "error_log = ?, exit_signal = ?, finished_at = ?, "
                  "updated_at = ? WHERE id = ?"));
      MAI_RETURN_IF_ERROR(stmt.BindText(error_log)
                              .BindOptInt(signal)
                              .BindInt(now)
                              .BindInt(now)
                              .BindInt(job_id)
                              .Run());
    } else {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("UPDATE jobs SET state = 'queued', agent_id = NULL, "
                  "lease_expires_at = NULL, error_log = ?, exit_signal = ?, "
                  "updated_at = ? WHERE id = ?"));
      MAI_RETURN_IF_ERROR(stmt.BindText(error_log)
                              .BindOptInt(signal)
                              .BindInt(now)
                              .BindInt(job_id)
                              .Run());
    }
    MAI_RETURN_IF_ERROR(TouchAgentLocked(agent_id, now));
    return LoadJob(job_id);
  });
}

Result<int64_t> SqliteStore::RequeueExpiredLeases(int64_t now) {
  return Write([&]() -> Result<int64_t> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("UPDATE jobs SET state = 'queued', agent_id = NULL, "
                           "lease_expires_at = NULL, updated_at = ? "
                           "WHERE state IN ('leased', 'running') AND "
                           "lease_expires_at <= ?"));
    MAI_RETURN_IF_ERROR(stmt.BindInt(now).BindInt(now).Run());
    return Changes();
  });
}

Status SqliteStore::CancelJob(int64_t job_id, int64_t now) {
  return Write([&]() -> Status {
    MAI_ASSIGN_OR_RETURN(Job job, LoadJob(job_id));
    if (job.state == JobState::kCancelled) return Status::Ok();
    if (IsFinished(job.state)) {
      return Conflict("job {} cannot be cancelled: it already {}", job_id,
                      JobStateName(job.state));
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, "
                "finished_at = ?, updated_at = ? WHERE id = ?"));
    return stmt.BindInt(now).BindInt(now).BindInt(job_id).Run();
  });
}

Result<int64_t> SqliteStore::CancelSubmission(int64_t submission_id,
                                              int64_t now) {
  return Write([&]() -> Result<int64_t> {
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT 1 FROM submissions WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(submission_id).Step());
      if (!row) return NotFound("submission {} not found", submission_id);
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("UPDATE jobs SET state = 'cancelled', lease_expires_at = NULL, "
                "finished_at = ?, updated_at = ? WHERE submission_id = ? AND "
                "state IN ('queued', 'leased', 'running')"));
    MAI_RETURN_IF_ERROR(
        stmt.BindInt(now).BindInt(now).BindInt(submission_id).Run());
    return Changes();
  });
}

// --- queries -----------------------------------------------------------------

Result<Job> SqliteStore::GetJob(int64_t job_id) {
  return Read([&]() { return LoadJob(job_id); });
}

Result<std::vector<Job>> SqliteStore::JobsOfSubmission(int64_t submission_id) {
  return Read([&]() -> Result<std::vector<Job>> {
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT 1 FROM submissions WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(submission_id).Step());
      if (!row) return NotFound("submission {} not found", submission_id);
    }
    std::vector<Job> jobs;
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt, Prepare("SELECT " MAI_JOB_COLUMNS
                             " FROM jobs WHERE submission_id = ? ORDER BY id"));
      stmt.BindInt(submission_id);
      while (true) {
        MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        MAI_ASSIGN_OR_RETURN(Job job, JobRow(stmt));
        jobs.push_back(std::move(job));
      }
    }
    for (Job& job : jobs) MAI_RETURN_IF_ERROR(LoadFailures(job));
    return jobs;
  });
}

Result<JobView> SqliteStore::GetJobView(int64_t job_id) {
  return Read([&]() -> Result<JobView> {
    JobView view;
    MAI_ASSIGN_OR_RETURN(view.job, LoadJob(job_id));
    {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("SELECT participant_id FROM submissions WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row,
                           stmt.BindInt(view.job.submission_id).Step());
      if (!row) return Internal("job {} has no submission", job_id);
      view.participant_id = stmt.Int(0);
    }
    if (view.job.state == JobState::kSucceeded) {
      MAI_ASSIGN_OR_RETURN(
          Stmt stmt,
          Prepare("SELECT " MAI_RESULT_COLUMNS
                  "FROM results WHERE job_id = ? ORDER BY attempt DESC "
                  "LIMIT 1"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(job_id).Step());
      if (row) view.result = JobResultRow(stmt);
    }
    return view;
  });
}

Result<std::vector<JobResult>> SqliteStore::ResultsOfJob(int64_t job_id) {
  return Read([&]() -> Result<std::vector<JobResult>> {
    {
      MAI_ASSIGN_OR_RETURN(Stmt stmt,
                           Prepare("SELECT 1 FROM jobs WHERE id = ?"));
      MAI_ASSIGN_OR_RETURN(bool row, stmt.BindInt(job_id).Step());
      if (!row) return NotFound("job {} not found", job_id);
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT " MAI_RESULT_COLUMNS
                           "FROM results WHERE job_id = ? ORDER BY attempt"));
    stmt.BindInt(job_id);
    std::vector<JobResult> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(JobResultRow(stmt));
    }
    return out;
  });
}

Result<std::map<std::string, int64_t>> SqliteStore::QueueDepths() {
  return Read([&]() -> Result<std::map<std::string, int64_t>> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT device_class, COUNT(*) FROM jobs "
                           "WHERE state = 'queued' GROUP BY device_class"));
    std::map<std::string, int64_t> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out[stmt.Text(0)] = stmt.Int(1);
    }
    return out;
  });
}

Result<std::map<JobState, int64_t>> SqliteStore::JobCountsByState() {
  return Read([&]() -> Result<std::map<JobState, int64_t>> {
    std::map<JobState, int64_t> out;
    for (JobState s :
         {JobState::kQueued, JobState::kLeased, JobState::kRunning,
          JobState::kSucceeded, JobState::kFailed, JobState::kCancelled}) {
      out[s] = 0;
    }
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      MAI_ASSIGN_OR_RETURN(JobState s, ParseJobState(stmt.Text(0)));
      out[s] = stmt.Int(1);
    }
    return out;
  });
}

Result<std::vector<JobDuration>> SqliteStore::RecentDurations(
    const std::string& device_class, int64_t limit) {
  if (limit <= 0) return InvalidArgument("limit {} is not positive", limit);
  return Read([&]() -> Result<std::vector<JobDuration>> {
    MAI_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT id, kind, finished_at - leased_at, finished_at "
                "FROM jobs WHERE device_class = ? AND state = 'succeeded' "
                "ORDER BY finished_at DESC, id DESC LIMIT ?"));
    stmt.BindText(device_class).BindInt(limit);
    std::vector<JobDuration> out;
    while (true) {
      MAI_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      JobDuration d;
      d.job_id = stmt.Int(0);
      MAI_ASSIGN_OR_RETURN(d.kind, ParseJobKind(stmt.Text(1)));
      d.seconds = stmt.Int(2);
      d.finished_at = stmt.Int(3);
      out.push_back(d);
    }
    return out;
  });
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return InvalidArgument(
        "store path '{}' must name a file (WAL needs one; no URIs)", path);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string message =
        db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return IoError("cannot open store '{}': {}", path, message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto store = std::make_unique<SqliteStore>(db, path);
  MAI_RETURN_IF_ERROR(store->Init());
  MAI_RETURN_IF_ERROR(store->OpenReaders(kReaders));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace mai::server

// The evaluation server's persistent store: participants and their API
// tokens, submissions, device agents, jobs and their results, and the job
// lifecycle (lease, heartbeat, complete, fail, expire, cancel).
//
// `Store` is abstract: OpenSqliteStore (server/sqlite_store.h, one server)
// and OpenPostgresStore (server/postgres_store.h, several server replicas
// sharing one database) implement it and run the same tests
// (tests/server/store_test.cc).
//
// Contracts every implementation keeps:
//   - Every method is one transaction: it happens completely or not at all,
//     and a method that returns OK has made its change durable.
//   - Every method may be called from any thread at any time.
//   - Times are int64_t seconds since the epoch passed in by the caller
//     (`now`); the store never reads the clock.
//   - The store never sees raw API tokens, only their hashes.
//
// Errors (Status codes):
//   kNotFound         an id (or token hash) that names no row;
//   kInvalidArgument  a malformed value (empty name, bad sha256, lease_secs
//                     <= 0, an agent asking for another device class...);
//   kConflict         a name, id or hash already taken, or a request that
//                     conflicts with the current state: a stale attempt, an
//                     agent that does not hold the lease, a job that was
//                     cancelled or has finished. The message says which; a
//                     refused call changes nothing (HTTP 409);
//   kOutOfRange       a participant's daily submission quota is spent;
//   kIoError          the database cannot be read or written (disk full,
//                     locked by another process past the busy timeout);
//   kInternal         the database holds or reported something unexpected.
//
// Job lifecycle (every lease bumps `attempt`):
//
//   queued          --LeaseJob-->             leased (attempt + 1)
//   leased, running --Heartbeat-->            running (lease extended)
//   leased, running --CompleteJob-->          succeeded
//   leased, running --FailJob-->              queued; failed once
//                                             max_failures distinct agents
//                                             have failed it
//   leased, running --RequeueExpiredLeases--> queued (lease expired)
//   queued, leased, running --CancelJob-->    cancelled
//
// An agent names (job, attempt) in every call, so a call from an earlier
// lease of a re-leased job is refused. Delivery is at-least-once: an agent
// that disappears loses its lease when it expires and the job runs again
// elsewhere.
#ifndef MAI_SERVER_STORE_H_
#define MAI_SERVER_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mai::server {

enum class Role { kParticipant, kAdmin };
enum class TokenKind { kParticipant, kAgent };
enum class JobKind { kRuntime, kFidelity, kSustained };
enum class JobState {
  kQueued,
  kLeased,
  kRunning,
  kSucceeded,
  kFailed,
  kCancelled
};

// Lower-case names as stored and shown ("participant", "agent", "runtime",
// "queued"...); the parsers refuse anything else with kInvalidArgument.
const char* RoleName(Role role);
const char* TokenKindName(TokenKind kind);
const char* JobKindName(JobKind kind);
const char* JobStateName(JobState state);
Result<Role> ParseRole(std::string_view name);
Result<TokenKind> ParseTokenKind(std::string_view name);
Result<JobKind> ParseJobKind(std::string_view name);
Result<JobState> ParseJobState(std::string_view name);

// succeeded, failed or cancelled: nothing will happen to the job any more.
bool IsFinished(JobState state);

struct Participant {
  int64_t id = 0;
  std::string name;  // unique
  Role role = Role::kParticipant;
  int64_t created_at = 0;
};

// An API token, by hash. Agent tokens belong to the participant (usually an
// admin) who created them.
struct Token {
  int64_t id = 0;
  int64_t participant_id = 0;
  std::string hash;  // unique; computed outside the store
  TokenKind kind = TokenKind::kParticipant;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;  // set once revoked
};

// What a valid (known, unrevoked) token authenticates.
struct Credential {
  Token token;
  Participant participant;
};

// A device agent. The server chooses `id`; `token_id` is the agent token it
// registered with, if any.
struct Agent {
  std::string id;
  std::string device_class;
  std::string description_json;  // CPU, cores, ISA, memory, backends...
  std::optional<int64_t> token_id;
  int64_t registered_at = 0;
  int64_t last_seen = 0;    // updated by every lease, heartbeat, result
  int64_t active_jobs = 0;  // jobs it holds leased or running (read only)
};

// One job to create with a submission.
struct JobSpec {
  std::string device_class;
  JobKind kind = JobKind::kRuntime;
};

struct NewSubmission {
  int64_t participant_id = 0;
  std::string track_id;
  std::string model_sha256;  // 64 lower-case hex digits
  int64_t model_bytes = 0;
  std::string file_name;  // as uploaded; display only
  // At least one; no (device_class, kind) twice.
  std::vector<JobSpec> jobs;
};

struct Submission {
  int64_t id = 0;
  int64_t participant_id = 0;
  std::string track_id;
  std::string model_sha256;
  int64_t model_bytes = 0;
  std::string file_name;
  int64_t created_at = 0;
};

// Refuses a submission (kOutOfRange) when the participant already has
// `limit` submissions created in [day_start, day_start + 86400).
struct DailyQuota {
  int64_t day_start = 0;
  int64_t limit = 0;
};

// One failed attempt of a job.
struct JobFailure {
  int64_t attempt = 0;
  std::string agent_id;
  std::string error_log;
  std::optional<int> exit_signal;
  int64_t failed_at = 0;
};

struct Job {
  int64_t id = 0;
  int64_t submission_id = 0;
  std::string device_class;
  JobKind kind = JobKind::kRuntime;
  JobState state = JobState::kQueued;
  int attempt = 0;  // leases so far; the current lease's attempt
  // The lease holder while leased/running; the agent that ran the last
  // attempt once succeeded, failed or cancelled; empty while queued.
  std::string agent_id;
  std::optional<int64_t> lease_expires_at;  // only while leased/running
  std::optional<int64_t> leased_at;         // start of the latest lease
  std::optional<int64_t> first_leased_at;   // start of the first lease
  std::vector<JobFailure> failures;         // oldest first
  std::string error_log;                    // of the latest failure
  std::optional<int> exit_signal;           // of the latest failure
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> finished_at;  // once succeeded, failed, cancelled
};

struct JobResult {
  int64_t job_id = 0;
  int attempt = 0;
  std::string agent_id;
  std::string result_json;
  int64_t created_at = 0;
};

// A job as its participant reads it (GetJobView): the job, the participant
// whose submission it belongs to, and the result of its latest attempt
// when it succeeded.
struct JobView {
  Job job;
  int64_t participant_id = 0;
  std::optional<JobResult> result;
};

// A succeeded job's device time: finished_at - leased_at of the attempt that
// succeeded (failed attempts and queueing excluded).
struct JobDuration {
  int64_t job_id = 0;
  JobKind kind = JobKind::kRuntime;
  int64_t seconds = 0;
  int64_t finished_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- participants and tokens -----------------------------------------------

  // Errors: empty name; name already taken.
  virtual Result<Participant> CreateParticipant(const std::string& name,
                                                Role role, int64_t now) = 0;
  virtual Result<Participant> GetParticipant(int64_t id) = 0;
  virtual Result<Participant> GetParticipantByName(const std::string& name) = 0;
  // Every participant, by id.
  virtual Result<std::vector<Participant>> ListParticipants() = 0;

  // Errors: unknown participant; empty hash; hash already present.
  virtual Result<Token> AddToken(int64_t participant_id,
                                 const std::string& token_hash, TokenKind kind,
                                 int64_t now) = 0;
  // Revoking a revoked token is OK and keeps the first revocation time.
  virtual Status RevokeToken(int64_t token_id, int64_t now) = 0;
  virtual Result<std::vector<Token>> TokensOfParticipant(
      int64_t participant_id) = 0;
  // kNotFound for an unknown or revoked hash (the message never says
  // which, nor quotes the hash).
  virtual Result<Credential> LookupToken(const std::string& token_hash) = 0;

  // --- submissions -----------------------------------------------------------

  // Creates the submission and one queued job per JobSpec. With a quota, the
  // count and the insert are one transaction (two uploads racing for the
  // last slot cannot both win). Errors: unknown participant; empty track or
  // device class; malformed sha256; negative size; no jobs or a repeated
  // (device_class, kind); quota spent (kOutOfRange).
  virtual Result<Submission> CreateSubmission(
      const NewSubmission& submission, int64_t now,
      std::optional<DailyQuota> quota) = 0;
  virtual Result<Submission> GetSubmission(int64_t id) = 0;
  // Newest first (created_at, then id), at most `limit` (> 0).
  virtual Result<std::vector<Submission>> SubmissionsOfParticipant(
      int64_t participant_id, int64_t limit) = 0;
  // A track's submissions, newest first, at most `limit` (> 0): what a
  // leaderboard ranks.
  virtual Result<std::vector<Submission>> SubmissionsOfTrack(
      const std::string& track_id, int64_t limit) = 0;
  // Submissions with created_at in [day_start, day_start + 86400).
  virtual Result<int64_t> CountSubmissionsInDay(int64_t participant_id,
                                                int64_t day_start) = 0;

  // --- agents ----------------------------------------------------------------

  // Errors: empty id or device class; id already registered; unknown token.
  virtual Result<Agent> RegisterAgent(const std::string& agent_id,
                                      const std::string& device_class,
                                      const std::string& description_json,
                                      std::optional<int64_t> token_id,
                                      int64_t now) = 0;
  virtual Result<Agent> GetAgent(const std::string& agent_id) = 0;
  virtual Result<std::vector<Agent>> ListAgents() = 0;  // by id
  // Records that the agent is alive (last_seen = now).
  virtual Status TouchAgent(const std::string& agent_id, int64_t now) = 0;

  // --- job lifecycle ---------------------------------------------------------

  // Leases the oldest queued job (lowest id) of `device_class` to the agent,
  // jobs this agent has failed before coming last (another agent should
  // try them): state leased, attempt + 1, lease_expires_at = now +
  // lease_secs. Returns nullopt when none is queued. Concurrent calls never
  // lease the same job.
  // Errors: lease_secs <= 0; unknown agent; an agent of another class.
  virtual Result<std::optional<Job>> LeaseJob(const std::string& agent_id,
                                              const std::string& device_class,
                                              int64_t now,
                                              int64_t lease_secs) = 0;

  // Extends the lease to now + lease_secs and marks the job running (the
  // first heartbeat is the start). Only the lease holder with the current
  // attempt may; a heartbeat after expiry is accepted as long as the job has
  // not been requeued. Errors: unknown job; stale attempt; another agent;
  // the job is not leased/running (requeued, cancelled, finished).
  virtual Result<Job> Heartbeat(int64_t job_id, int attempt,
                                const std::string& agent_id, int64_t now,
                                int64_t lease_secs) = 0;

  // Stores the result of (job, attempt) and marks the job succeeded. Posting
  // the same (job, attempt) again from the same agent returns OK and changes
  // nothing (the first result stays). Errors, changing nothing: unknown job;
  // cancelled job; stale attempt; another agent; job not leased/running.
  virtual Status CompleteJob(int64_t job_id, int attempt,
                             const std::string& agent_id,
                             const std::string& result_json, int64_t now) = 0;

  // Records a failed attempt (error log, exit signal if a signal killed
  // it). When `max_failures` (>= 1) DIFFERENT agents have now failed the
  // job, or it has failed 2 * max_failures times in all (a class with
  // fewer agents would retry it forever), it is marked failed; otherwise
  // it is requeued for another agent.
  // Failing the same (job, attempt) again from the same agent returns the
  // job unchanged. Errors as CompleteJob. Returns the job afterwards.
  virtual Result<Job> FailJob(int64_t job_id, int attempt,
                              const std::string& agent_id,
                              const std::string& error_log,
                              std::optional<int> exit_signal, int64_t now,
                              int max_failures) = 0;

  // Requeues every leased/running job whose lease_expires_at <= now (the
  // attempt is not counted as a failure). Returns how many.
  virtual Result<int64_t> RequeueExpiredLeases(int64_t now) = 0;

  // queued/leased/running -> cancelled. Cancelling a cancelled job is OK.
  // Errors: unknown job; job already succeeded or failed.
  virtual Status CancelJob(int64_t job_id, int64_t now) = 0;
  // Cancels every unfinished job of the submission; returns how many.
  virtual Result<int64_t> CancelSubmission(int64_t submission_id,
                                           int64_t now) = 0;

  // --- queries ---------------------------------------------------------------

  virtual Result<Job> GetJob(int64_t job_id) = 0;
  virtual Result<std::vector<Job>> JobsOfSubmission(
      int64_t submission_id) = 0;  // by id
  // GetJob, the submission's participant and the latest result in one read
  // transaction (a status poll's whole store work). kNotFound for an
  // unknown job.
  virtual Result<JobView> GetJobView(int64_t job_id) = 0;
  virtual Result<std::vector<JobResult>> ResultsOfJob(
      int64_t job_id) = 0;  // by attempt
  // Queued jobs per device class (classes with none are absent).
  virtual Result<std::map<std::string, int64_t>> QueueDepths() = 0;
  // Jobs per state; every state present, 0 when none.
  virtual Result<std::map<JobState, int64_t>> JobCountsByState() = 0;
  // The `limit` most recently finished succeeded jobs of the class, newest
  // first, for ETA estimates.
  virtual Result<std::vector<JobDuration>> RecentDurations(
      const std::string& device_class, int64_t limit) = 0;
};

}  // namespace mai::server

#endif  // MAI_SERVER_STORE_H_

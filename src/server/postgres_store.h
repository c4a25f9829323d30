// The Store (server/store.h) on PostgreSQL (libpqxx), so that several server
// replicas can share one database. Same tables, semantics and errors as the
// SQLite store (server/sqlite_store.h); tests/server/store_test.cc runs the
// same tests on both.
//
// Connection: `url` is a libpq URI (postgresql://user@host:port/db) or a
// keyword/value string ("host=... port=... dbname=..."). Unless it says
// otherwise, connect_timeout=10, client_encoding=UTF8 and
// application_name=mai are added. Messages name the database as
// postgresql://user@host:port/db, never with its password.
//
// Threads: a pool of up to `max_connections` connections (default 8),
// opened on demand. A call borrows one for its transaction and gives it back
// (a caller waits while all are busy), so up to that many HTTP threads run
// their transactions in parallel. A connection that broke is dropped and
// replaced.
//
// Transactions, and several replicas (stores) on one database:
//   - Writes run at READ COMMITTED and lock the rows they decide on:
//     LeaseJob picks its job with SELECT ... FOR UPDATE SKIP LOCKED (two
//     replicas never lease the same job, and neither waits for the other),
//     Heartbeat / CompleteJob / FailJob / CancelJob lock the job row before
//     checking the lease, and CreateSubmission with a quota locks the
//     participant's row (FOR NO KEY UPDATE) before counting, so uploads
//     racing for the last slot through any replicas are serialized. Taken
//     names, hashes and agent ids are found by INSERT ... ON CONFLICT DO
//     NOTHING (kConflict), also when two replicas race.
//     RequeueExpiredLeases skips (SKIP LOCKED) an expired job that another
//     transaction holds at that moment (a heartbeat, a result, another
//     replica requeuing it): that transaction decides, or the next call
//     requeues it; so replicas requeuing at once never wait for each other.
//   - Reads run at REPEATABLE READ, READ ONLY: one consistent snapshot.
//   - A transaction PostgreSQL aborts for a deadlock or a serialization
//     failure is run again (up to 5 times in all). A connection that broke
//     before COMMIT is replaced and the transaction run again once; one
//     that broke during COMMIT gives kIoError (the outcome is unknown).
//   - Durability is the server's: with synchronous_commit on (its default)
//     a method that returned OK has made its change durable.
//
// Schema: created in the connection's current schema (the first on its
// search_path) when absent, under an advisory lock so that replicas starting
// together create it once, and recorded as version 1 in `schema_version`. A
// newer version, or a schema that has tables but no schema_version, is
// refused with kInvalidArgument. Times are BIGINT seconds passed in by the
// caller (the store never uses NOW()).
//
// Text: PostgreSQL TEXT holds UTF-8 without NUL bytes; a value holding a NUL
// byte or invalid UTF-8 is refused with kInvalidArgument (SQLite stores any
// bytes).
//
// Errors, besides those of store.h: the database cannot be reached, refuses
// the login, runs out of space or is read-only (a standby): kIoError, with a
// one-line message; a malformed url: kInvalidArgument.
#ifndef MAI_SERVER_POSTGRES_STORE_H_
#define MAI_SERVER_POSTGRES_STORE_H_

#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/store.h"

namespace mai::server {

// The schema version this build writes and reads.
inline constexpr int kPostgresSchemaVersion = 1;

struct PostgresStoreOptions {
  int max_connections = 8;  // >= 1
};

// Connects (the first connection is opened at once, so a database that
// cannot be reached fails here) and creates the schema if absent.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);
Result<std::unique_ptr<Store>> OpenPostgresStore(
    const std::string& url, const PostgresStoreOptions& options);

// `url` for messages: postgresql://user@host:port/dbname (the parts it
// gives), never its password. A url libpq cannot parse is shown as
// "(malformed PostgreSQL url)".
std::string PostgresUrlForDisplay(const std::string& url);

// `url` as a libpq keyword/value string with `settings` (keyword -> value)
// added or replaced, e.g. {{"dbname", "other"}} for another database on the
// same server. Errors: a url libpq cannot parse, or an unknown keyword
// (kInvalidArgument).
Result<std::string> PostgresConninfoWith(
    const std::string& url, const std::map<std::string, std::string>& settings);

}  // namespace mai::server

#endif  // MAI_SERVER_POSTGRES_STORE_H_

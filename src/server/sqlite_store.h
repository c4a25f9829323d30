// The Store (server/store.h) on SQLite: one database file, one writer
// connection and four read-only ones.
//
// Durability: WAL journal mode with synchronous=FULL, so a method that
// returned OK survives a crash or power loss. Foreign keys are enforced.
//
// Threads: one writer connection and four read-only ones, each with a
// mutex held for its whole transaction. Writes are serialized on the writer
// (SQLite has one writer at a time anyway) and use BEGIN IMMEDIATE, so even
// a second process on the same file (which the server never does) cannot
// lease a job twice; it waits up to the busy timeout (5 s) for the write
// lock, then fails with kIoError. Reads run on the readers in parallel, on
// a WAL snapshot that includes every committed write: a status poll never
// waits for a commit's fsync.
//
// Schema: created when absent, recorded as version 1 in `schema_version`.
// A file written by a newer mai (a higher version), a SQLite database that
// is not a mai store, or a file that is not a SQLite database is refused
// with kInvalidArgument naming the file. Reopening keeps everything; jobs
// leased when the server stopped stay leased until RequeueExpiredLeases
// finds their lease expired.
#ifndef MAI_SERVER_SQLITE_STORE_H_
#define MAI_SERVER_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "server/store.h"

namespace mai::server {

// The schema version this build writes and reads.
inline constexpr int kSqliteSchemaVersion = 1;

// Opens (creating if absent) the store at `path`, a file path (not
// ":memory:": WAL needs a file). Errors: the file cannot be opened or
// created (kIoError); not a SQLite database, not a mai store, or a newer
// schema (kInvalidArgument).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace mai::server

#endif  // MAI_SERVER_SQLITE_STORE_H_

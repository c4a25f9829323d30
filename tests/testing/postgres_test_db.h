// Throwaway PostgreSQL databases for the store and API tests: one fresh
// database per test directory on the server MAI_TEST_POSTGRES_URL names
// (scripts/postgres_test_cluster.sh starts one; scripts/test.sh sets the
// variable), dropped when the test is done.
#ifndef MAI_TESTS_TESTING_POSTGRES_TEST_DB_H_
#define MAI_TESTS_TESTING_POSTGRES_TEST_DB_H_

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "server/postgres_store.h"
#include "server/store.h"

namespace mai::testing {

// The server's URL, or null when the PostgreSQL tests are skipped.
const char* PostgresUrl();

// Why PostgreSQL tests are skipped when PostgresUrl() is null.
extern const char kNoPostgres[];

// The connection string of database `name` on the test server.
Result<std::string> PostgresDatabaseUrl(const std::string& name);

// Runs one statement outside a transaction (CREATE/DROP DATABASE) on the
// database MAI_TEST_POSTGRES_URL names.
Status PostgresAdmin(const std::string& sql);

// The test database kept for `dir` (its name in dir/postgres_database),
// created on first use: a fresh, empty database per test.
Result<std::string> PostgresDatabaseFor(const std::filesystem::path& dir);

// A PostgreSQL store on `dir`'s test database.
Result<std::unique_ptr<server::Store>> OpenPostgresIn(
    const std::filesystem::path& dir,
    const server::PostgresStoreOptions& options = {});

// Drops the test database of `dir`, if any (its connections closed first).
void DropPostgresIn(const std::filesystem::path& dir);

}  // namespace mai::testing

#endif  // MAI_TESTS_TESTING_POSTGRES_TEST_DB_H_

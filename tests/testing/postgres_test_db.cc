#include "testing/postgres_test_db.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>

namespace mai::testing {

namespace fs = std::filesystem;

const char* PostgresUrl() {
  const char* url = std::getenv("MAI_TEST_POSTGRES_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

const char kNoPostgres[] =
    "MAI_TEST_POSTGRES_URL is not set: no PostgreSQL server to test on "
    "(scripts/postgres_test_cluster.sh start DIR prints a URL for one)";

// The connection string of database `name` on the test server.
Result<std::string> PostgresDatabaseUrl(const std::string& name) {
  return server::PostgresConninfoWith(PostgresUrl(), {{"dbname", name}});
}

// Runs one statement outside a transaction (CREATE/DROP DATABASE) on the
// database MAI_TEST_POSTGRES_URL names.
Status PostgresAdmin(const std::string& sql) {
  try {
    pqxx::connection admin(PostgresUrl());
    pqxx::nontransaction tx(admin);
    tx.exec(sql);
    return Status::Ok();
  } catch (const std::exception& e) {
    return IoError("MAI_TEST_POSTGRES_URL: {}: {}", sql, e.what());
  }
}

// The test database kept for `dir` (its name in dir/postgres_database),
// created on first use: a fresh, empty database per test.
Result<std::string> PostgresDatabaseFor(const fs::path& dir) {
  const fs::path file = dir / "postgres_database";
  if (fs::exists(file)) {
    std::ifstream in(file);
    std::string name;
    in >> name;
    return name;
  }
  static std::atomic<int> counter{0};
  std::string name = fmt::format("mai_test_{}_{}", getpid(), ++counter);
  std::string quoted = "\"" + name + "\"";  // [a-z0-9_] only
  // A database left by a crashed run of a process with the same pid.
  MAI_RETURN_IF_ERROR(
      PostgresAdmin("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)"));
  MAI_RETURN_IF_ERROR(PostgresAdmin("CREATE DATABASE " + quoted));
  std::ofstream(file) << name << "\n";
  return name;
}

Result<std::unique_ptr<server::Store>> OpenPostgresIn(
    const fs::path& dir, const server::PostgresStoreOptions& options) {
  MAI_ASSIGN_OR_RETURN(std::string name, PostgresDatabaseFor(dir));
  MAI_ASSIGN_OR_RETURN(std::string url, PostgresDatabaseUrl(name));
  return server::OpenPostgresStore(url, options);
}

// Drops the test database of `dir`, if any (its connections closed first).
void DropPostgresIn(const fs::path& dir) {
  const fs::path file = dir / "postgres_database";
  if (PostgresUrl() == nullptr || !fs::exists(file)) return;
  std::string name;
  std::ifstream(file) >> name;
  Status dropped =
      PostgresAdmin("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
  EXPECT_TRUE(dropped.ok()) << dropped.message();
  fs::remove(file);
}

}  // namespace mai::testing

// Schema migrations: sql/NNN_name.sql compiled into the binary (generated migrations.inc).
// Private to daemon/ledger.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/log.h"

namespace SQLite {
class Database;
}

namespace segsync {

struct Migration {
  int version = 0;         // NNN of the file name
  std::string_view name;   // "001_init.sql"
  std::string_view sql;
};

// The compiled-in migrations in version order. Their versions are 1..N without gaps
// (checked by tests/ledger/migrations_test.cc).
const std::vector<Migration>& Migrations();
int LatestMigrationVersion();

// Brings `db` from its PRAGMA user_version up to the latest version, one transaction per
// migration. Refuses (kFatal) a ledger newer than this binary. Returns the final version.
// SQLite exceptions propagate to the caller's Guard.
Result<int> ApplyMigrations(SQLite::Database& db, const std::string& path, Logger& log);

}  // namespace segsync

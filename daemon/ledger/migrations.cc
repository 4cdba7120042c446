#include "ledger/migrations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <charconv>

#include <fmt/format.h>

namespace segsync {
namespace {

struct RawMigration {
  const char* name;
  const char* sql;
};

// Generated at configure time from sql/*.sql (see CMakeLists.txt).
constexpr RawMigration kRaw[] = {
#include "ledger/migrations.inc"
};

std::vector<Migration> Parse() {
  std::vector<Migration> out;
  for (const RawMigration& raw : kRaw) {
    Migration m;
    m.name = raw.name;
    m.sql = raw.sql;
    std::from_chars(m.name.data(), m.name.data() + m.name.size(), m.version);
    out.push_back(m);
  }
  return out;  // the generator sorts by file name, and names start with NNN
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = Parse();  // immutable after first use
  return kAll;
}

int LatestMigrationVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Result<int> ApplyMigrations(SQLite::Database& db, const std::string& path, Logger& log) {
  int version = db.execAndGet("PRAGMA user_version").getInt();
  int latest = LatestMigrationVersion();
  if (version > latest) {
    return Error{ErrorCode::kFatal,
                 fmt::format("ledger {} has schema version {}, but this segsync {} only knows "
                             "versions up to {}: it was written by a newer segsync; upgrade "
                             "segsync (the ledger was not changed)",
                             path, version, SEGSYNC_VERSION, latest)};
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= version) continue;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have migrated while we waited for the write lock.
    if (db.execAndGet("PRAGMA user_version").getInt() >= m.version) continue;
    db.exec(std::string(m.sql));
    db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    tx.commit();
    log.Info("ledger migrated", {{"path", path}, {"migration", std::string(m.name)}});
    version = m.version;
  }
  return version;
}

}  // namespace segsync

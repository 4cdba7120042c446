// Opening the ledger: migrations, schema version refusal, file mode, damaged files, disk full.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "ledger/migrations.h"
#include "ledger_fixture.h"

namespace segsync {
using testing::LedgerFixture;
using testing::Must;

namespace {
int ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("a new ledger is migrated to the latest schema version") {
  LedgerFixture f;
  CHECK(Must(f.ledger->SchemaVersion()) == Ledger::KnownSchemaVersion());
  CHECK(Ledger::KnownSchemaVersion() >= 1);
  CHECK(Must(f.ledger->IntegrityCheck()) == "ok");
  SQLite::Database raw(f.path);
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
  for (const char* table : {"run", "tag", "relationship", "owned_tag", "intent", "retry", "audit",
                            "profile", "segment", "membership", "status_change", "segment_size",
                            "plan", "plan_reason", "join_way", "invitation", "group_member",
                            "campaign_touch"}) {
    CAPTURE(table);
    CHECK(raw.tableExists(table));
  }
}

TEST_CASE("the compiled-in migrations are exactly sql/NNN_*.sql, numbered 1..N") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(SEGSYNC_SOURCE_DIR "/sql")) {
    if (e.path().extension() == ".sql") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  const auto& migrations = Migrations();
  REQUIRE(migrations.size() == files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    CAPTURE(files[i]);
    CHECK(migrations[i].version == static_cast<int>(i) + 1);
    CHECK(migrations[i].name == files[i].filename().string());
    // A stale build would embed old text: reconfigure (cmake) after editing sql/.
    CHECK(migrations[i].sql == testing::ReadFile(files[i].string()));
  }
  CHECK(LatestMigrationVersion() == static_cast<int>(files.size()));
}

TEST_CASE("reopening an existing ledger keeps its data and migrates nothing twice") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  f.Reopen();
  f.Reopen();
  auto runs = Must(f.ledger->LastRuns(10));
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].id == run);
}

TEST_CASE("a ledger written by a newer segsync is refused and left unchanged") {
  LedgerFixture f;
  f.ledger.reset();
  int newer = Ledger::KnownSchemaVersion() + 1;
  {
    SQLite::Database raw(f.path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(newer));
  }
  auto r = Ledger::Open(f.path, f.log);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kFatal);
  CHECK(r.error().message.find(f.path) != std::string::npos);
  CHECK(r.error().message.find("schema version " + std::to_string(newer)) != std::string::npos);
  CHECK(r.error().message.find("upgrade segsync") != std::string::npos);
  SQLite::Database raw(f.path);
  CHECK(raw.execAndGet("PRAGMA user_version").getInt() == newer);
}

TEST_CASE("the ledger and its -wal and -shm files are created with mode 0600") {
  LedgerFixture f;
  f.NewRun();  // a write, so the WAL exists
  CHECK(ModeOf(f.path) == 0600);
  CHECK(ModeOf(f.path + "-wal") == 0600);
  CHECK(ModeOf(f.path + "-shm") == 0600);
}

TEST_CASE("an existing ledger with loose permissions is tightened to 0600") {
  testing::TempDir dir;
  Logger log{stderr, LogLevel::kError};
  std::string path = dir / "l.db";
  testing::WriteFile(path, "");
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto l = Must(Ledger::Open(path, log));
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("files that cannot be a ledger give a clear error naming the path") {
  testing::TempDir dir;
  Logger log{stderr, LogLevel::kError};
  SUBCASE("not a database") {
    std::string path = dir / "junk.db";
    testing::WriteFile(path, std::string(4096, 'x'));
    auto r = Ledger::Open(path, log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kCorrupt);
    CHECK(r.error().message.find(path) != std::string::npos);
  }
  SUBCASE("missing directory") {
    std::string path = dir / "no/such/dir/l.db";
    auto r = Ledger::Open(path, log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kIo);
    CHECK(r.error().message.find(path) != std::string::npos);
    CHECK(r.error().message.find("directory") != std::string::npos);
  }
  SUBCASE("a reader does not create a missing ledger") {
    std::string path = dir / "absent.db";
    LedgerOptions reader;
    reader.create_if_missing = false;
    auto r = Ledger::Open(path, log, reader);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    CHECK(r.error().message.find(path) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SUBCASE("empty path") {
    auto r = Ledger::Open("", log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("a ledger locked by another writer gives a retryable error after the busy timeout") {
  LedgerOptions quick;
  quick.busy_timeout_ms = 50;
  LedgerFixture f(quick);
  SQLite::Database other(f.path, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  RunRecord r;
  auto res = f.ledger->StartRun(r);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == ErrorCode::kTransient);
  CHECK(res.error().message.find(f.path) != std::string::npos);
  CHECK(res.error().message.find("locked") != std::string::npos);
  other.exec("ROLLBACK");
  CHECK(f.ledger->StartRun(r).ok());
}

TEST_CASE("a full disk gives a clear error, rolls back the batch, and leaves the ledger intact") {
  LedgerFixture f;
  f.ledger.reset();
  int64_t pages = 0;
  {
    SQLite::Database raw(f.path);
    pages = raw.execAndGet("PRAGMA page_count").getInt64();
  }
  LedgerOptions capped;
  capped.max_pages = pages + 60;  // room for a few batches only
  f.Reopen(capped);
  int64_t run = f.NewRun();
  constexpr int kBatch = 200;
  int committed = 0;
  std::optional<Error> failure;
  for (int b = 0; b < 100 && !failure; ++b) {
    std::vector<RelationshipSeen> batch;
    for (int k = 0; k < kBatch; ++k) {
      int n = b * kBatch + k;
      batch.push_back({"staff" + std::to_string(n % 50), "wmC" + std::to_string(1000000 + n),
                       "C" + std::to_string(1000000 + n)});
    }
    auto r = f.ledger->RecordRelationships(run, batch);
    if (r.ok()) {
      committed += kBatch;
    } else {
      failure = r.error();
    }
  }
  REQUIRE(failure.has_value());
  CHECK(failure->code == ErrorCode::kIo);
  CHECK(failure->message.find(f.path) != std::string::npos);
  CHECK(failure->message.find("disk full") != std::string::npos);
  CHECK(committed > 0);
  CHECK(Must(f.ledger->IntegrityCheck()) == "ok");
  // The failed batch left nothing behind; the committed ones are all there.
  CHECK(Must(f.ledger->LoadRelationships()).size() == static_cast<size_t>(committed));
  // With room again, the same ledger goes on working.
  f.Reopen();
  CHECK(Must(f.ledger->RecordRelationships(run, {{"staff1", "wmNew", ""}})).size() == 1);
  CHECK(Must(f.ledger->IntegrityCheck()) == "ok");
}

}  // namespace segsync

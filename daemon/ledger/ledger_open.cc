// Opening the ledger: file mode, pragmas, migrations; and the shared error mapping.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "ledger/ledger_impl.h"
#include "ledger/migrations.h"

namespace segsync {
namespace {

constexpr mode_t kLedgerMode = 0600;  // the ledger names customers: owner only

// Creates the file with mode 0600 before SQLite opens it: SQLite gives its -wal and -shm
// files the database file's permissions, so they are born 0600 too. An existing file with
// looser permissions is tightened (and said so).
Result<bool> PrepareFile(const std::string& path, Logger& log, bool create) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0),
                  kLedgerMode);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT && !create) {
      return Error{ErrorCode::kInvalidInput,
                   fmt::format("ledger {} does not exist yet: no run has been recorded", path)};
    }
    return Error{ErrorCode::kIo,
                 fmt::format("ledger {}: cannot open or create it: {} (check that the directory "
                             "exists and that segsync may write there)",
                             path, std::strerror(err))};
  }
  struct stat st {};
  bool created = ::fstat(fd, &st) == 0 && st.st_size == 0;
  if ((st.st_mode & 0777) != kLedgerMode) {
    if (::fchmod(fd, kLedgerMode) == 0) {
      log.Warning("ledger file had loose permissions, set to 0600",
                  {{"path", path}, {"was", fmt::format("{:o}", st.st_mode & 0777)}});
    } else {
      log.Warning("cannot set the ledger file to mode 0600",
                  {{"path", path}, {"error", std::strerror(errno)}});
    }
  }
  ::close(fd);
  return created;
}

void ApplyPragmas(SQLite::Database& db, const LedgerOptions& o) {
  // WAL: the `runs` command and the report read while the daemon writes.
  db.exec("PRAGMA journal_mode = WAL");
  // NORMAL in WAL mode never corrupts the file; a power cut may lose the last commits.
  // That is safe here because apply is write-ahead: a lost confirmation leaves its intent
  // pending and the next run reconciles it against WeCom. FULL would fsync every batch.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  // The default 2 MiB page cache thrashes on the relationship and membership indexes of a
  // million-customer corp; 64 MiB (an upper bound, used only as touched) keeps them hot.
  db.exec(fmt::format("PRAGMA cache_size = -{}", o.cache_kib));
  if (o.max_pages > 0) db.exec(fmt::format("PRAGMA max_page_count = {}", o.max_pages));
}

}  // namespace

Error Ledger::Impl::SqlError(const SQLite::Exception& e, std::string_view what) const {
  int code = e.getErrorCode() & 0xff;
  std::string detail = e.what();
  switch (code) {
    case SQLITE_FULL:
      return {ErrorCode::kIo,
              fmt::format("ledger {}: disk full while {} ({}); the step was rolled back and the "
                          "ledger is consistent: free space on its file system and run again",
                          path, what, detail)};
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      return {ErrorCode::kIo, fmt::format("ledger {}: I/O error while {} ({}); the step was "
                                          "rolled back",
                                          path, what, detail)};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return {ErrorCode::kCorrupt,
              fmt::format("ledger {}: the file is damaged or not a segsync ledger ({}) while {}; "
                          "restore it from a backup",
                          path, detail, what)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {ErrorCode::kTransient,
              fmt::format("ledger {}: locked by another process while {} ({}); try again", path,
                          what, detail)};
    case SQLITE_CONSTRAINT:
      return {ErrorCode::kInvalidInput,
              fmt::format("ledger {}: rejected a record while {} ({})", path, what, detail)};
    default:
      return {ErrorCode::kIo, fmt::format("ledger {}: {} failed ({})", path, what, detail)};
  }
}

SQLite::Statement& Ledger::Impl::Stmt(std::string_view sql) {
  auto it = statements.find(sql);
  if (it == statements.end()) {
    auto stmt = std::make_unique<SQLite::Statement>(db, std::string(sql));
    it = statements.emplace(sql, std::move(stmt)).first;
  } else {
    // tryReset: sqlite3_reset repeats the last step's error (a BUSY or FULL that was
    // already reported); the statement is reusable either way.
    it->second->tryReset();
    it->second->clearBindings();
  }
  return *it->second;
}

void Ledger::Impl::ChmodSidecars() {
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string p = path + suffix;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && (st.st_mode & 0777) != kLedgerMode) {
      ::chmod(p.c_str(), kLedgerMode);
    }
  }
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

const std::string& Ledger::path() const { return impl_->path; }

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path, Logger& log,
                                             const LedgerOptions& options) {
  if (path.empty()) return Error{ErrorCode::kInvalidInput, "ledger: no path configured"};
  auto created = PrepareFile(path, log, options.create_if_missing);
  if (!created) return created.error();
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(path, log, options, SQLite::OPEN_READWRITE);
  } catch (const SQLite::Exception& e) {
    return Error{ErrorCode::kIo, fmt::format("ledger {}: cannot open it ({})", path, e.what())};
  }
  Impl& i = *impl;
  auto migrated = i.Guard("opening", [&] {
    ApplyPragmas(i.db, options);
    auto applied = ApplyMigrations(i.db, path, log);
    if (!applied) throw LedgerAbort{applied.error()};
    i.ChmodSidecars();
    i.LoadTagCache();
    return *applied;
  });
  if (!migrated) return migrated.error();
  log.Debug("ledger open", {{"path", path},
                            {"schema", std::to_string(*migrated)},
                            {"created", *created ? "yes" : "no"}});
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

int Ledger::KnownSchemaVersion() { return LatestMigrationVersion(); }

Result<int> Ledger::SchemaVersion() {
  return impl_->Guard("reading the schema version", [&] {
    return impl_->db.execAndGet("PRAGMA user_version").getInt();
  });
}

Result<std::string> Ledger::IntegrityCheck() {
  return impl_->Guard("checking integrity", [&] {
    std::string out;
    SQLite::Statement q(impl_->db, "PRAGMA integrity_check");
    while (q.executeStep()) {
      if (!out.empty()) out += '\n';
      out += q.getColumn(0).getString();
    }
    SQLite::Statement fk(impl_->db, "PRAGMA foreign_key_check");
    while (fk.executeStep()) {
      out += fmt::format("\nforeign key violation in {} row {}", fk.getColumn(0).getString(),
                         fk.getColumn(1).getInt64());
    }
    return out;
  });
}

}  // namespace segsync

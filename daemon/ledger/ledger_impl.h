// Private to daemon/ledger/*.cc: the SQLite side of Ledger. The only header that includes
// SQLiteCpp; never include it from outside this folder.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "ledger/ledger.h"

namespace segsync {

// Thrown inside a transaction to abort it with a ready-made Error (caught by Guard).
struct LedgerAbort {
  Error error;
};

struct Ledger::Impl {
  Impl(std::string p, Logger& l, const LedgerOptions& o, int flags)
      : path(std::move(p)), log(l), options(o), db(path, flags, o.busy_timeout_ms) {}

  std::string path;
  Logger& log;
  LedgerOptions options;
  SQLite::Database db;
  // Prepared statements, compiled once per SQL text and reused (reset + cleared on each use).
  std::unordered_map<std::string_view, std::unique_ptr<SQLite::Statement>> statements;
  // The tag library is small (hundreds): WeCom tag_id <-> tag.id kept in memory. Updated
  // only after a commit, so it never holds a rolled-back row.
  std::unordered_map<std::string, int64_t> tag_refs;
  std::unordered_map<int64_t, std::string> tag_ids;

  // `sql` must be a string literal (its text is the cache key).
  SQLite::Statement& Stmt(std::string_view sql);
  void LoadTagCache();
  // tag.id of a WeCom tag_id, or a LedgerAbort naming it. A miss reloads the cache once:
  // another process (an operator's `segsync sync`) may have created the tag.
  int64_t TagRef(const std::string& tag_id);
  const std::string& TagIdOf(int64_t ref);
  void ChmodSidecars();

  Error SqlError(const SQLite::Exception& e, std::string_view what) const;

  // Runs `f` and turns every exception into an Error that names the ledger and `what`.
  template <typename F>
  auto Guard(std::string_view what, F&& f) -> Result<decltype(f())> {
    try {
      return f();
    } catch (const SQLite::Exception& e) {
      return SqlError(e, what);
    } catch (const LedgerAbort& a) {
      return a.error;
    } catch (const std::bad_alloc&) {
      return Error{ErrorCode::kIo, "ledger " + path + ": out of memory while " + std::string(what)};
    } catch (const std::exception& e) {
      return Error{ErrorCode::kIo, "ledger " + path + ": " + std::string(what) + ": " + e.what()};
    }
  }
};

// Column helpers: NULL reads as empty string / 0.
inline std::string ColText(const SQLite::Statement& s, int i) {
  auto c = s.getColumn(i);
  return c.isNull() ? std::string() : c.getString();
}
inline int64_t ColInt(const SQLite::Statement& s, int i) { return s.getColumn(i).getInt64(); }
// Binds an empty string as NULL (optional text columns).
inline void BindTextOrNull(SQLite::Statement& s, int i, const std::string& v) {
  if (v.empty()) {
    s.bind(i);
  } else {
    s.bind(i, v);
  }
}

// `text` cut to kMaxTextBytes on a UTF-8 character boundary, marked with "...".
inline std::string ClipText(const std::string& text) {
  if (text.size() <= kMaxTextBytes) return text;
  size_t end = kMaxTextBytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

std::string JoinComma(const std::vector<std::string>& items);
std::vector<std::string> SplitComma(const std::string& text);

}  // namespace segsync

// One line per event, for journald: a syslog priority prefix (<3> error ... <7> debug),
// a message for people, then key=value fields for machines.
//
//   <4>mark_tag failed, will retry: run=12 userid=zhangsan errcode=45033 hint=...
//
// Secrets registered with Redact() are replaced by "***" in every line, whatever the
// caller passed in. A Logger is passed by reference; there is no global logger.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segsync {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

struct LogField {
  std::string_view key;
  std::string value;
};

class Logger {
 public:
  explicit Logger(std::FILE* out = stderr, LogLevel min_level = LogLevel::kInfo)
      : out_(out), min_level_(min_level) {}

  // Thread-safe: lines from several threads never interleave.
  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, m, f); }
  void Warning(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarning, m, f); }
  void Notice(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kNotice, m, f); }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, m, f); }
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, m, f); }

  bool Enabled(LogLevel level) const { return level <= min_level_; }
  void set_min_level(LogLevel level) { min_level_ = level; }

  // Never print this string: every line is scrubbed of it (empty strings are ignored).
  void Redact(std::string secret);

  // Formats a line without writing it (used by Log, and by tests).
  std::string Format(LogLevel level, std::string_view message,
                     std::initializer_list<LogField> fields) const;

 private:
  std::FILE* out_;
  LogLevel min_level_;
  mutable std::mutex mu_;
  std::vector<std::string> secrets_;
};

}  // namespace segsync

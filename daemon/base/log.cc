#include "base/log.h"

namespace segsync {

namespace {

// key=value with quotes only where needed, so that lines stay grep-able.
void AppendField(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  out += key;
  out += '=';
  bool quote = value.empty() || value.find_first_of(" \"=\t") != std::string_view::npos;
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void ReplaceAll(std::string& text, const std::string& needle) {
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 3))
    text.replace(pos, needle.size(), "***");
}

}  // namespace

std::string Logger::Format(LogLevel level, std::string_view message,
                           std::initializer_list<LogField> fields) const {
  std::string line = "<" + std::to_string(static_cast<int>(level)) + ">";
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  if (fields.size() > 0) line += ':';
  for (const auto& f : fields) AppendField(line, f.key, f.value);
  for (const auto& s : secrets_) ReplaceAll(line, s);
  line += '\n';
  return line;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::lock_guard lock(mu_);
  std::string line = Format(level, message, fields);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void Logger::Redact(std::string secret) {
  if (secret.empty()) return;
  std::lock_guard lock(mu_);
  secrets_.push_back(std::move(secret));
}

}  // namespace segsync

#include "base/diag.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

namespace segsync {

namespace {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out;
  if (!d.pos.file.empty()) {
    out += d.pos.file;
    if (d.pos.line > 0) {
      out += fmt::format(":{}", d.pos.line);
      if (d.pos.col > 0) out += fmt::format(":{}", d.pos.col);
    }
    out += ": ";
  }
  out += fmt::format("{}: {}\n", SeverityName(d.severity), d.message);
  std::string line = d.source_line;
  if (line.empty() && d.pos.line > 0 && !d.pos.file.empty()) line = ReadSourceLine(d.pos.file, d.pos.line);
  if (!line.empty()) {
    // Long lines are cut so that the caret stays visible on a terminal.
    constexpr size_t kMaxShown = 120;
    size_t col = d.pos.col > 0 ? static_cast<size_t>(d.pos.col - 1) : 0;
    size_t start = 0;
    if (line.size() > kMaxShown && col > kMaxShown / 2) start = col - kMaxShown / 2;
    std::string shown = line.substr(start, kMaxShown);
    out += fmt::format("    {}\n", shown);
    if (d.pos.col > 0) {
      std::string pad;
      // Keep tabs so the caret lines up under tab-indented text.
      for (size_t i = start; i < col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
      // A multi-byte UTF-8 character occupies one column on screen, not one per byte.
      std::string narrowed;
      for (size_t i = 0; i < pad.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(line[start + i]);
        if ((c & 0xC0) == 0x80) continue;
        narrowed += pad[i];
        if (c >= 0xE0) narrowed += ' ';  // CJK characters are two columns wide
      }
      out += fmt::format("    {}^\n", narrowed);
    }
  }
  if (!d.hint.empty()) out += fmt::format("    {}\n", d.hint);
  return out;
}

void DiagSink::Add(Diagnostic d) {
  if (d.severity == Severity::kError) ++errors_;
  diags_.push_back(std::move(d));
}

void DiagSink::Error(SourcePos pos, std::string message, std::string hint) {
  Add(Diagnostic{std::move(pos), Severity::kError, std::move(message), std::move(hint), {}});
}

void DiagSink::Warning(SourcePos pos, std::string message, std::string hint) {
  Add(Diagnostic{std::move(pos), Severity::kWarning, std::move(message), std::move(hint), {}});
}

std::string DiagSink::FormatAll() const {
  std::string out;
  for (const auto& d : diags_) out += FormatDiagnostic(d);
  return out;
}

std::string ReadSourceLine(const std::string& file, int line) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::string text;
  for (int i = 1; i <= line; ++i) {
    if (!std::getline(in, text)) return {};
  }
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  // Allow roughly one typo per three characters, as ninja's spellcheck does.
  int best = std::max<int>(1, static_cast<int>(word.size()) / 3) + 1;
  const std::string* found = nullptr;
  for (const auto& c : candidates) {
    int d = EditDistance(word, c);
    if (d < best) {
      best = d;
      found = &c;
    }
  }
  return found ? fmt::format("did you mean '{}'?", *found) : std::string();
}

int DisplayWidth(std::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    // Three- and four-byte sequences are CJK, fullwidth forms or emoji in practice: two columns.
    width += c >= 0xE0 ? 2 : 1;
  }
  return width;
}

std::string PadDisplay(std::string_view s, int width) {
  std::string out(s);
  for (int w = DisplayWidth(s); w < width; ++w) out += ' ';
  return out;
}

}  // namespace segsync

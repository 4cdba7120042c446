// Diagnostics for problems in user files (config, mapping, rules, exports).
//
// Every loader pushes each problem it finds into a DiagSink and carries on, so that
// `validate` can print all of them at once. Formatting follows the compiler form of
// spec §1:  FILE:LINE:COL: error: MESSAGE, then the offending line, a caret, and an
// optional "did you mean ...?" hint.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace segsync {

enum class Severity { kError, kWarning, kNote };

// A position in a user file. Lines and columns are 1-based; 0 means "unknown".
struct SourcePos {
  std::string file;
  int line = 0;
  int col = 0;
};

struct Diagnostic {
  SourcePos pos;
  Severity severity = Severity::kError;
  std::string message;
  std::string hint;         // e.g. "did you mean 'contains'?"; empty when none
  std::string source_line;  // the offending line, shown under the message with a caret
};

// Formats one diagnostic in the compiler form, ending with a newline.
std::string FormatDiagnostic(const Diagnostic& d);

// Collects diagnostics. Not thread-safe: one sink per loader call.
class DiagSink {
 public:
  void Add(Diagnostic d);
  void Error(SourcePos pos, std::string message, std::string hint = {});
  void Warning(SourcePos pos, std::string message, std::string hint = {});

  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  int error_count() const { return errors_; }
  int warning_count() const { return static_cast<int>(diags_.size()) - errors_; }
  bool ok() const { return errors_ == 0; }

  // All diagnostics, formatted, in the order they were added.
  std::string FormatAll() const;

 private:
  std::vector<Diagnostic> diags_;
  int errors_ = 0;
};

// Reads line `line` (1-based) of `file` for a caret display; empty when unavailable.
std::string ReadSourceLine(const std::string& file, int line);

// Levenshtein distance, for "did you mean" hints.
int EditDistance(std::string_view a, std::string_view b);

// The closest candidate within a small edit distance, or empty. Returns a ready hint
// ("did you mean 'x'?") so that every loader words it the same way.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// Columns `s` takes on a terminal: CJK and other wide characters count two.
int DisplayWidth(std::string_view s);
// `s` padded with spaces to `width` terminal columns (left-aligned), for tables.
std::string PadDisplay(std::string_view s, int width);

}  // namespace segsync

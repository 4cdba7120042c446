#include "base/diag.h"

#include <doctest/doctest.h>

#include "base/log.h"
#include "test_support.h"

namespace segsync {

TEST_CASE("a diagnostic prints FILE:LINE:COL, the line, a caret and the hint") {
  Diagnostic d{{"rules/a.yaml", 3, 9}, Severity::kError, "unknown operator 'contians'",
               "did you mean 'contains'?", "  when: city contians \"x\""};
  CHECK(FormatDiagnostic(d) ==
        "rules/a.yaml:3:9: error: unknown operator 'contians'\n"
        "      when: city contians \"x\"\n"
        "            ^\n"
        "    did you mean 'contains'?\n");
}

TEST_CASE("the caret counts a CJK character as two columns, not three bytes") {
  // Columns count bytes, as yaml-cpp does: x is byte 12. On screen "tag: " is 5 columns and
  // 城 and 市 are 2 each, so the caret goes under screen column 10.
  Diagnostic d{{"r.yaml", 1, 12}, Severity::kWarning, "m", "", "tag: 城市x"};
  CHECK(FormatDiagnostic(d) == "r.yaml:1:12: warning: m\n    tag: 城市x\n             ^\n");
}

TEST_CASE("the source line is read from the file when not given") {
  testing::TempDir dir;
  testing::WriteFile(dir / "m.yaml", "a: 1\r\nb: 2\r\n");
  Diagnostic d{{dir / "m.yaml", 2, 1}, Severity::kError, "bad", "", ""};
  CHECK(FormatDiagnostic(d).find("\n    b: 2\n    ^\n") != std::string::npos);
}

TEST_CASE("a sink counts errors and warnings and keeps their order") {
  DiagSink sink;
  sink.Warning({"f", 1, 1}, "w");
  sink.Error({"f", 2, 1}, "e");
  CHECK(sink.error_count() == 1);
  CHECK(sink.warning_count() == 1);
  CHECK_FALSE(sink.ok());
  CHECK(sink.FormatAll() == "f:1:1: warning: w\nf:2:1: error: e\n");
}

TEST_CASE("did you mean picks the closest candidate and ignores far ones") {
  std::vector<std::string> ops{"contains", "starts with", "ends with", "matches"};
  CHECK(DidYouMean("contians", ops) == "did you mean 'contains'?");
  CHECK(DidYouMean("matchs", ops) == "did you mean 'matches'?");
  CHECK(DidYouMean("zebra", ops).empty());
  CHECK(EditDistance("kitten", "sitting") == 3);
}

TEST_CASE("display width counts CJK characters as two columns, for aligned tables") {
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("会籍阶段") == 8);
  CHECK(DisplayWidth("城市 x") == 6);
  CHECK(PadDisplay("城市", 6) == "城市  ");
  CHECK(PadDisplay("toolong", 3) == "toolong");
}

TEST_CASE("log lines carry the syslog priority and key=value fields, never a secret") {
  Logger log;
  log.Redact("s3cr3t");
  CHECK(log.Format(LogLevel::kWarning, "mark_tag failed", {{"errcode", "45033"}, {"hint", "a b"}}) ==
        "<4>mark_tag failed: errcode=45033 hint=\"a b\"\n");
  CHECK(log.Format(LogLevel::kError, "token s3cr3t leaked?", {{"url", "x?corpsecret=s3cr3t"}}) ==
        "<3>token *** leaked?: url=\"x?corpsecret=***\"\n");
}

}  // namespace segsync

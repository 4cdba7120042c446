#include "export/export_reader.h"

#include <sys/stat.h>
#include <utime.h>

#include <algorithm>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "export/hash.h"
#include "export/pipeline.h"
#include "export/source.h"
#include "test_support.h"

namespace segsync {

namespace {

struct ReadOut {
  bool opened = false;
  std::vector<std::string> header;
  std::vector<std::pair<int64_t, std::vector<std::string>>> rows;
  std::string errors;  // every diagnostic, "LINE:COL: message\n"
  ExportStats stats;
};

ReadOut ReadText(const std::string& text, const std::string& name, size_t chunk = 1 << 20,
                 size_t max_cell = 1 << 20) {
  testing::TempDir dir;
  testing::WriteFile(dir / name, text);
  ReaderOptions opt;
  opt.chunk_bytes = chunk;
  opt.max_cell_bytes = max_cell;
  opt.max_record_bytes = 4 * chunk > 64 ? 4 * chunk : 64;
  opt.display_name = name;
  DiagSink sink;
  ReadOut out;
  auto reader = ExportReader::Open(dir / name, opt, sink);
  auto fmt_diag = [&](const Diagnostic& d) {
    out.errors += fmt::format("{}:{}: {}\n", d.pos.line, d.pos.col, d.message);
  };
  for (const auto& d : sink.diagnostics()) fmt_diag(d);
  if (!reader) return out;
  out.opened = true;
  out.header = reader->header();
  RecordBatch batch;
  while (reader->Next(batch)) {
    for (size_t i = 0; i < batch.size(); ++i) {
      std::vector<std::string> cells;
      for (auto c : batch.record(i)) cells.emplace_back(c);
      out.rows.emplace_back(batch.lines[i], std::move(cells));
    }
    for (const auto& d : batch.errors) fmt_diag(d);
  }
  out.stats = reader->stats();
  return out;
}

using Cells = std::vector<std::string>;

}  // namespace

// Every CSV test runs with tiny chunks too, so records straddle chunk boundaries.
TEST_CASE("CSV: quoted commas - doubled quotes - newlines - BOM and CRLF") {
  std::string text =
      "\xEF\xBB\xBFid,name,note\r\n"
      "1,\"Zhang, San\",\"said \"\"hi\"\"\"\r\n"
      "2,李四,\"two\nlines\"\r\n"
      "3,,\r\n";
  for (size_t chunk : {1 << 20, 5, 1}) {
    INFO("chunk " << chunk);
    auto r = ReadText(text, "a.csv", chunk);
    REQUIRE(r.opened);
    CHECK(r.errors == "");
    CHECK(r.header == Cells{"id", "name", "note"});
    REQUIRE(r.rows.size() == 3);
    CHECK(r.rows[0].first == 2);
    CHECK(r.rows[0].second == Cells{"1", "Zhang, San", "said \"hi\""});
    CHECK(r.rows[1].first == 3);
    CHECK(r.rows[1].second == Cells{"2", "李四", "two\nlines"});
    CHECK(r.rows[2].first == 5);  // after the quoted newline
    CHECK(r.rows[2].second == Cells{"3", "", ""});
    CHECK(r.stats.rows == 3);
    CHECK(r.stats.bytes == text.size());
  }
}

TEST_CASE("CSV: a last row without a newline - LF endings and blank lines") {
  auto r = ReadText("a,b\n1,2\n\n3,4", "x.csv", 3);
  CHECK(r.errors == "");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].first == 4);
  CHECK(r.rows[1].second == Cells{"3", "4"});
}

TEST_CASE("CSV: bad rows are reported with their line and left out - reading goes on") {
  std::string text =
      "id,name,city\n"
      "1,a,x\n"
      "2,b\n"                    // line 3: too few cells
      "3,\"c\"d,x\n"             // line 4: text after the closing quote
      "4,e\"f,x\n"               // line 5: quote inside an unquoted cell
      "5,\"multi\nline\",x,9\n"  // line 6-7: too many cells
      "6,\xC3\x28,x\n"           // line 8: invalid UTF-8
      "7,g,x\n"                  // line 9: fine
      "8,\"never closed,x\n";    // line 10: unterminated at EOF
  for (size_t chunk : {1 << 20, 4}) {
    INFO("chunk " << chunk);
    auto r = ReadText(text, "bad.csv", chunk);
    REQUIRE(r.opened);
    CHECK(r.errors ==
          "3:0: row has 2 cells, the header has 3\n"
          "4:6: stray quote in column 'name': text after the closing quote\n"
          "5:4: stray quote in column 'name': a quote inside an unquoted cell (quote the whole "
          "cell and double the quote)\n"
          "6:0: row has 4 cells, the header has 3\n"
          "8:0: invalid UTF-8 in column 'name' (the export must be UTF-8)\n"
          "10:0: unterminated quoted cell in column 'name': the quote is never closed before "
          "the end of the file\n");
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].second[0] == "1");
    CHECK(r.rows[1].first == 9);
    CHECK(r.stats.rows == 8);
    CHECK(r.stats.rows_rejected == 6);
  }
}

TEST_CASE("CSV: a cell over the cap rejects its row and names the cap") {
  std::string big(3000, 'x');
  auto r = ReadText("a,b\n1," + big + "\n2,y\n", "big.csv", 1 << 20, 1024);
  REQUIRE(r.rows.size() == 1);
  CHECK(r.errors == "2:3: cell in column 'b' is 3000 bytes, over the 1 KiB cap (max_cell_bytes)\n");
}

TEST_CASE("CSV: a record over max_record_bytes is skipped without buffering it") {
  std::string big(500, 'x');
  auto r = ReadText("a,b\n1,\"" + big + "\n" + big + "\"\n2,y\n", "huge.csv", 16);
  CHECK(r.errors == "2:0: record is longer than the 64 bytes cap (max_record_bytes); skipped\n");
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].first == 4);
  CHECK(r.rows[0].second == Cells{"2", "y"});
}

TEST_CASE("fatal export problems stop before any row") {
  struct Case {
    std::string text, name, error;
  };
  Case cases[] = {
      {"", "e.csv", "0:0: empty export: the file has no header row\n"},
      {"\xEF\xBB\xBF", "bom.csv", "0:0: empty export: the file has no header row\n"},
      {"a,b,a\n1,2,3\n", "d.csv", "1:0: duplicate column 'a' in the header (columns 1 and 3)\n"},
      {"a,,c\n", "n.csv", "1:0: column 2 of the header has no name\n"},
      {"", "e.jsonl", "0:0: empty export: the file has no JSON object\n"},
      {"[1,2]\n", "l.jsonl",
       "1:1: the first line must be a JSON object (its keys are the columns): a line must be one "
       "JSON object, starting with '{'\n"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = ReadText(c.text, c.name);
    CHECK_FALSE(r.opened);
    CHECK(r.errors == c.error);
  }
}

TEST_CASE("a row error carries its source line - so a large export is never reread") {
  testing::TempDir dir;
  testing::WriteFile(dir / "s.csv", "a,b\n1,\"a\"b\n\"x\ny\",\"z\"w\n");
  ReaderOptions opt;
  opt.display_name = "s.csv";
  DiagSink sink;
  auto reader = ExportReader::Open(dir / "s.csv", opt, sink);
  REQUIRE(reader);
  RecordBatch batch;
  std::vector<Diagnostic> errors;
  while (reader->Next(batch)) errors.insert(errors.end(), batch.errors.begin(), batch.errors.end());
  REQUIRE(errors.size() == 2);
  CHECK(FormatDiagnostic(errors[0]) ==
        "s.csv:2:6: error: stray quote in column 'b': text after the closing quote\n"
        "    1,\"a\"b\n"
        "         ^\n");
  CHECK(errors[1].pos.line == 3);
  CHECK(errors[1].pos.col == 0);  // the stray quote is on line 4, not under this line
  CHECK(errors[1].source_line == "\"x");
}

TEST_CASE("a header-only export is a valid empty export") {
  auto r = ReadText("a,b\r\n", "h.csv");
  REQUIRE(r.opened);
  CHECK(r.rows.empty());
  CHECK(r.errors == "");
  CHECK(r.stats.rows == 0);
}

TEST_CASE("JSON Lines: strings - numbers - booleans - null - arrays - keys in any order") {
  std::string text =
      "{\"id\":\"C1\",\"n\":13,\"ok\":true,\"tags\":[\"a\",\"b c\"],\"x\":null}\n"
      "\n"
      "{\"x\":\"caf\\u00e9 \\\"q\\\"\",\"id\":\"C2\",\"n\":-1.5e3,\"ok\":false,\"tags\":[]}\r\n"
      "{\"id\":\"C3\",\"extra\":1}\n";
  for (size_t chunk : {1 << 20, 7}) {
    auto r = ReadText(text, "p.jsonl", chunk);
    REQUIRE(r.opened);
    CHECK(r.errors == "");
    CHECK(r.header == Cells{"id", "n", "ok", "tags", "x"});
    REQUIRE(r.rows.size() == 3);
    CHECK(r.rows[0].second == Cells{"C1", "13", "true", "\x1e" "a\x1f" "b c", ""});
    CHECK(r.rows[1].first == 3);
    CHECK(r.rows[1].second == Cells{"C2", "-1.5e3", "false", "\x1e", "café \"q\""});
    CHECK(r.rows[2].second == Cells{"C3", "", "", "", ""});
  }
}

TEST_CASE("JSON Lines: malformed lines are reported with line and column") {
  std::string text =
      "{\"id\":\"C1\",\"n\":1}\n"
      "{\"id\":\"C2\",\"n\":1\n"
      "{\"id\":\"C3\",\"n\":{\"a\":1}}\n"
      "{\"id\":\"C4\",\"id\":\"C5\"}\n"
      "{\"id\":\"C6\",\"n\":01}\n"
      "{\"id\":\"C7\",\"n\":tru}\n"
      "{\"id\":\"C8\"}\n";
  auto r = ReadText(text, "m.jsonl");
  CHECK(r.errors ==
        "2:17: malformed JSON line: expected ',' or '}' after a value\n"
        "3:16: malformed JSON line: the value of 'n' is a nested object, which an export cannot hold\n"
        "4:21: malformed JSON line: duplicate key 'id'\n"
        "5:17: malformed JSON line: expected ',' or '}' after a value\n"
        "6:16: malformed JSON line: not a JSON value\n");
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].first == 7);
}

TEST_CASE("Hash64 is XXH64 and does not depend on how the bytes are split") {
  auto h = [](std::string_view s) {
    Hash64 x;
    x.Update(s);
    return x.Digest();
  };
  CHECK(h("") == 0xEF46DB3751D8E999ULL);
  CHECK(h("a") == 0xD24EC4F1A98C6E5BULL);
  CHECK(h("abc") == 0x44BC2CF5AD770999ULL);
  std::string long_text;
  for (int i = 0; i < 1000; ++i) long_text += std::to_string(i);
  Hash64 pieces;
  for (size_t i = 0; i < long_text.size(); i += 7) pieces.Update(std::string_view(long_text).substr(i, 7));
  CHECK(pieces.Digest() == h(long_text));
  CHECK(HashHex(0xabc) == "0000000000000abc");
}

TEST_CASE("a glob picks the newest file - a missing file or https is an error") {
  testing::TempDir dir;
  testing::WriteFile(dir / "export-1.csv", "a\n");
  testing::WriteFile(dir / "export-2.csv", "a\n");
  testing::WriteFile(dir / "export-3.csv", "a\n");
  struct utimbuf old_time {1700000000, 1700000000}, new_time{1800000000, 1800000000};
  ::utime((dir / "export-1.csv").c_str(), &new_time);
  ::utime((dir / "export-2.csv").c_str(), &old_time);
  ::utime((dir / "export-3.csv").c_str(), &old_time);
  auto s = ResolveExportSource(dir / "export-*.csv");
  REQUIRE(s.ok());
  CHECK(s->path == dir / "export-1.csv");
  CHECK(s->mtime == 1800000000);
  auto none = ResolveExportSource(dir / "nothing-*.csv");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message == "no file matches the export pattern " + dir / "nothing-*.csv");
  CHECK_FALSE(ResolveExportSource(dir / "missing.csv").ok());
  auto url = ResolveExportSource("https://crm.example.org/x.csv");
  REQUIRE_FALSE(url.ok());
  CHECK(url.error().message.find("https exports need the net module") == 0);
}

TEST_CASE("ForEachBatch hands every batch over in order from a second thread") {
  testing::TempDir dir;
  std::string text = "id,v\n";
  for (int i = 0; i < 5000; ++i) text += fmt::format("{},{}\n", i, i * 2);
  text += "bad\n";
  testing::WriteFile(dir / "p.csv", text);
  ReaderOptions opt;
  opt.chunk_bytes = 1000;
  DiagSink sink;
  auto reader = ExportReader::Open(dir / "p.csv", opt, sink);
  REQUIRE(reader);
  int64_t next = 0, errors = 0, batches = 0;
  bool in_order = true;
  auto err = ForEachBatch(*reader, [&](RecordBatch& b) {
    ++batches;
    errors += static_cast<int64_t>(b.errors.size());
    for (size_t i = 0; i < b.size(); ++i) in_order = in_order && b.record(i)[0] == std::to_string(next++);
    return true;
  });
  CHECK_FALSE(err.has_value());
  CHECK(in_order);
  CHECK(next == 5000);
  CHECK(errors == 1);
  CHECK(batches > 10);
  CHECK(reader->stats().rows == 5001);
  Hash64 h;
  h.Update(text);
  CHECK(reader->stats().hash == h.Digest());
}

}  // namespace segsync

namespace segsync {

TEST_CASE("ForEachBatchParallel: every batch once - numbered in file order - per-worker state") {
  testing::TempDir dir;
  std::string text = "id\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + "\n";
  testing::WriteFile(dir / "p.csv", text);
  ReaderOptions opt;
  opt.chunk_bytes = 2000;
  DiagSink sink;
  auto reader = ExportReader::Open(dir / "p.csv", opt, sink);
  REQUIRE(reader);
  struct Worker {
    int64_t sum = 0;
    std::vector<std::pair<int64_t, int64_t>> first_by_seq;  // seq -> first id of the batch
  };
  std::vector<Worker> workers(3);
  auto err = ForEachBatchParallel(*reader, 3, [&](int w, int64_t seq, RecordBatch& b) {
    for (size_t i = 0; i < b.size(); ++i) workers[w].sum += std::stoll(std::string(b.record(i)[0]));
    if (b.size() > 0) workers[w].first_by_seq.emplace_back(seq, std::stoll(std::string(b.record(0)[0])));
    return true;
  });
  CHECK_FALSE(err.has_value());
  int64_t sum = 0;
  std::vector<std::pair<int64_t, int64_t>> all;
  for (auto& w : workers) {
    sum += w.sum;
    all.insert(all.end(), w.first_by_seq.begin(), w.first_by_seq.end());
  }
  CHECK(sum == int64_t{20000} * 19999 / 2);
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() > 20);
  bool ordered = true;
  for (size_t i = 0; i < all.size(); ++i) ordered = ordered && all[i].first == static_cast<int64_t>(i);
  for (size_t i = 1; i < all.size(); ++i) ordered = ordered && all[i].second > all[i - 1].second;
  CHECK(ordered);
}

TEST_CASE("consume returning false stops the read early") {
  testing::TempDir dir;
  std::string text = "id\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + "\n";
  testing::WriteFile(dir / "p.csv", text);
  ReaderOptions opt;
  opt.chunk_bytes = 1000;
  DiagSink sink;
  auto reader = ExportReader::Open(dir / "p.csv", opt, sink);
  REQUIRE(reader);
  int calls = 0;
  ForEachBatch(*reader, [&](RecordBatch&) { return ++calls < 3; });
  CHECK(calls == 3);
}

}  // namespace segsync

// The chunk size must never change what is read: records straddling chunk boundaries,
// quotes, CRs and errors all come out the same with 1-byte chunks as with 1 MiB chunks.
#include <algorithm>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "export/export_reader.h"
#include "test_support.h"

namespace segsync {

namespace {

std::string Dump(const std::string& path, size_t chunk) {
  ReaderOptions opt;
  opt.chunk_bytes = chunk;
  opt.max_record_bytes = 1 << 20;
  opt.max_cell_bytes = 40;
  opt.display_name = "f";
  DiagSink sink;
  auto reader = ExportReader::Open(path, opt, sink);
  std::string out = sink.FormatAll();
  if (!reader) return out;
  // Records and errors by line: how they split into batches depends on the chunk size.
  std::vector<std::pair<int64_t, std::string>> items;
  RecordBatch batch;
  while (reader->Next(batch)) {
    for (size_t i = 0; i < batch.size(); ++i) {
      std::string rec = fmt::format("{}:", batch.lines[i]);
      for (auto c : batch.record(i)) rec += fmt::format("[{}]", c);
      items.emplace_back(batch.lines[i], rec + "\n");
    }
    for (const auto& d : batch.errors) items.emplace_back(d.pos.line, FormatDiagnostic(d));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [line, text] : items) out += text;
  out += fmt::format("rows={} rejected={}\n", reader->stats().rows, reader->stats().rows_rejected);
  return out;
}

}  // namespace

TEST_CASE("random CSV and JSON Lines read the same with any chunk size") {
  const char* csv_alphabet[] = {"a", "b", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "李", "\xC3"};
  const char* json_alphabet[] = {"{\"a\":1,\"b\":\"x\"}", "{\"b\":[1,\"2\"],\"a\":null}", "\n",
                                 "{", "}", "\"", "\\u00e9", ",", "[", "]", "true", " "};
  testing::TempDir dir;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 300; ++round) {
    bool json = round % 3 == 2;
    std::string text = json ? "{\"a\":0,\"b\":\"h\"}\n" : "a,b\n";
    int pieces = 1 + static_cast<int>(next() % 60);
    for (int k = 0; k < pieces; ++k)
      text += json ? json_alphabet[next() % 12] : csv_alphabet[next() % 11];
    if (round % 5 == 0) text += std::string(50, 'z');  // over the 40-byte cell cap
    std::string path = dir / (json ? "r.jsonl" : "r.csv");
    testing::WriteFile(path, text);
    std::string whole = Dump(path, 1 << 20);
    INFO("input: " << text);
    CHECK(Dump(path, 1) == whole);
    CHECK(Dump(path, 3) == whole);
  }
}

}  // namespace segsync

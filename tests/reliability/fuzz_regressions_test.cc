// The fuzz corpus (tests/fuzz/<target>/: seeds and every input a fuzzer crashed on) run
// through the same parsers in the normal suite, so each crash found stays fixed in builds
// without libFuzzer; plus the crashes found, as named cases with the behaviour now expected.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "export/export_reader.h"
#include "mapper/mapping.h"
#include "segment/predicate.h"
#include "segment/rule_loader.h"
#include "test_support.h"
#include "wecom/codec.h"

namespace segsync {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> CorpusFiles(const std::string& target) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(SEGSYNC_SOURCE_DIR) + "/tests/fuzz/" + target))
    if (e.is_regular_file()) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads a whole export with tiny chunks and caps (as the fuzz targets do); returns the rows.
int64_t ReadAll(const std::string& path, ExportFormat format, size_t chunk) {
  ReaderOptions options;
  options.format = format;
  options.chunk_bytes = chunk;
  options.max_cell_bytes = 64;
  options.max_record_bytes = 256;
  options.max_columns = 64;
  DiagSink sink;
  auto reader = ExportReader::Open(path, options, sink);
  if (!reader) {
    CHECK(!sink.ok());  // a refused file says why
    return -1;
  }
  RecordBatch batch;
  int64_t rows = 0;
  while (reader->Next(batch)) {
    CHECK(batch.width == reader->header().size());
    rows += static_cast<int64_t>(batch.size());
  }
  return rows;
}

TEST_CASE("fuzz corpus: the export readers accept or reject every input cleanly") {
  for (const char* target : {"csv_reader", "jsonl_reader"}) {
    ExportFormat format = std::string(target) == "csv_reader" ? ExportFormat::kCsv : ExportFormat::kJsonl;
    auto files = CorpusFiles(target);
    CHECK(files.size() >= 2);
    for (const auto& f : files) {
      CAPTURE(f);
      for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
        int64_t rows = ReadAll(f, format, chunk);
        CHECK(rows >= -1);
        CHECK(rows == ReadAll(f, format, 1 << 20));  // chunking never changes the result
      }
    }
  }
}

TEST_CASE("fuzz corpus: predicates parse or fail with an offset inside the text") {
  auto files = CorpusFiles("predicate");
  CHECK(files.size() >= 10);
  for (const auto& f : files) {
    CAPTURE(f);
    std::string text = testing::ReadFile(f);
    PredicateAst ast;
    PredicateError error;
    if (!ParsePredicate(text, &ast, &error)) {
      CHECK(error.offset >= 0);
      CHECK(static_cast<size_t>(error.offset) <= text.size());
      CHECK(!error.message.empty());
    }
  }
}

TEST_CASE("fuzz corpus: mapping and rule files load or give positioned errors") {
  DiagSink msink;
  auto mapping = LoadMapping(std::string(SEGSYNC_SOURCE_DIR) + "/mapping/affiliates.yaml", msink);
  REQUIRE(mapping);
  for (const auto& f : CorpusFiles("mapping_loader")) {
    CAPTURE(f);
    DiagSink sink;
    auto m = ParseMapping("m.yaml", testing::ReadFile(f), sink);
    CHECK(m.has_value() == sink.ok());
  }
  for (const auto& f : CorpusFiles("rule_loader")) {
    CAPTURE(f);
    DiagSink sink;
    LoadRuleSources({{"r.yaml", testing::ReadFile(f)}}, mapping->schema, sink);
    for (const auto& d : sink.diagnostics()) {
      CHECK(d.pos.line >= 0);
      CHECK(d.pos.col >= 0);
    }
  }
}

TEST_CASE("fuzz corpus: every WeCom answer decodes or gives an ApiError") {
  for (const auto& f : CorpusFiles("wecom_response")) {
    CAPTURE(f);
    auto body = wecom::ParseBody("x", 200, testing::ReadFile(f));
    if (!body) {
      CHECK(!body.error().message.empty());
      continue;
    }
    (void)wecom::ReadEnvelope("x", *body);
    (void)wecom::DecodeGroupChat(*body);
    (void)wecom::DecodeRelationshipPage(*body);
    (void)wecom::DecodeTagGroups(*body);
    (void)wecom::DecodeExternalContactDetail(*body);
  }
}

// fuzz/wecom_response found: a number beyond int64 where an integer belongs was converted
// with undefined behaviour (UBSan: "1.1e+54 is outside the range of representable values").
TEST_CASE("fuzz regression: an integer field beyond int64 is an ApiError naming the field") {
  auto body = wecom::ParseBody("groupchat/get", 200,
                               R"({"errcode":0,"group_chat":{"chat_id":"c","member_list":[{"userid":"u","type":1e54}]}})");
  REQUIRE(body);
  auto chat = wecom::DecodeGroupChat(*body);
  REQUIRE_FALSE(chat.ok());
  CHECK(chat.error().message.find("type") != std::string::npos);
  CHECK(chat.error().message.find("out of range") != std::string::npos);
  auto fine = wecom::ParseBody("groupchat/get", 200,
                               R"({"errcode":0,"group_chat":{"chat_id":"c","member_list":[{"userid":"u","type":2.0}]}})");
  REQUIRE(fine);
  auto ok = wecom::DecodeGroupChat(*fine);
  REQUIRE(ok.ok());
  REQUIRE(ok->members.size() == 1);
  CHECK(ok->members[0].type == 2);
}

// Found reading the same code: an errcode of 2^32 was cut to int and read as 0 (success).
TEST_CASE("fuzz regression: an errcode beyond int is a broken answer - never a success") {
  for (const char* text : {R"({"errcode":4294967296})", R"({"errcode":-4294967296})", R"({"errcode":1e40})"}) {
    CAPTURE(text);
    auto body = wecom::ParseBody("mark_tag", 200, text);
    REQUIRE(body);
    auto env = wecom::ReadEnvelope("mark_tag", *body);
    REQUIRE_FALSE(env.ok());
    CHECK(env.error().klass == wecom::ErrorClass::kTransient);
    CHECK(env.error().message.find("errcode") != std::string::npos);
  }
}

}  // namespace
}  // namespace segsync

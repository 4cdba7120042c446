#include "mapper/mapper.h"

#include <date/tz.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "export/export_reader.h"
#include "test_support.h"

namespace segsync {

namespace {

std::string Errors(const DiagSink& sink) {
  std::string out;
  for (const auto& d : sink.diagnostics()) {
    out += fmt::format("{}:{}:{}: {}: {}\n", d.pos.file, d.pos.line, d.pos.col,
                       d.severity == Severity::kError ? "error" : "warning", d.message);
    if (!d.hint.empty()) out += "    " + d.hint + "\n";
  }
  return out;
}

const char* kMapping =
    "key: ContactID\n"
    "fields:\n"
    "  status: {column: Status, type: string}\n"
    "  exams: {column: ExamsPassed, type: int}\n"
    "  ethics: {column: EthicsModule, type: bool, true: [Y], false: [N]}\n"
    "  paid_until: {column: PaidUntil, type: date}\n"
    "  registered_at: {column: RegisteredAt, type: datetime}\n"
    "  interests: {column: Interests, type: list, separator: \";\"}\n"
    "identity:\n"
    "  - unionid: WeChatUnionId\n"
    "  - state: ContactID\n"
    "  - mobile: Mobile\n";

const date::time_zone* Shanghai() { return date::locate_zone("Asia/Shanghai"); }

}  // namespace

TEST_CASE("the example mapping loads: id first - then the fields in file order") {
  DiagSink sink;
  auto m = LoadMapping(std::string(SEGSYNC_SOURCE_DIR) + "/mapping/affiliates.yaml", sink);
  INFO(sink.FormatAll());
  REQUIRE(m.has_value());
  CHECK(sink.diagnostics().empty());
  CHECK(m->key_column == "ContactID");
  CHECK(m->schema.fields[0].name == "id");
  CHECK(m->schema.fields[0].column == "ContactID");
  CHECK(m->schema.Names() ==
        std::vector<std::string>{"id", "status", "exams_passed", "per_months", "ethics_done",
                                 "last_exam", "paid_until", "member_since", "country", "region",
                                 "city", "employer", "language", "channel", "registered_at",
                                 "interests"});
  const auto& ethics = m->schema.fields[m->schema.IndexOf("ethics_done")];
  CHECK(ethics.type == FieldType::kBool);
  CHECK(ethics.true_values == std::vector<std::string>{"Y"});
  CHECK(m->schema.fields[m->schema.IndexOf("interests")].separator == ";");
  REQUIRE(m->identity.size() == 3);
  CHECK(m->identity[1].kind == IdentityKind::kState);
  CHECK(m->identity[2].column == "Mobile");
  CHECK(m->identity[2].pos.line == 23);
}

TEST_CASE("mapping diagnostics: position - message and hint") {
  struct Case {
    std::string text, expected;
  };
  Case cases[] = {
      {"key: K\nfields:\n  a: {column: A, type: integr}\nidentity: [{state: K}]\n",
       "m.yaml:3:24: error: unknown type 'integr' (string, int, number, bool, date, datetime or list)\n"
       "    did you mean 'int'?\n"},
      {"key: K\nfields:\n  a: {colum: A}\nidentity: [{state: K}]\n",
       "m.yaml:3:7: error: unknown key 'colum' in 'fields.a'\n    did you mean 'column'?\n"},
      {"key: K\nfeilds:\n  a: A\nidentity: [{state: K}]\n",
       "m.yaml:2:1: error: unknown key 'feilds'\n    did you mean 'fields'?\n"
       "m.yaml:1:1: error: missing required key 'fields'\n"},
      {"key: K\nfields:\n  a: {column: A, type: integer}\nidentity: [{state: K}]\n",
       "m.yaml:3:24: error: unknown type 'integer' (string, int, number, bool, date, datetime or list)\n"
       "    did you mean 'int'?\n"},
      {"key: K\nfields:\n  id: {column: X}\nidentity: [{state: K}]\n",
       "m.yaml:3:3: error: the field name 'id' is reserved for the key column\n"
       "    the key column becomes field 'id' by itself; remove this field or rename it\n"},
      {"key: K\nfields:\n  a: A\n  a: B\nidentity: [{state: K}]\n", "m.yaml:4:3: error: duplicate field 'a'\n"},
      {"key: K\nfields:\n  a: {column: A, type: int, separator: \";\"}\nidentity: [{state: K}]\n",
       "m.yaml:3:40: error: 'separator' only applies to list fields\n"},
      {"key: K\nfields:\n  a: A\nidentity:\n  - unoinid: U\n  - state: K\n",
       "m.yaml:5:5: error: unknown identity 'unoinid' (unionid, state or mobile)\n"
       "    did you mean 'unionid'?\n"},
      {"key: K\nfields:\n  a: A\nidentity:\n  - mobile: M\n  - mobile: N\n",
       "m.yaml:6:5: error: identity 'mobile' is listed twice\n"},
      {"fields:\n  a: A\nidentity: [{state: K}]\n",
       "m.yaml:1:1: error: missing required key 'key' (the CRM's primary key column)\n"},
      {"key: K\nfields:\n  Bad-Name: A\nidentity: [{state: K}]\n",
       "m.yaml:3:3: error: field name 'Bad-Name' must be lower case letters, digits and _, starting "
       "with a letter\n"},
      {"key: K\nfields:\n  a: A\n",
       "m.yaml:1:1: warning: no 'identity' columns: no profile can be matched to a WeCom customer\n"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    DiagSink sink;
    ParseMapping("m.yaml", c.text, sink);
    CHECK(Errors(sink) == c.expected);
  }
}

TEST_CASE("binding reports every missing column at once - before any row") {
  DiagSink sink;
  auto m = ParseMapping("m.yaml", kMapping, sink);
  REQUIRE(m);
  std::vector<std::string> header{"ContactID", "Statsu", "ExamsPassed", "EthicsModule", "PaidUntil",
                                  "RegisteredAt", "WeChatUnionId", "Mobile"};
  auto mapper = Mapper::Bind(*m, header, ExportFormat::kCsv, "x.csv", Shanghai(), sink);
  CHECK_FALSE(mapper.has_value());
  CHECK(Errors(sink) ==
        "x.csv:1:0: error: the export has no column 'Status', 'Interests' that the mapping m.yaml "
        "reads (a schema change in the CRM?); nothing was evaluated\n"
        "    did you mean 'Statsu'?\n");
}

namespace {

struct Mapped {
  std::vector<MappedRow> rows;
  std::vector<Diagnostic> errors;
};

Mapped MapFile(const std::string& text, const std::string& name) {
  testing::TempDir dir;
  testing::WriteFile(dir / name, text);
  DiagSink sink;
  auto m = ParseMapping("m.yaml", kMapping, sink);
  REQUIRE(m);
  ReaderOptions opt;
  opt.display_name = name;
  auto reader = ExportReader::Open(dir / name, opt, sink);
  REQUIRE(reader);
  auto mapper = Mapper::Bind(*m, *reader, Shanghai(), sink);
  REQUIRE(mapper);
  Mapped out;
  RecordBatch batch;
  std::vector<MappedRow> rows;
  while (reader->Next(batch)) {
    size_t n = mapper->MapBatch(batch, rows, &out.errors);
    out.rows.insert(out.rows.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("rows become typed profiles with identities - bad cells are row errors") {
  std::string text =
      "ContactID,Status,ExamsPassed,EthicsModule,PaidUntil,RegisteredAt,Interests,WeChatUnionId,Mobile\n"
      "C1000001,Affiliate,13,Y,2027-06-30,2026-12-01 23:30:00,tax; audit ;,oUC1000001,138 0000 0001\n"
      "C1000002,Member,,N,,,,,+86 138-0000-0002\n"
      "C1000003,Member,thirteen,N,,,,,\n"
      "C1000004,Member,1,maybe,,,,,\n"
      ",Member,1,Y,,,,,\n"
      "C1000006,Member,1,Y,2027-02-30,,,,008613800000006\n";
  auto r = MapFile(text, "a.csv");
  REQUIRE(r.rows.size() == 2);
  const Profile& p = r.rows[0].profile;
  CHECK(p.id == "C1000001");
  CHECK(p.line == 2);
  CHECK(std::get<std::string>(p.values[1]) == "Affiliate");
  CHECK(std::get<int64_t>(p.values[2]) == 13);
  CHECK(std::get<bool>(p.values[3]) == true);
  CHECK(std::get<Date>(p.values[4]) == DateFromYmd(2027, 6, 30));
  // 23:30 in Shanghai is 15:30 UTC of the same day.
  CHECK(FormatValue(p.values[5]) == "2026-12-01T15:30:00Z");
  CHECK(std::get<std::vector<std::string>>(p.values[6]) == std::vector<std::string>{"tax", "audit"});
  CHECK(r.rows[0].identity.unionid == "oUC1000001");
  CHECK(r.rows[0].identity.state == "C1000001");
  CHECK(r.rows[0].identity.mobile == "13800000001");
  const Profile& q = r.rows[1].profile;
  CHECK(IsMissing(q.values[2]));
  CHECK(IsMissing(q.values[4]));
  CHECK(r.rows[1].identity.unionid.empty());
  CHECK(r.rows[1].identity.mobile == "13800000002");
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0].pos.line == 4);
  CHECK(r.errors[0].message == "column 'ExamsPassed' (field exams): 'thirteen' is not an integer");
  CHECK(r.errors[1].message ==
        "column 'EthicsModule' (field ethics): 'maybe' is not one of the true/false values of the mapping");
  CHECK(r.errors[2].message == "column 'ContactID' (field id): '' is empty: every row needs its key");
  CHECK(r.errors[3].pos.line == 7);
  CHECK(r.errors[3].message == "column 'PaidUntil' (field paid_until): '2027-02-30' is not a date (expected YYYY-MM-DD)");
}

TEST_CASE("reader and mapper row errors come out in line order") {
  std::string text =
      "ContactID,Status,ExamsPassed,EthicsModule,PaidUntil,RegisteredAt,Interests,WeChatUnionId,Mobile\n"
      "C1,Member,x,N,,,,,\n"
      "C2,Member\n"
      "C3,Member,y,N,,,,,\n";
  auto r = MapFile(text, "o.csv");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].pos.line == 2);
  CHECK(r.errors[1].pos.line == 3);
  CHECK(r.errors[1].message == "row has 2 cells, the header has 9");
  CHECK(r.errors[2].pos.line == 4);
}

TEST_CASE("JSON Lines: arrays fill list fields - an array elsewhere is a row error") {
  std::string text =
      "{\"ContactID\":\"C1\",\"Status\":\"Member\",\"ExamsPassed\":7,\"EthicsModule\":\"Y\",\"PaidUntil\":null,"
      "\"RegisteredAt\":\"2026-12-01T23:30:00+08:00\",\"Interests\":[\"tax\",\"esg\"],\"WeChatUnionId\":null,\"Mobile\":13800000001}\n"
      "{\"ContactID\":\"C2\",\"Status\":[\"a\"],\"ExamsPassed\":1,\"EthicsModule\":\"N\",\"PaidUntil\":null,"
      "\"RegisteredAt\":null,\"Interests\":[],\"WeChatUnionId\":\"oU2\",\"Mobile\":null}\n";
  auto r = MapFile(text, "a.jsonl");
  REQUIRE(r.rows.size() == 1);
  const Profile& p = r.rows[0].profile;
  CHECK(std::get<int64_t>(p.values[2]) == 7);
  CHECK(IsMissing(p.values[4]));
  CHECK(FormatValue(p.values[5]) == "2026-12-01T15:30:00Z");
  CHECK(std::get<std::vector<std::string>>(p.values[6]) == std::vector<std::string>{"tax", "esg"});
  CHECK(r.rows[0].identity.mobile == "13800000001");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "column 'Status' (field status): '[a' is a list, not a string");
}

TEST_CASE("time zone: 23:30 in Shanghai is still that date") {
  FieldDef date_field;
  date_field.type = FieldType::kDate;
  std::string why;
  auto d = ParseCell(date_field, "2026-12-01T15:30:00Z", Shanghai(), &why);
  REQUIRE(d);
  CHECK(FormatValue(*d) == "2026-12-01");  // 23:30 local
  auto next = ParseCell(date_field, "2026-12-01T16:30:00Z", Shanghai(), &why);
  CHECK(FormatValue(*next) == "2026-12-02");  // 00:30 local, the next day
  auto local = ParseCell(date_field, "2026-12-01 23:30", Shanghai(), &why);
  CHECK(FormatValue(*local) == "2026-12-01");
  FieldDef dt;
  dt.type = FieldType::kDateTime;
  auto t = ParseCell(dt, "2026-12-01 23:30", Shanghai(), &why);
  REQUIRE(t);
  CHECK(std::get<DateTime>(*t).seconds == 1796139000);  // 2026-12-01T15:30:00Z
}

TEST_CASE("mobile numbers are compared as digits without the China country code") {
  CHECK(NormalizeMobile("+86 138-0000-0007") == "13800000007");
  CHECK(NormalizeMobile("8613800000007") == "13800000007");
  CHECK(NormalizeMobile("0086 13800000007") == "13800000007");
  CHECK(NormalizeMobile("138 0000 0007") == "13800000007");
  CHECK(NormalizeMobile("86123") == "86123");  // too short to carry a country code
  CHECK(NormalizeMobile("") == "");
}

}  // namespace segsync

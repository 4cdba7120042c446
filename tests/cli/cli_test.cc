// The commands the CRM team uses, run as the real binary: validate, test, segments, explain,
// on the bundled example and on broken files made on purpose.
#include <doctest/doctest.h>

#include <string>

#include "test_support.h"

namespace segsync::testing {
namespace {

const char* kHeader =
    "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,"
    "EthicsModule,LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,"
    "PreferredLanguage,SourceChannel,RegisteredAt,Interests\n";

// A workspace with the repository's mapping, and either its rules or a rule file of the test's.
struct Workspace {
  TempDir dir;
  std::string config;

  explicit Workspace(const std::string& rules_text = {}, const std::string& csv = {}) {
    std::string rules = SEGSYNC_SOURCE_DIR "/rules/";
    if (!rules_text.empty()) {
      WriteFile(dir / "rules/r.yaml", rules_text);
      rules = dir / "rules/";
    }
    WriteFile(dir / "export.csv",
              csv.empty() ? std::string(kHeader) +
                                "C1,A,B,a@x,138,oU1,Affiliate,13,40,Y,2026-10-01,,,China,East China,"
                                "Shanghai,\"KPMG, Shanghai\",zh,event_qr,2026-11-20 23:30:00,tax;audit\n"
                                "C2,A,B,a@x,138,oU2,Member,13,40,,2026-01-01,2026-12-20,,China,"
                                "North China,Beijing,X,en,oa_menu,,\n"
                          : csv);
    WriteFile(dir / "segsync.yaml", "crm: {export: export.csv}\n"
                                    "mapping: " SEGSYNC_SOURCE_DIR "/mapping/affiliates.yaml\n"
                                    "rules: " + rules + "\ntimezone: Asia/Shanghai\n"
                                    "wecom: {corpid: wwtest}\nledger: ledger.db\n");
    config = dir / "segsync.yaml";
  }
  RunResult Run(std::vector<std::string> args) const {
    args.push_back("--config");
    args.push_back(config);
    return RunSegsync(args);
  }
};

TEST_CASE("cli: validate and test pass on the bundled example") {
  Workspace ws;
  RunResult v = ws.Run({"validate"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.find(": ok (4 rule files") != std::string::npos);
  RunResult t = ws.Run({"test"});
  CHECK(t.exit_code == 0);
  // The last line is the summary, with every example passed.
  std::string last = t.out.substr(t.out.rfind('\n', t.out.size() - 2) + 1);
  CHECK(last.find(" passed, 0 failed") != std::string::npos);
}

TEST_CASE("cli: validate shows every error with FILE:LINE:COL, the line, a caret and a hint") {
  Workspace ws(
      "tag_groups:\n"
      "  - name: g\n"
      "    segments:\n"
      "      - id: a\n"
      "        tag: A\n"
      "        when: city contians \"Shang\"\n"
      "      - id: b\n"
      "        tag: B\n"
      "        when: last_exam > 5\n"
      "      - id: c\n"
      "        tag: C\n"
      "        when: statsu = \"Member\"\n");
  RunResult v = ws.Run({"validate"});
  CHECK(v.exit_code == 1);
  std::string file = ws.dir / "rules/r.yaml";
  CHECK(v.err.find(file + ":6:20: error: unknown operator 'contians'") != std::string::npos);
  CHECK(v.err.find("did you mean 'contains'?") != std::string::npos);
  CHECK(v.err.find("        when: city contians \"Shang\"\n") != std::string::npos);
  CHECK(v.err.find(file + ":9:") != std::string::npos);   // a date compared with a number
  CHECK(v.err.find(file + ":12:15: error:") != std::string::npos);  // unknown field
  CHECK(v.err.find("did you mean 'status'?") != std::string::npos);
  CHECK(v.err.find("3 errors") != std::string::npos);
}

TEST_CASE("cli: a failing example names the condition that decided it and exits 1") {
  Workspace ws(
      "tag_groups:\n"
      "  - name: g\n"
      "    segments:\n"
      "      - id: a\n"
      "        tag: A\n"
      "        when: exams_passed >= 13\n"
      "        examples:\n"
      "          - expect: in\n"
      "            profile: {exams_passed: 12}\n");
  RunResult t = ws.Run({"test"});
  CHECK(t.exit_code == 1);
  CHECK(t.out.find("exams_passed >= 13") != std::string::npos);
  CHECK(t.out.find("0 passed, 1 failed") != std::string::npos);
}

TEST_CASE("cli: segments --format json has the spec's shape, and bad rows are counted") {
  Workspace ws({}, std::string(kHeader) +
                       "C1,A,B,a@x,138,oU1,Affiliate,13,40,Y,2026-10-01,,,China,East China,"
                       "Shanghai,KPMG,zh,event_qr,,\n"
                       "C2,A,B,a@x,138,oU2,Member,thirteen,40,Y,,,,China,,,,,,,\n");
  RunResult r = ws.Run({"segments", "--format", "json", "--as-of", "2026-12-01"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("{\"as_of\":\"2026-12-01T00:00:00+08:00\",\"rows\":2,\"rows_rejected\":1,"
                    "\"segments\":[{\"id\":\"ready_to_convert\",\"group\":\"会籍阶段\",\"tag\":\"待转会员\","
                    "\"size\":1}",
                    0) == 0);
  CHECK(r.out.find("{\"id\":\"city\",\"group\":\"城市\",\"tag\":\"Shanghai\",\"size\":1}") != std::string::npos);
  // The rejected row: its line, column and value.
  CHECK(r.err.find("export.csv:3:") != std::string::npos);
  CHECK(r.err.find("ExamsPassed") != std::string::npos);
  CHECK(r.err.find("'thirteen'") != std::string::npos);
}

TEST_CASE("cli: explain shows actual values, operators and results, and 'missing'") {
  Workspace ws;
  RunResult r = ws.Run({"explain", "C2", "--segment", "ready_to_convert", "--as-of", "2026-12-01"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ready_to_convert (会籍阶段/待转会员): out") != std::string::npos);
  CHECK(r.out.find("status = \"Affiliate\": false (status is \"Member\")") != std::string::npos);
  CHECK(r.out.find("ethics_done is true: false (ethics_done is missing)") != std::string::npos);
  RunResult unknown = ws.Run({"explain", "C404"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("'C404' is not in") != std::string::npos);
  RunResult bad_segment = ws.Run({"explain", "C1", "--segment", "redy_to_convert"});
  CHECK(bad_segment.exit_code == 2);
  CHECK(bad_segment.err.find("did you mean 'ready_to_convert'?") != std::string::npos);
}

TEST_CASE("cli: a date-time at 23:30 Shanghai time is still that day") {
  Workspace ws;
  // C1 registered 2026-11-20 23:30 local: 30 days before 2026-12-20 counts it, 2026-12-21 not.
  RunResult in = ws.Run({"explain", "C1", "--segment", "new_signup", "--as-of", "2026-12-20"});
  CHECK(in.out.find("new_signup (注册/新注册): in") != std::string::npos);
  RunResult out = ws.Run({"explain", "C1", "--segment", "new_signup", "--as-of", "2026-12-21"});
  CHECK(out.out.find("new_signup (注册/新注册): out") != std::string::npos);
}

TEST_CASE("cli: a mapped column missing from the export is one fatal error naming it") {
  Workspace ws({}, "ContactID,Status\nC1,Member\n");
  RunResult r = ws.Run({"segments"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("ExamsPassed") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("cli: usage errors exit 2") {
  Workspace ws;
  CHECK(ws.Run({"segments", "--format", "yaml"}).exit_code == 2);
  CHECK(ws.Run({"segments", "--as-of", "tomorrow"}).exit_code == 2);
  CHECK(RunSegsync({"frobnicate"}).exit_code == 2);
}

}  // namespace
}  // namespace segsync::testing

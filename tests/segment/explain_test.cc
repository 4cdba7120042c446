#include "segment/explain.h"

#include <doctest/doctest.h>

#include "affiliate_schema.h"

namespace segsync {

using testing::MakeProfile;
using testing::ShanghaiContext;

namespace {

const char* kJourney =
    "tag_groups:\n"
    "  - name: 会籍阶段\n"
    "    exclusive: true\n"
    "    segments:\n"
    "      - id: ready_to_convert\n"
    "        tag: 待转会员\n"
    "        when:\n"
    "          all:\n"
    "            - status = \"Affiliate\"\n"
    "            - exams_passed >= 13\n"
    "            - per_months >= 36\n"
    "            - any:\n"
    "                - ethics_done is true\n"
    "                - not: in segment vip\n"
    "        examples:\n"
    "          - expect: in\n"
    "            profile: {status: Affiliate, exams_passed: 13, per_months: 40, ethics_done: true}\n"
    "          - expect: in\n"
    "            profile: {status: Affiliate, exams_passed: 12, per_months: 40, ethics_done: true}\n"
    "      - id: missing_per\n"
    "        tag: 缺实践经验\n"
    "        when: status = Affiliate\n"
    "        examples:\n"
    "          - expect: in\n"
    "            profile: {status: Affiliate, exams_passed: 13, per_months: 40, ethics_done: true}\n"
    "          - expect: out\n"
    "            profile: {status: Member}\n"
    "  - name: 城市\n"
    "    segments:\n"
    "      - id: city\n"
    "        tag_from: city\n"
    "        values: [Shanghai, Beijing]\n"
    "      - id: vip\n"
    "        tag: VIP\n"
    "        when: employer contains KPMG\n";

RuleSet Journey() {
  DiagSink sink;
  RuleSet rs = LoadRuleSources({{"j.yaml", kJourney}}, testing::AffiliateSchema(), sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  return rs;
}

}  // namespace

TEST_CASE("explain shows each condition with the actual value, indented, and in/out") {
  RuleSet rs = Journey();
  Profile p = MakeProfile(rs.schema, {{"id", "C1000007"}, {"status", "Affiliate"},
                                      {"exams_passed", "12"}, {"ethics_done", "Y"}, {"city", "Lhasa"}});
  CHECK(ExplainText(rs, p, ShanghaiContext("2027-01-15 23:30")) ==
        "profile C1000007 as of 2027-01-15\n"
        "ready_to_convert (会籍阶段/待转会员): out\n"
        "  all: false\n"
        "    status = \"Affiliate\": true (status is \"Affiliate\")\n"
        "    exams_passed >= 13: false (exams_passed is 12)\n"
        "    per_months >= 36: false (per_months is missing)\n"
        "    any: true\n"
        "      ethics_done is true: true (ethics_done is true)\n"
        "      not: true\n"
        "        in segment vip: false (vip is out)\n"
        "missing_per (会籍阶段/缺实践经验): in\n"
        "  status = Affiliate: true (status is \"Affiliate\")\n"
        "city (城市/tag_from city): out (no allowed value in field 'city')\n"
        "vip (城市/VIP): out\n"
        "  employer contains KPMG: false (employer is missing)\n"
        "tags: 会籍阶段/缺实践经验\n");
}

TEST_CASE("explain one segment, exclusivity and tag_from tags are spelled out") {
  RuleSet rs = Journey();
  Profile p = MakeProfile(rs.schema, {{"id", "C1000008"}, {"status", "Affiliate"}, {"exams_passed", "13"},
                                      {"per_months", "40"}, {"ethics_done", "Y"}, {"city", "Shanghai"}});
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  CHECK(ExplainText(rs, p, ctx, nullptr, "missing_per") ==
        "profile C1000008 as of 2027-01-15\n"
        "missing_per (会籍阶段/缺实践经验): out (its condition holds, but 'ready_to_convert' comes "
        "first in exclusive group '会籍阶段')\n"
        "  status = Affiliate: true (status is \"Affiliate\")\n");
  CHECK(ExplainText(rs, p, ctx, nullptr, "city") ==
        "profile C1000008 as of 2027-01-15\n"
        "city (城市/tag_from city): in, tags: Shanghai\n");
  CHECK(ExplainText(rs, p, ctx, nullptr, "misisng_per") ==
        "unknown segment 'misisng_per'; did you mean 'missing_per'?\n");
}

TEST_CASE("explain shows a date-time's local date, which is what date conditions compare") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      "tag_groups:\n  - name: G\n    segments:\n      - {id: new, tag: N, when: registered_at within last 0 days}\n",
      sink);
  REQUIRE(sink.ok());
  Profile p = MakeProfile(rs.schema, {{"id", "C1"}, {"registered_at", "2027-01-16T00:10:00+08:00"}});
  CHECK(ExplainText(rs, p, ShanghaiContext("2027-01-16 00:30"), nullptr, "new") ==
        "profile C1 as of 2027-01-16\n"
        "new (G/N): in\n"
        "  registered_at within last 0 days: true (registered_at is 2027-01-15T16:10:00Z, local date "
        "2027-01-16)\n");
}

TEST_CASE("the examples runner reports each failure with its deciding condition") {
  RuleSet rs = Journey();
  ExamplesReport report = RunExamples(rs, ShanghaiContext("2027-01-15 10:00"));
  CHECK(report.passed == 2);
  CHECK(report.failed == 2);
  REQUIRE(report.results.size() == 4);
  CHECK(report.results[0].passed);
  CHECK_FALSE(report.results[1].passed);
  CHECK(report.text ==
        "j.yaml:18:13: error: example 2 of segment 'ready_to_convert': expected in, got out\n"
        "    decided by j.yaml:10:15: exams_passed >= 13: false (exams_passed is 12)\n"
        "    ready_to_convert (会籍阶段/待转会员): out\n"
        "      all: false\n"
        "        status = \"Affiliate\": true (status is \"Affiliate\")\n"
        "        exams_passed >= 13: false (exams_passed is 12)\n"
        "        per_months >= 36: true (per_months is 40)\n"
        "        any: true\n"
        "          ethics_done is true: true (ethics_done is true)\n"
        "          not: true\n"
        "            in segment vip: false (vip is out)\n"
        "j.yaml:24:13: error: example 1 of segment 'missing_per': expected in, got out\n"
        "    decided by: its condition holds, but 'ready_to_convert' comes first in exclusive group "
        "'会籍阶段'\n"
        "    missing_per (会籍阶段/缺实践经验): out (its condition holds, but 'ready_to_convert' comes "
        "first in exclusive group '会籍阶段')\n"
        "      status = Affiliate: true (status is \"Affiliate\")\n"
        "2 passed, 2 failed\n");
}

TEST_CASE("the example rules in rules/ load without a problem and all their examples pass") {
  DiagSink sink;
  auto files = ExpandRulePath(std::string(SEGSYNC_SOURCE_DIR) + "/rules", sink);
  REQUIRE(files.size() >= 4);
  RuleSet rs = LoadRules(files, testing::AffiliateSchema(), sink);
  REQUIRE_MESSAGE(sink.diagnostics().empty(), sink.FormatAll());
  // Every segment has an in and an out example.
  for (const auto& s : rs.segments) {
    CAPTURE(s.id);
    bool in = false, out = false;
    for (const auto& ex : s.examples) (ex.expect_in ? in : out) = true;
    CHECK(in);
    CHECK(out);
  }
  CHECK(rs.IndexOf("recent_exam") >= 0);
  CHECK(rs.segments[rs.IndexOf("ready_to_convert")].group_chat.has_value());
  CHECK(rs.campaigns.size() == 1);
  // Relative example dates keep them valid whatever the as-of date, late at night too.
  for (const char* as_of : {"2027-01-15 10:00", "2026-12-31 23:30", "2028-02-29 00:10"}) {
    CAPTURE(as_of);
    ExamplesReport report = RunExamples(rs, ShanghaiContext(as_of));
    CHECK_MESSAGE(report.failed == 0, report.text);
    CHECK(report.passed > 40);
    CHECK(report.text == std::to_string(report.passed) + " passed, 0 failed\n");
  }
}

}  // namespace segsync

// The printers: spec §5 JSON (golden), CSV quoting, the operator's text.
#include "plan/plan_print.h"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <sstream>

#include "plan/guard.h"
#include "plan_fixture.h"
#include "test_support.h"

namespace segsync {
namespace {

using testing::PlanFixture;

// A small plan: one exclusive swap, one add of a tag not created yet, a conflict, an
// unmatched profile, a kept hand-added tag; and a guard reason.
Plan SamplePlan() {
  PlanFixture f;
  f.in.as_of = "2026-12-01T00:00:00+08:00";
  f.in.catalog.AddGroup("会籍阶段", true);
  TagIndex affiliate = f.Tag("会籍阶段", "在读学员");
  TagIndex convert = f.Tag("会籍阶段", "待转会员");
  TagIndex beijing = f.Tag("城市", "Beijing");
  TagIndex shanghai = f.NewTag("城市", "Shanghai");
  f.Profile("C1000007", "oUC1000007", "", "", {convert});
  f.Profile("C1000008", "", "C1000008", "", {shanghai});
  f.Profile("C1000009", "", "", "13800000009", {});
  f.Profile("C1000010", "oUC1000007", "", "", {beijing});  // conflict with C1000007
  f.Rel("zhangsan", "wmC1000007", "oUC1000007", "", {}, 100, {affiliate, beijing});
  f.Own("zhangsan", "wmC1000007", affiliate);
  f.Own("zhangsan", "wmC1000007", beijing);
  f.Rel("lisi", "wmC1000008", "", "C1000008", {}, 100, {beijing});  // by hand: kept
  Plan plan = f.Build();
  GuardSettings g;
  g.max_removals = 1;
  g.max_removal_ratio = 1.0;
  ApplyGuard(g, {}, &plan);
  return plan;
}

TEST_CASE("json output is exactly the spec §5 object") {
  Plan plan = SamplePlan();
  std::ostringstream out;
  PrintPlanJson(plan, out);
  std::string golden =
      testing::ReadFile(std::string(SEGSYNC_SOURCE_DIR) + "/tests/plan/golden/plan_small.json");
  // The golden file holds PLAN_ID where the id goes: the id has its own tests.
  for (size_t at; (at = golden.find("PLAN_ID")) != std::string::npos;) golden.replace(at, 7, plan.id);
  CHECK(out.str() == golden);

  // And the shape, key by key, as a script would read it.
  boost::json::value v = boost::json::parse(out.str());
  const auto& o = v.as_object();
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"plan_id", "as_of", "summary", "changes"});
  std::vector<std::string> summary_keys;
  for (const auto& kv : o.at("summary").as_object()) summary_keys.emplace_back(kv.key());
  CHECK(summary_keys == std::vector<std::string>{"profiles", "rows_rejected", "matched", "unmatched",
                                                 "relations", "relations_changed", "tags_added",
                                                 "tags_removed", "api_calls", "blocked", "reasons"});
  std::vector<std::string> change_keys;
  for (const auto& kv : o.at("changes").as_array().at(0).as_object()) change_keys.emplace_back(kv.key());
  CHECK(change_keys ==
        std::vector<std::string>{"crm_id", "external_userid", "userid", "add", "remove"});
}

TEST_CASE("json escapes quotes and control characters and keeps UTF-8 raw") {
  PlanFixture f;
  TagIndex t = f.Tag("组", "a\"b\\c\n");
  f.Profile("C\"1", "oU1", "", "", {t});
  f.Rel("s1", "wm1", "oU1");
  std::ostringstream out;
  PrintPlanJson(f.Build(), out);
  CHECK(out.str().find(R"("crm_id":"C\"1")") != std::string::npos);
  CHECK(out.str().find(R"("add":["组/a\"b\\c\n"])") != std::string::npos);
  CHECK(boost::json::parse(out.str()).at("changes").at(0).at("add").at(0).as_string() == "组/a\"b\\c\n");
}

TEST_CASE("csv has one row per tag with RFC 4180 quoting") {
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField("cr\r") == "\"cr\r\"");
  CHECK(CsvField("") == "");
  CHECK(CsvField("城市/Beijing") == "城市/Beijing");

  PlanFixture f;
  TagIndex a = f.Tag("City", "Beijing, North");
  TagIndex b = f.Tag("G", "say \"x\"");
  f.Profile("C1", "oU1", "", "", {a});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {b});
  f.Own("s1", "wm1", b);
  std::ostringstream out;
  PrintPlanCsv(f.Build(), out);
  CHECK(out.str() ==
        "crm_id,external_userid,userid,op,tag\r\n"
        "C1,wm1,s1,add,\"City/Beijing, North\"\r\n"
        "C1,wm1,s1,remove,\"G/say \"\"x\"\"\"\r\n");
}

TEST_CASE("text output shows tags per group, the summary, the guard, then the changes") {
  Plan plan = SamplePlan();
  std::ostringstream out;
  PrintPlanText(plan, out, {1});
  const std::string s = out.str();
  CHECK(s.rfind("Plan " + plan.id + " as of 2026-12-01T00:00:00+08:00\n", 0) == 0);
  const size_t group = s.find("  会籍阶段  (exclusive)\n");
  const size_t summary = s.find("\nSummary:\n");
  const size_t changes = s.find("\nChanges (first 1 of 2):\n");
  REQUIRE(group != std::string::npos);
  REQUIRE(summary != std::string::npos);
  REQUIRE(changes != std::string::npos);
  CHECK(group < summary);
  CHECK(summary < changes);
  CHECK(s.find("add e.g. C1000007") != std::string::npos);
  CHECK(s.find("(new tag: created before apply)") != std::string::npos);
  CHECK(s.find("C1000010 -> wmC1000007, kept by C1000007") != std::string::npos);
  CHECK(s.find("guard           BLOCKED\n    - would remove 2 tags, more than guard.max_removals = 1") !=
        std::string::npos);
  CHECK(s.find("  C1000007 wmC1000007 zhangsan +会籍阶段/待转会员 -会籍阶段/在读学员 -城市/Beijing\n") !=
        std::string::npos);
  CHECK(s.find("C1000008 wmC1000008") == std::string::npos);  // beyond max_changes
}

TEST_CASE("text output of an empty plan says so") {
  PlanFixture f;
  std::ostringstream out;
  PrintPlanText(f.Build(), out);
  CHECK(out.str().find("  no tag changes\n") != std::string::npos);
  CHECK(out.str().find("\nNo changes.\n") != std::string::npos);
  CHECK(out.str().find("mark_tag 0") != std::string::npos);
}

TEST_CASE("durations read as seconds, minutes or hours") {
  CHECK(FormatDuration(0) == "about 0s");
  CHECK(FormatDuration(30.2) == "about 31s");
  CHECK(FormatDuration(125) == "about 2m 05s");
  CHECK(FormatDuration(7260) == "about 2h 01m");
}

}  // namespace
}  // namespace segsync

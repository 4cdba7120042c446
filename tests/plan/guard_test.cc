// The guard: each reason with its numbers and setting, the boundaries, and approval.
#include "plan/guard.h"

#include <doctest/doctest.h>

#include "plan_fixture.h"

namespace segsync {
namespace {

// A plan with `profiles` matched rows; `owned` of them carry segsync's tag and `removing` of
// those left the segment.
Plan MakePlan(int profiles, int owned, int removing) {
  testing::PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  for (int i = 0; i < profiles; ++i) {
    std::string id = std::to_string(i);
    bool has = i < owned;
    bool wants = has && i >= removing;
    f.Profile("C" + id, "oU" + id, "", "", wants ? std::vector<TagIndex>{t} : std::vector<TagIndex>{});
    f.Rel("s1", "wm" + id, "oU" + id, "", {}, 1, has ? std::vector<TagIndex>{t} : std::vector<TagIndex>{});
    if (has) f.Own("s1", "wm" + id, t);
  }
  return f.Build();
}

TEST_CASE("a plan within every limit passes") {
  Plan plan = MakePlan(100, 100, 5);
  ApplyGuard({}, {100, {}, -1}, &plan);
  CHECK_FALSE(plan.summary.blocked);
  CHECK(plan.summary.reasons.empty());
}

TEST_CASE("too many removals blocks, naming the count, the setting and the way out") {
  Plan plan = MakePlan(1600, 1600, 1532);
  GuardSettings s;
  s.max_removal_ratio = 1.0;
  ApplyGuard(s, {}, &plan);
  CHECK(plan.summary.blocked);
  REQUIRE(plan.summary.reasons.size() == 1);
  CHECK(plan.summary.reasons[0] ==
        "would remove 1,532 tags, more than guard.max_removals = 1000; review with `segsync plan`, "
        "then approve with `segsync sync --approve " + plan.id + "`");
  // Exactly at the limit passes.
  s.max_removals = 1532;
  CHECK(GuardReasons(plan, s, {}).empty());
}

TEST_CASE("removing too large a share of the managed tags blocks") {
  Plan plan = MakePlan(100, 80, 8);  // 8 of 80 = 10%
  std::vector<std::string> reasons = GuardReasons(plan, {}, {});
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0].rfind("would remove 8 of the 80 tags segsync manages (10.0%), more than "
                         "guard.max_removal_ratio = 0.05; review with `segsync plan`",
                         0) == 0);
  GuardSettings s;
  s.max_removal_ratio = 0.1;  // exactly at the ratio passes
  CHECK(GuardReasons(plan, s, {}).empty());
}

TEST_CASE("an empty export blocks") {
  Plan plan = MakePlan(0, 0, 0);
  std::vector<std::string> reasons = GuardReasons(plan, {}, {1000, {}, -1});
  REQUIRE(reasons.size() == 1);  // the shrink check is not repeated for an empty export
  CHECK(reasons[0] == "the export has no rows; check crm.export, and if it is really empty, approve "
                      "with `segsync sync --approve " + plan.id + "`");
}

TEST_CASE("rejected rows count as rows: an export of only bad rows is not empty") {
  Plan plan = MakePlan(0, 0, 0);
  plan.summary.rows_rejected = 10;
  CHECK(GuardReasons(plan, {}, {}).empty());
}

TEST_CASE("an export that shrank past the ratio blocks; at the ratio it passes") {
  Plan plan = MakePlan(61, 0, 0);
  std::vector<std::string> reasons = GuardReasons(plan, {}, {100, {}, -1});
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == "the export has 61 rows, 39.0% fewer than the 100 rows of the last applied "
                      "run, more than guard.max_export_shrink_ratio = 0.2; check the CRM export, and "
                      "if the drop is real, approve with `segsync sync --approve " + plan.id + "`");
  Plan at_limit = MakePlan(80, 0, 0);
  CHECK(GuardReasons(at_limit, {}, {100, {}, -1}).empty());
  CHECK(GuardReasons(plan, {}, {std::nullopt, {}, -1}).empty());  // first run: nothing to compare
  CHECK(GuardReasons(MakePlan(500, 0, 0), {}, {100, {}, -1}).empty());  // growth is fine
}

TEST_CASE("a lost mapped column blocks and names the columns") {
  Plan plan = MakePlan(10, 0, 0);
  std::vector<std::string> reasons = GuardReasons(plan, {}, {std::nullopt, {"Status", "City"}, -1});
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] ==
        "the export's header lost mapped columns Status, City; fix the export or the mapping "
        "before syncing");
  CHECK(GuardReasons(plan, {}, {std::nullopt, {"Status"}, -1})[0].rfind(
            "the export's header lost mapped column Status;", 0) == 0);
}

TEST_CASE("new tags past WeCom's corp tag limit block; unknown counts are not checked") {
  testing::PlanFixture f;
  TagIndex a = f.NewTag("G", "A");
  TagIndex b = f.NewTag("G", "B");
  f.Profile("C1", "oU1", "", "", {a, b});
  f.Rel("s1", "wm1", "oU1");
  Plan plan = f.Build();
  GuardFacts facts;
  facts.corp_tags = 2999;
  std::vector<std::string> reasons = GuardReasons(plan, {}, facts);
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0].rfind("would create 2 tags, but the corp has 2,999 and WeCom allows "
                         "wecom.tag_limit = 3000;", 0) == 0);
  facts.corp_tags = 2998;  // exactly at the limit
  CHECK(GuardReasons(plan, {}, facts).empty());
  facts.corp_tags = -1;
  CHECK(GuardReasons(plan, {}, facts).empty());
}

TEST_CASE("several reasons are all reported") {
  Plan plan = MakePlan(50, 50, 50);
  GuardSettings s;
  s.max_removals = 10;
  ApplyGuard(s, {100, {"Status"}, -1}, &plan);
  CHECK(plan.summary.blocked);
  CHECK(plan.summary.reasons.size() == 4);  // column, shrink, count, ratio
}

TEST_CASE("approval matches only this plan's id") {
  Plan plan = MakePlan(3, 3, 3);
  CHECK(ApprovalMatches(plan, plan.id));
  CHECK_FALSE(ApprovalMatches(plan, ""));
  CHECK_FALSE(ApprovalMatches(plan, "0000000000000000"));
}

TEST_CASE("FormatCount groups thousands") {
  CHECK(FormatCount(0) == "0");
  CHECK(FormatCount(999) == "999");
  CHECK(FormatCount(1000) == "1,000");
  CHECK(FormatCount(1234567) == "1,234,567");
  CHECK(FormatCount(-1532) == "-1,532");
}

}  // namespace
}  // namespace segsync

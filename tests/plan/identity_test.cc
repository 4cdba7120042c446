// Identity join: key order, each key, mobile normalisation, unmatched, ambiguity, conflicts.
#include <doctest/doctest.h>

#include "mapper/mapper.h"
#include "plan/plan.h"
#include "plan_fixture.h"

namespace segsync {
namespace {

using testing::ChangeLines;
using testing::PlanFixture;

TEST_CASE("the join compares mobiles by digits without a leading 86 or 0086") {
  struct Case {
    const char* raw;
    const char* want;
  };
  const Case cases[] = {
      {"13800000007", "13800000007"},
      {"+86 138-0000-0007", "13800000007"},
      {"0086 138 0000 0007", "13800000007"},
      {"8613800000007", "13800000007"},
      {"+86(138)00000007", "13800000007"},
      {" 138 0000 0007 ", "13800000007"},
      {"86123", "86123"},              // too short to carry a country code: kept
      {"861380000000", "861380000000"},  // 12 digits: not "86" + a mobile
      {"00861", "1"},
      {"", ""},
      {"n/a", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.raw);
    CHECK(NormalizeMobile(c.raw) == c.want);
  }
}

TEST_CASE("each identity key finds its customer, and the summary says by which key") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.Profile("C1", "oU1", "", "", {t});
  f.Profile("C2", "", "C2", "", {t});
  f.Profile("C3", "", "", "138 0000 0003", {t});
  f.Profile("C4", "", "", "", {t});  // no identity at all
  f.Rel("staff001", "wm1", "oU1");
  f.Rel("staff001", "wm2", "", "C2");
  f.Rel("staff002", "wm3", "", "", {"+86 138-0000-0003"});
  f.Rel("staff002", "wm9", "oU9");  // nobody's customer
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == std::vector<std::string>{"C1 wm1 staff001 +G/T", "C2 wm2 staff001 +G/T",
                                                      "C3 wm3 staff002 +G/T"});
  CHECK(plan.summary.matched == 3);
  CHECK(plan.summary.unmatched == 1);
  CHECK(plan.summary.matched_by[0] == 1);
  CHECK(plan.summary.matched_by[1] == 1);
  CHECK(plan.summary.matched_by[2] == 1);
  CHECK(plan.summary.relations == 3);
  CHECK(plan.summary.relations_unmatched == 1);
  CHECK(plan.summary.customers == 4);
}

TEST_CASE("the first key in the mapping's order that finds a customer wins") {
  auto build = [](std::vector<IdentityKind> order) {
    PlanFixture f;
    TagIndex t = f.Tag("G", "T");
    f.Profile("C1", "oU1", "C1", "13800000001", {t});
    f.Rel("s1", "wmA", "oU1");
    f.Rel("s1", "wmB", "", "C1");
    f.Rel("s1", "wmC", "", "", {"13800000001"});
    f.in.identity = std::move(order);
    return f.Build();
  };
  using K = IdentityKind;
  CHECK(ChangeLines(build({K::kUnionId, K::kState, K::kMobile})) ==
        std::vector<std::string>{"C1 wmA s1 +G/T"});
  CHECK(ChangeLines(build({K::kState, K::kUnionId})) == std::vector<std::string>{"C1 wmB s1 +G/T"});
  CHECK(ChangeLines(build({K::kMobile, K::kState})) == std::vector<std::string>{"C1 wmC s1 +G/T"});
  // A key the mapping does not list is never used.
  CHECK(build({K::kUnionId}).summary.matched == 1);
  Plan only_state_missing = [] {
    PlanFixture f;
    f.Profile("C1", "", "", "13800000001");
    f.Rel("s1", "wmC", "", "", {"13800000001"});
    f.in.identity = {IdentityKind::kUnionId, IdentityKind::kState};
    return f.Build();
  }();
  CHECK(only_state_missing.summary.unmatched == 1);
}

TEST_CASE("a key that finds nothing falls through to the next key") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.Profile("C1", "oU-unknown", "C1", "", {t});
  f.Rel("s1", "wmB", "", "C1");
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == std::vector<std::string>{"C1 wmB s1 +G/T"});
  CHECK(plan.summary.matched_by[1] == 1);
}

TEST_CASE("a key value on two different customers is ambiguous and skipped") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.in.identity = {IdentityKind::kMobile, IdentityKind::kState};
  f.Profile("C1", "", "C1", "13800000001", {t});
  f.Rel("s1", "wmA", "", "", {"13800000001"});
  f.Rel("s2", "wmB", "", "C1", {"+86 13800000001"});
  Plan plan = f.Build();
  CHECK(plan.summary.ambiguous == 1);
  CHECK(ChangeLines(plan) == std::vector<std::string>{"C1 wmB s2 +G/T"});
  CHECK(plan.summary.matched_by[1] == 1);
}

TEST_CASE("the same key on two relationships of one customer is not ambiguous") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.Profile("C1", "oU1", "", "", {t});
  f.Rel("s1", "wmA", "oU1", "", {}, 100);
  f.Rel("s2", "wmA", "oU1", "", {}, 200);
  Plan plan = f.Build();
  CHECK(plan.summary.ambiguous == 0);
  CHECK(plan.summary.customers == 1);
  CHECK(ChangeLines(plan) == std::vector<std::string>{"C1 wmA s1 +G/T", "C1 wmA s2 +G/T"});
}

TEST_CASE("two profiles claiming one customer: the first in export order wins") {
  PlanFixture f;
  TagIndex a = f.Tag("G", "A");
  TagIndex b = f.Tag("G", "B");
  f.Profile("C1", "", "", "13800000001", {a});
  f.Profile("C2", "oU1", "C2", "", {b});  // finds wmA by unionid: taken; does not fall through
  f.Rel("s1", "wmA", "oU1", "", {"13800000001"});
  f.Rel("s1", "wmB", "", "C2");
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == std::vector<std::string>{"C1 wmA s1 +G/A"});
  CHECK(plan.summary.matched == 1);
  CHECK(plan.summary.unmatched == 1);
  CHECK(plan.summary.conflicts == 1);
  REQUIRE(plan.conflicts.size() == 1);
  CHECK(plan.conflicts[0].crm_id == "C2");
  CHECK(plan.conflicts[0].winner_crm_id == "C1");
  CHECK(plan.conflicts[0].external_userid == "wmA");
  CHECK(plan.summary.relations_unmatched == 1);  // wmB: nobody claims it
}

TEST_CASE("empty identity values never match empty WeCom fields") {
  PlanFixture f;
  f.Profile("C1", "", "", "");
  f.Rel("s1", "wmA");
  Plan plan = f.Build();
  CHECK(plan.summary.unmatched == 1);
  CHECK(plan.summary.relations_unmatched == 1);
}

}  // namespace
}  // namespace segsync

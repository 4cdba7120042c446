// The diff: add / remove / no-op, ownership, exclusive groups, tag_relations, orphans, the
// call projection and the plan id.
#include <doctest/doctest.h>

#include "plan/plan.h"
#include "plan_fixture.h"

namespace segsync {
namespace {

using testing::ChangeLines;
using testing::PlanFixture;
using Lines = std::vector<std::string>;

TEST_CASE("add the missing desired tags, remove owned undesired ones, leave the rest") {
  PlanFixture f;
  TagIndex keep = f.Tag("G", "Keep");
  TagIndex add = f.Tag("G", "Add");
  TagIndex drop = f.Tag("G", "Drop");
  f.Profile("C1", "oU1", "", "", {keep, add});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {keep, drop});
  f.Own("s1", "wm1", keep);
  f.Own("s1", "wm1", drop);
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C1 wm1 s1 +G/Add -G/Drop"});
  CHECK(plan.summary.tags_added == 1);
  CHECK(plan.summary.tags_removed == 1);
  CHECK(plan.summary.relations_changed == 1);
  CHECK(plan.summary.managed_tags == 2);
  CHECK(plan.tag_stats[add].adds == 1);
  CHECK(plan.tag_stats[add].add_samples == Lines{"C1"});
  CHECK(plan.tag_stats[drop].removes == 1);
  CHECK(plan.tag_stats[keep].adds == 0);
}

TEST_CASE("a tag segsync does not own is never removed, even with the same name") {
  PlanFixture f;
  TagIndex vip = f.Tag("G", "VIP");
  f.Profile("C1", "oU1", "", "", {});  // no longer in the segment
  f.Profile("C2", "oU2", "", "", {});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {vip});  // a member put G/VIP there by hand
  f.Rel("s1", "wm2", "oU2", "", {}, 1, {vip});
  f.Own("s1", "wm2", vip);  // here segsync did
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C2 wm2 s1 -G/VIP"});
}

TEST_CASE("a desired tag already there (by hand) is not added again and not owned later") {
  PlanFixture f;
  TagIndex vip = f.Tag("G", "VIP");
  f.Profile("C1", "oU1", "", "", {vip});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {vip});
  Plan plan = f.Build();
  CHECK(plan.changes.empty());
  CHECK(plan.summary.managed_tags == 0);
}

TEST_CASE("an exclusive group swaps segsync's old tag for the new one in one change") {
  PlanFixture f;
  f.in.catalog.AddGroup("Stage", true);
  TagIndex affiliate = f.Tag("Stage", "Affiliate");
  TagIndex member = f.Tag("Stage", "Member");
  TagIndex city = f.Tag("City", "Beijing");
  // The rules engine already picks one tag per exclusive group; the planner enforces it too.
  f.Profile("C1", "oU1", "", "", {member, affiliate, city});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {affiliate, city});
  f.Own("s1", "wm1", affiliate);
  f.Own("s1", "wm1", city);
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C1 wm1 s1 +Stage/Member -Stage/Affiliate"});
  CHECK(plan.api.mark_tag == 1);
}

TEST_CASE("tag_relations picks which relationships of a customer carry the tags") {
  auto build = [](TagRelations mode) {
    PlanFixture f;
    TagIndex t = f.Tag("G", "T");
    f.Profile("C1", "oU1", "", "", {t});
    f.Rel("s2", "wm1", "oU1", "", {}, 200);
    f.Rel("s1", "wm1", "oU1", "", {}, 100);
    f.Rel("s3", "wm1", "oU1", "", {}, 300, {t});
    f.Own("s3", "wm1", t);  // tagged under an earlier `all`
    f.in.tag_relations = mode;
    return f.Build();
  };
  Plan all = build(TagRelations::kAll);
  CHECK(ChangeLines(all) == Lines{"C1 wm1 s1 +G/T", "C1 wm1 s2 +G/T"});
  CHECK(all.summary.relations == 3);
  Plan first = build(TagRelations::kFirstAdded);
  CHECK(ChangeLines(first) == Lines{"C1 wm1 s1 +G/T", "C1 wm1 s3 -G/T"});
  CHECK(first.summary.relations == 1);
  Plan latest = build(TagRelations::kLatest);
  CHECK(latest.changes.empty());
  CHECK(latest.summary.relations == 1);
}

TEST_CASE("latest breaks a createtime tie by the smaller userid") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.Profile("C1", "oU1", "", "", {t});
  f.Rel("s9", "wm1", "oU1", "", {}, 500);
  f.Rel("s5", "wm1", "oU1", "", {}, 500);
  f.Rel("s1", "wm1", "oU1", "", {}, 100);
  f.in.tag_relations = TagRelations::kLatest;
  CHECK(ChangeLines(f.Build()) == Lines{"C1 wm1 s5 +G/T"});
}

TEST_CASE("customers no profile claims keep segsync's tags and are counted") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  f.Profile("C1", "", "", "");  // lost its identity
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {t});  // was C1's; C1's unionid is now empty
  f.Rel("s1", "wm2", "oU2", "", {}, 1, {t});  // profile left the export
  f.Own("s1", "wm1", t);
  f.Own("s1", "wm2", t);
  Plan plan = f.Build();
  CHECK(plan.changes.empty());
  CHECK(plan.summary.orphan_relations == 2);
  CHECK(plan.summary.orphan_tags == 2);
  CHECK(plan.summary.managed_tags == 2);
  CHECK(plan.summary.relations_unmatched == 2);
}

TEST_CASE("stale ledger rows: owned tags WeCom no longer shows are re-added or forgotten") {
  PlanFixture f;
  TagIndex a = f.Tag("G", "A");
  TagIndex b = f.Tag("G", "B");
  f.Profile("C1", "oU1", "", "", {a});
  f.Rel("s1", "wm1", "oU1");  // a member removed both tags by hand
  f.Own("s1", "wm1", a);
  f.Own("s1", "wm1", b);
  f.Own("s1", "wmGone", a);  // that relationship is gone
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C1 wm1 s1 +G/A"});
  CHECK(plan.summary.owned_not_on_wecom == 2);
  CHECK(plan.summary.owned_unobserved == 1);
  CHECK(plan.summary.managed_tags == 0);
}

TEST_CASE("ledger rows listed twice or in pieces are merged per relationship") {
  PlanFixture f;
  TagIndex a = f.Tag("G", "A");
  TagIndex b = f.Tag("G", "B");
  f.Profile("C1", "oU1", "", "", {});
  f.Rel("s1", "wm1", "oU1", "", {}, 1, {a, b});
  f.Rel("s2", "wm1", "oU1", "", {}, 2, {a});
  f.in.owned.push_back({"s1", "wm1", {b, a, b}});
  f.in.owned.push_back({"s1", "wm1", {a}});
  f.in.owned.push_back({"s2", "wm1", {}});
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C1 wm1 s1 -G/A -G/B"});
  CHECK(plan.summary.managed_tags == 2);
  CHECK(plan.summary.tags_removed == 2);
}

TEST_CASE("owned tags placed on relationships by the caller plan exactly as owned tags by key") {
  // The sync matches the ledger's keys itself and hands the planner a per-relationship index.
  PlanFixture by_key;
  TagIndex a = by_key.Tag("G", "A");
  TagIndex b = by_key.Tag("G", "B");
  TagIndex x = by_key.Tag("X", "Only", "et_x");
  by_key.Profile("C1", "oU1", "", "", {a});
  by_key.Profile("C2", "oU2", "", "", {});
  by_key.Rel("s1", "wm1", "oU1", "", {}, 1, {a, b});
  by_key.Rel("s2", "wm2", "oU2", "", {}, 1, {b, x});
  by_key.Rel("s3", "wm3", "oU3", "", {}, 1, {a});  // unmatched: its tags stay
  by_key.in.owned.push_back({"s1", "wm1", {b, a, b}});
  by_key.in.owned.push_back({"s2", "wm2", {x, b}});
  by_key.in.owned.push_back({"s3", "wm3", {a}});
  by_key.in.owned.push_back({"s9", "wmGone", {a, b}});

  PlanFixture by_index = by_key;
  by_index.in.owned.clear();
  by_index.in.owned_index = {{0, 3, 5, 6}, {b, a, b, x, b, a}, 2};

  Plan p1 = by_key.Build(), p2 = by_index.Build();
  CHECK(ChangeLines(p2) == Lines{"C1 wm1 s1 -G/B", "C2 wm2 s2 -G/B -X/Only"});
  CHECK(ChangeLines(p1) == ChangeLines(p2));
  CHECK(p1.id == p2.id);
  CHECK(p2.summary.owned_unobserved == 2);
  CHECK(p1.summary.owned_unobserved == p2.summary.owned_unobserved);
  CHECK(p1.summary.managed_tags == p2.summary.managed_tags);
  CHECK(p1.summary.owned_not_on_wecom == p2.summary.owned_not_on_wecom);
}

TEST_CASE("an owned-tag index that does not fit the relationships is rejected, not read past") {
  PlanFixture f;
  TagIndex a = f.Tag("G", "A");
  f.Rel("s1", "wm1");
  f.Rel("s2", "wm2");
  auto error_of = [&](PlanOwnedIndex oi) {
    PlanInput in = f.in;
    in.owned_index = std::move(oi);
    Result<Plan> r = BuildPlan(in);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidInput);
    return r.error().message;
  };
  CHECK(error_of({{0, 1}, {a}, 0}) == "plan: the owned-tag index does not fit the 2 relationships");
  CHECK(error_of({{0, 2, 1}, {a, a}, 0}) == "plan: the owned-tag index does not fit the 2 relationships");
  CHECK(error_of({{0, 1, 3}, {a, a}, 0}) == "plan: the owned-tag index does not fit the 2 relationships");
  CHECK(error_of({{1, 1, 1}, {a}, 0}) == "plan: the owned-tag index does not fit the 2 relationships");
  CHECK(error_of({{0, 1, 1}, {5}, 0}) == "plan: owned tag #5 is not in the catalog");
  f.Own("s1", "wm1", a);
  CHECK(error_of({{0, 1, 1}, {a}, 0}) == "plan: owned tags given both by key and by relationship");
  f.in.owned.clear();
  f.in.owned_index = {{0, 1, 1}, {a}, 0};
  CHECK(f.Build().summary.managed_tags == 0);  // s1 does not carry A: owned, not on WeCom
}

TEST_CASE("no changes project zero mutating calls; reads are still counted") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  for (int i = 0; i < 250; ++i) {
    std::string id = std::to_string(i);
    f.Profile("C" + id, "oU" + id, "", "", {t});
    f.Rel("s1", "wm" + id, "oU" + id, "", {}, 1, {t});
  }
  Plan plan = f.Build();
  CHECK(plan.changes.empty());
  CHECK(plan.api.writes() == 0);
  CHECK(plan.api.batch_pages == 3);  // 250 rows of one member: 3 pages of 100
  CHECK(plan.summary.api_calls == 1 + 3 + 1);
}

TEST_CASE("the read projection pages each batch of 100 members") {
  PlanFixture f;
  for (int m = 0; m < 150; ++m) f.in.members.push_back("s" + std::to_string(m));
  for (int i = 0; i < 120; ++i) f.Rel("s0", "wm" + std::to_string(i));  // 120 rows on the 1st batch
  f.Rel("x-unlisted", "wmX");  // a userid not in the list still gets read
  Plan plan = f.Build();
  CHECK(plan.api.batch_pages == 2 + 1 + 0);  // batch 1: 2 pages, batch 2 (50 + 1 users): 1 page
}

TEST_CASE("new tags are counted, listed for creation, and cost one add_corp_tag per group") {
  PlanFixture f;
  TagIndex a = f.NewTag("G1", "A");
  TagIndex b = f.NewTag("G1", "B");
  TagIndex c = f.NewTag("G2", "C");
  f.NewTag("G3", "Unused");
  f.Profile("C1", "oU1", "", "", {a, b, c});
  f.Rel("s1", "wm1", "oU1");
  Plan plan = f.Build();
  CHECK(ChangeLines(plan) == Lines{"C1 wm1 s1 +G1/A +G1/B +G2/C"});
  CHECK(plan.missing_tags == std::vector<TagIndex>{a, b, c});
  CHECK(plan.summary.tags_to_create == 3);
  CHECK(plan.api.tag_creations == 2);
  CHECK(plan.api.mark_tag == 1);
}

TEST_CASE("more than 50 tag ids in one change take several mark_tag calls") {
  PlanFixture f;
  std::vector<TagIndex> many;
  for (int i = 0; i < 120; ++i) many.push_back(f.Tag("G", "T" + std::to_string(i)));
  f.Profile("C1", "oU1", "", "", many);
  f.Rel("s1", "wm1", "oU1");
  Plan plan = f.Build();
  CHECK(plan.api.mark_tag == 3);
  CHECK(plan.summary.tags_added == 120);
}

TEST_CASE("the projected duration follows the configured rates") {
  PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  for (int i = 0; i < 600; ++i) {
    std::string id = std::to_string(i);
    f.Profile("C" + id, "oU" + id, "", "", {t});
    f.Rel("s1", "wm" + id, "oU" + id);
  }
  f.in.rates = {600, 0, 1200};
  Plan plan = f.Build();
  // 2 calls at 600/min, 6 pages at 600/min, 600 mark_tag at 1200/min = 0.8 s + 30 s.
  CHECK(plan.api.seconds == doctest::Approx(0.8 + 30.0));
}

TEST_CASE("plan_id is stable for the same plan and changes with it") {
  auto make = [](int variant) {
    PlanFixture f;
    TagIndex a = f.Tag("G", "A");
    TagIndex b = f.NewTag("G", "B");
    f.Profile("C1", "oU1", "", "", {a});
    f.Profile("C2", "oU2", "", "", {variant == 1 ? b : a});
    f.Rel("s1", "wm1", "oU1");
    f.Rel("s1", "wm2", "oU2");
    f.in.as_of = variant == 2 ? "2026-12-02T00:00:00+08:00" : "2026-12-01T00:00:00+08:00";
    if (variant == 3) f.in.catalog.SetTagId(b, "etB");  // created since: same changes
    if (variant == 4) f.Profile("C3", "", "", "");        // one more (unmatched) row
    if (variant == 5) f.in.tag_relations = TagRelations::kLatest;
    return f.Build().id;
  };
  const std::string base = make(0);
  CHECK(base.size() == 16);
  CHECK(base.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(make(0) == base);
  CHECK(make(2) == base);  // as_of is not part of it
  CHECK(make(3) == base);  // nor are tag ids
  CHECK(make(1) != base);
  CHECK(make(4) != base);
  CHECK(make(5) != base);
}

TEST_CASE("tag indexes outside the catalog are rejected with a clear error") {
  PlanFixture f;
  f.Tag("G", "A");
  f.Profile("C1", "oU1", "", "", {7});
  Result<Plan> r = BuildPlan(f.in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().message == "plan: profile C1 wants tag #7, not in the catalog");

  PlanFixture g;
  g.Rel("s1", "wm1", "", "", {}, 1, {3});
  CHECK_FALSE(BuildPlan(g.in).ok());
  PlanFixture h;
  h.Own("s1", "wm1", 0);
  h.in.owned.push_back({"s1", "wm2", {}});
  CHECK_FALSE(BuildPlan(h.in).ok());
}

TEST_CASE("the catalog interns tags and looks them up by name and by WeCom id") {
  TagCatalog cat;
  TagIndex a = cat.AddTag("会籍阶段", "待转会员", "etA");
  CHECK(cat.AddTag("会籍阶段", "待转会员") == a);
  TagIndex b = cat.AddTag("城市", "Beijing");
  CHECK(cat.Find("城市", "Beijing") == b);
  CHECK_FALSE(cat.Find("城市", "Shanghai").has_value());
  CHECK(cat.FindById("etA") == a);
  CHECK_FALSE(cat.FindById("").has_value());
  cat.SetTagId(a, "etA2");
  CHECK_FALSE(cat.FindById("etA").has_value());
  CHECK(cat.FindById("etA2") == a);
  CHECK(cat.Key(a) == "会籍阶段/待转会员");
  cat.AddGroup("城市", true);
  CHECK(cat.exclusive(b));
  CHECK(cat.group_count() == 2);
}

}  // namespace
}  // namespace segsync

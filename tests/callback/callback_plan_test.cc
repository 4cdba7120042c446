// The one-customer plan input: which profiles a new customer is joined to, which of segsync's
// tags count as owned there, and the plan BuildPlan makes from it.
#include "service/callback_plan.h"

#include <doctest/doctest.h>

namespace segsync {
namespace {

Workspace Ws() {
  Workspace ws;
  ws.mapping.identity = {{IdentityKind::kUnionId, "WeChatUnionId", {}}, {IdentityKind::kState, "ContactID", {}},
                         {IdentityKind::kMobile, "Mobile", {}}};
  ws.config.wecom.tag_relations = TagRelations::kAll;
  return ws;
}

wecom::ExternalContactDetail Detail() {
  wecom::ExternalContactDetail d;
  d.contact.external_userid = "wmNEW";
  d.follow_users.push_back({"staff001", "", "", 1700000000, {{"g", "t", "etMember", 1}, {"g", "p", "etPersonal", 2}},
                            "", {"+86 138-0000-0042"}, 1, "", ""});
  d.follow_users.push_back({"staff002", "", "", 1700000100, {}, "", {}, 1, "", "OTHERSTATE"});
  return d;
}

}  // namespace

TEST_CASE("callback plan - relationships of a customer the event's State filling an empty one") {
  auto rels = RelationshipsOf(Detail(), "staff001", "C42");
  REQUIRE(rels.size() == 2);
  CHECK(rels[0].state == "C42");
  CHECK(rels[1].state == "OTHERSTATE");  // WeCom's own value wins
  CHECK(rels[0].tag_ids == std::vector<std::string>{"etMember"});  // no personal tags
  CHECK(rels[0].external_userid == "wmNEW");
}

TEST_CASE("callback plan - the profile is found by state or mobile export order kept and tagged") {
  TagCatalog rules;
  rules.AddGroup("会籍阶段", true);
  TagIndex member = rules.AddTag("会籍阶段", "会员");
  TagIndex learner = rules.AddTag("会籍阶段", "学员");
  std::vector<wecom::TagGroup> library{{"grp1", "会籍阶段", 0, 0, false, {{"etMember", "会员", 0, 0, false}}}};
  std::vector<TagRecord> ours{{"etMember", "grp1", "member", "会籍阶段", "会员", 0, 1, false},
                              {"etGone", "grp1", "old", "会籍阶段", "旧", 0, 1, false}};
  CatalogWithIds ids = SetLibraryIds(rules, 2, library, ours);
  CHECK(ids.catalog.tag_id(member) == "etMember");
  CHECK(ids.catalog.tag_id(learner).empty());       // to be created
  CHECK_FALSE(ids.catalog.FindById("etGone"));        // gone from WeCom: left to the full run
  CHECK(ids.group_ids.at("会籍阶段") == "grp1");

  std::vector<PlanProfile> profiles{
      {"C1", "oU1", "", "13900000001", {member}},    // someone else
      {"C42", "", "C42", "", {learner}},             // the contact-me state of this QR code
      {"C43", "", "", "13800000042", {member}},      // the same customer by mobile, later in the export
  };
  auto rels = RelationshipsOf(Detail(), "staff001", "C42");
  OwnedTags none;
  none.offsets = {0};
  PlanInput pin = CustomerPlanInput(Ws(), profiles, rels, ids.catalog, {}, none, "2026-12-04T10:00:00+08:00");
  REQUIRE(pin.profiles.size() == 2);
  CHECK(pin.profiles[0].crm_id == "C42");
  CHECK(pin.profiles[1].crm_id == "C43");
  CHECK(pin.relationships.size() == 2);
  auto plan = BuildPlan(pin);
  REQUIRE(plan.ok());
  CHECK(plan->summary.matched == 1);         // C42: state comes before mobile in the mapping
  CHECK(plan->summary.conflicts == 1);       // C43 finds it too: a conflict, as in a full run
  REQUIRE(plan->changes.size() == 2);        // tag_relations all: both relationships
  for (const auto& c : plan->changes) {
    CHECK(c.crm_id == "C42");
    CHECK(c.add == std::vector<TagIndex>{learner});
    CHECK(c.remove.empty());                 // etMember on staff001 was not put there by segsync
  }
}

TEST_CASE("callback plan - a tag segsync owns there and no longer wanted is removed - a gone row is ignored") {
  TagCatalog rules;
  rules.AddGroup("会籍阶段", true);
  TagIndex member = rules.AddTag("会籍阶段", "会员");
  TagIndex learner = rules.AddTag("会籍阶段", "学员");
  std::vector<wecom::TagGroup> library{{"grp1", "会籍阶段", 0, 0, false,
                                        {{"etMember", "会员", 0, 0, false}, {"etLearner", "学员", 0, 0, false}}}};
  std::vector<TagRecord> ours{{"etMember", "grp1", "member", "会籍阶段", "会员", 0, 1, false},
                              {"etLearner", "grp1", "learner", "会籍阶段", "学员", 0, 1, false}};
  CatalogWithIds ids = SetLibraryIds(rules, 2, library, ours);
  std::vector<PlanProfile> profiles{{"C42", "", "C42", "", {learner}}};
  auto rels = RelationshipsOf(Detail(), "staff001", "C42");
  std::vector<RelationshipRecord> ledger_rels{{7, "staff001", "wmNEW", "C42", 1, 1, false, ""},
                                              {8, "staff002", "wmNEW", "C42", 1, 1, true, "gone"}};
  OwnedTags owned;
  owned.tag_ids = {"etMember"};
  owned.relationship_ids = {7, 8};
  owned.offsets = {0, 1, 2};
  owned.tags = {0, 0};
  PlanInput pin = CustomerPlanInput(Ws(), profiles, rels, ids.catalog, ledger_rels, owned, "");
  REQUIRE(pin.owned.size() == 1);  // the gone row is not ownership
  auto plan = BuildPlan(pin);
  REQUIRE(plan.ok());
  bool saw_staff001 = false;
  for (const auto& c : plan->changes) {
    if (c.userid != "staff001") continue;
    saw_staff001 = true;
    CHECK(c.add == std::vector<TagIndex>{learner});
    CHECK(c.remove == std::vector<TagIndex>{member});  // exclusive group: segsync's old tag goes
  }
  CHECK(saw_staff001);
}

}  // namespace segsync

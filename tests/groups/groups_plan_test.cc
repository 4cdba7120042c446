// The pure part of the group-chat invitations (issue 6): who BuildPlan lists as candidates and
// through which member, who DecideInvitations invites, the join-way state, and the guard.
#include <doctest/doctest.h>

#include <sstream>

#include "../plan/plan_fixture.h"
#include "plan/groups_plan.h"
#include "plan/guard.h"
#include "plan/plan_print.h"

namespace segsync {
namespace {

// Three customers in segment tag G/T: wm1 (s1), wm2 (s2 at 200, s1 at 100), wm3 (s2); one
// profile (C4) in another tag only.
struct Fixture {
  testing::PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  TagIndex other = f.Tag("G", "Other");
  Fixture() {
    f.Profile("C1", "oU1", "", "", {t});
    f.Profile("C2", "oU2", "", "", {t, other});
    f.Profile("C3", "oU3", "", "", {t});
    f.Profile("C4", "oU4", "", "", {other});
    f.Rel("s1", "wm1", "oU1", "", {}, 100);
    f.Rel("s2", "wm2", "oU2", "", {}, 200);
    f.Rel("s1", "wm2", "oU2", "", {}, 100);
    f.Rel("s2", "wm3", "oU3", "", {}, 300);
    f.Rel("s1", "wm4", "oU4", "", {}, 400);
    f.in.invite_tags = {t};
  }
  GroupSegmentInput Segment() const {
    GroupSegmentInput g;
    g.segment_id = "seg";
    g.label = "G/T";
    g.tags = {t};
    return g;
  }
};

std::string Lines(const Plan& p) {
  std::string s;
  for (const auto& inv : p.invitations) {
    s += inv.segment_id + " " + inv.userid + ":";
    for (const auto& e : inv.external_userids) s += " " + e;
    s += "\n";
  }
  return s;
}

TEST_CASE("groups plan: candidates go through the earliest relationship tag_relations selects") {
  struct Case {
    TagRelations rel;
    const char* wm2_via;
  };
  for (Case c : {Case{TagRelations::kAll, "s1"}, Case{TagRelations::kFirstAdded, "s1"},
                 Case{TagRelations::kLatest, "s2"}}) {
    CAPTURE(TagRelationsName(c.rel));
    Fixture x;
    x.f.in.tag_relations = c.rel;
    Plan p = x.f.Build();
    REQUIRE(p.invitees.size() == 3);  // C4 has no invite tag
    CHECK(p.invitees[1].external_userid == "wm2");
    CHECK(p.invitees[1].crm_id == "C2");
    CHECK(p.invitees[1].userid == c.wm2_via);
  }
  Fixture none;
  none.f.in.invite_tags.clear();
  CHECK(none.f.Build().invitees.empty());
}

TEST_CASE("groups plan: tasks per member in userid order; in-chat, recent and error segments skip") {
  Fixture x;
  Plan p = x.f.Build();
  std::string id = p.id;
  GroupSegmentInput g = x.Segment();
  DecideInvitations({g}, {}, {}, 1000 * 86400, kMaxInviteesPerTask, &p);
  CHECK(Lines(p) == "seg s1: wm1 wm2\nseg s2: wm3\n");
  CHECK(p.summary.invitations == 3);
  REQUIRE(p.group_segments.size() == 1);
  CHECK(p.group_segments[0].in_segment == 3);
  CHECK(p.group_segments[0].to_invite == 3);
  CHECK(p.id != id);  // an approval covers the invitations

  // Already in a chat, and invited 29 days (not 30) before this as-of.
  Plan q = x.f.Build();
  g.in_chats = {"wm1"};
  LastInvitedIndex last{{InviteKey("seg", "wm3"), 1000 * 86400 - 29 * 86400},
                        {InviteKey("seg", "wm2"), 1000 * 86400 - 30 * 86400},  // exactly 30: again
                        {InviteKey("other", "wm2"), 1000 * 86400}};            // another segment's
  DecideInvitations({g}, {}, last, 1000 * 86400, kMaxInviteesPerTask, &q);
  CHECK(Lines(q) == "seg s1: wm2\n");
  CHECK(q.group_segments[0].in_chat == 1);
  CHECK(q.group_segments[0].recently_invited == 1);

  // A segment with an error invites nobody but still counts its customers.
  Plan r = x.f.Build();
  GroupSegmentInput bad = x.Segment();
  bad.error = "group chat wrX is gone";
  DecideInvitations({bad}, {"removed_seg"}, {}, 0, kMaxInviteesPerTask, &r);
  CHECK(r.invitations.empty());
  CHECK(r.summary.invitations == 0);
  REQUIRE(r.group_segments.size() == 2);
  CHECK(r.group_segments[0].in_segment == 3);
  CHECK(r.group_segments[0].to_invite == 0);
  CHECK(r.group_segments[1].segment_id == "removed_seg");
  CHECK(r.group_segments[1].join_way == "delete");
}

TEST_CASE("groups plan: a member's customers are split into tasks of at most the cap") {
  testing::PlanFixture f;
  TagIndex t = f.Tag("G", "T");
  for (int i = 0; i < 7; ++i) {
    std::string n = std::to_string(i);
    f.Profile("C" + n, "oU" + n, "", "", {t});
    f.Rel("s1", "wm" + n, "oU" + n, "", {}, 100 + i);
  }
  f.in.invite_tags = {t};
  Plan p = f.Build();
  GroupSegmentInput g;
  g.segment_id = "seg";
  g.tags = {t};
  DecideInvitations({g}, {}, {}, 0, 3, &p);
  REQUIRE(p.invitations.size() == 3);
  CHECK(p.invitations[0].external_userids.size() == 3);
  CHECK(p.invitations[2].external_userids == std::vector<std::string>{"wm6"});
  CHECK(p.summary.invitations == 7);
  CHECK(kMaxInviteesPerTask == 10000);  // add_msg_template's external_userid cap
}

TEST_CASE("groups plan: the join way state is short, stable and distinct") {
  CHECK(JoinWayState("ready") == "sg_ready");
  std::string long_id(40, 'a');
  std::string s = JoinWayState(long_id);
  CHECK(s.size() <= 30);
  CHECK(s.rfind("sg#", 0) == 0);
  CHECK(s == JoinWayState(long_id));
  CHECK(s != JoinWayState(long_id + "b"));
  std::string cjk = JoinWayState("待转会员");
  CHECK(cjk.size() <= 30);
  CHECK(cjk.rfind("sg#", 0) == 0);
  CHECK(JoinWayState(std::string(27, 'x')).size() == 30);
  CHECK(JoinWayState(std::string(28, 'x')).rfind("sg#", 0) == 0);
}

TEST_CASE("groups plan: guard.max_invitations blocks with the count and the setting") {
  Fixture x;
  Plan p = x.f.Build();
  DecideInvitations({x.Segment()}, {}, {}, 0, kMaxInviteesPerTask, &p);
  GuardSettings s;
  s.max_invitations = 3;
  ApplyGuard(s, {}, &p);
  CHECK_FALSE(p.summary.blocked);
  s.max_invitations = 2;
  ApplyGuard(s, {}, &p);
  CHECK(p.summary.blocked);
  REQUIRE(p.summary.reasons.size() == 1);
  CHECK(p.summary.reasons[0].find("would invite 3 customers into group chats, more than guard.max_invitations = 2") !=
        std::string::npos);
  CHECK(p.summary.reasons[0].find("--approve " + p.id) != std::string::npos);
}

TEST_CASE("groups plan: json and csv extend the spec's output only when there are group segments") {
  Fixture x;
  Plan plain = x.f.Build();
  std::ostringstream j0, c0;
  PrintPlanJson(plain, j0);
  PrintPlanCsv(plain, c0);
  CHECK(j0.str().find("invitations") == std::string::npos);
  CHECK(c0.str().find("invite") == std::string::npos);
  DecideInvitations({x.Segment()}, {}, {}, 0, kMaxInviteesPerTask, &plain);
  std::ostringstream j1, c1, t1;
  PrintPlanJson(plain, j1);
  PrintPlanCsv(plain, c1);
  PrintPlanText(plain, t1);
  CHECK(j1.str().find("\"changes\":[") < j1.str().find("\"invitations\":[{\"segment\":\"seg\",\"userid\":\"s1\",\"count\":2"));
  CHECK(j1.str().find("\"reasons\":[],\"invitations\":3}") != std::string::npos);
  CHECK(c1.str().find("C3,wm3,s2,invite,G/T\r\n") != std::string::npos);
  CHECK(t1.str().find("Group chats: 3 invitations in 2 tasks") != std::string::npos);
}

}  // namespace
}  // namespace segsync

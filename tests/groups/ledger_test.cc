// The ledger side of the invitations (sql/002_groups.sql): which rows count for
// reinvite_after_days, which tasks are followed up, and the per-segment figures.
#include <doctest/doctest.h>

#include "../ledger/ledger_fixture.h"

namespace segsync {
namespace {

using testing::Must;

TEST_CASE("groups ledger: pending, created and fail_list rows count for reinvite; refused calls do not") {
  testing::LedgerFixture f;
  int64_t run = f.NewRun(1'800'000'000);
  auto ids = Must(f.ledger->StartInvitations({{"wmA", "s1", "seg", 10, run},
                                              {"wmB", "s1", "seg", 10, run},
                                              {"wmC", "s1", "seg", 10, run},
                                              {"wmD", "s1", "seg", 10, run}}));
  REQUIRE(ids.size() == 4);
  Must(f.ledger->FinishInvitations({{ids[0], InvitationStatus::kCreated, "msg1", 0, ""},
                                    {ids[1], InvitationStatus::kFailed, "msg1", 0, "in fail_list"},
                                    {ids[2], InvitationStatus::kFailed, "", 60011, "no privilege"}}));
  // ids[3] stays pending (no answer from WeCom).
  auto last = Must(f.ledger->LoadLastInvitedAsOf());
  std::vector<std::string> counted;
  for (const auto& l : last) {
    CHECK(l.as_of == 1'800'000'000);  // the run's as-of, not the wall clock
    counted.push_back(l.external_userid);
  }
  CHECK(counted == std::vector<std::string>{"wmA", "wmB", "wmD"});

  // Only created rows are followed up, until their result is final.
  auto open = Must(f.ledger->LoadOpenInvitationTasks(0));
  REQUIRE(open.size() == 1);
  CHECK(open[0].msgid == "msg1");
  CHECK(open[0].userid == "s1");
  CHECK(Must(f.ledger->RecordInvitationResults("msg1", {{"wmA", 0, 0}, {"wmB", 1, 5}}, 20)) == 1);
  CHECK(Must(f.ledger->LoadOpenInvitationTasks(0)).size() == 1);  // 0 = not sent yet: still open
  CHECK(Must(f.ledger->LoadOpenInvitationTasks(11)).empty());      // older than the window
  Must(f.ledger->RecordInvitationResults("msg1", {{"wmA", 1, 30}}, 40));
  CHECK(Must(f.ledger->LoadOpenInvitationTasks(0)).empty());

  // Joined / left through the segment's join way state; others are not counted.
  Must(f.ledger->RecordJoinWay({"cfg1", "seg", "sg_seg", "https://qr", {"wr1"}, 10, 10, false}));
  Must(f.ledger->RecordGroupMembers("wr1", {{"wr1", "wmA", "sg_seg", 50, 0}, {"wr1", "wmX", "", 50, 0},
                                            {"wr1", "wmD", "sg_seg", 50, 0}}, 60));
  Must(f.ledger->RecordGroupMembers("wr1", {{"wr1", "wmA", "sg_seg", 50, 0}}, 70));  // wmD left
  auto stats = Must(f.ledger->LoadGroupStats());
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].segment_id == "seg");
  CHECK(stats[0].invited == 1);
  CHECK(stats[0].failed == 2);
  CHECK(stats[0].sent == 1);
  CHECK(stats[0].joined == 2);
  CHECK(stats[0].left == 1);
  CHECK(stats[0].join_rate() == doctest::Approx(2.0));
}

TEST_CASE("groups ledger: a chat's member_version is kept per chat") {
  testing::LedgerFixture f;
  CHECK(Must(f.ledger->LoadGroupChatVersions()).empty());
  Must(f.ledger->RecordGroupChat("wr1", "v1", "name", "s1", 10));
  Must(f.ledger->RecordGroupChat("wr1", "v2", "name", "s1", 20));
  auto v = Must(f.ledger->LoadGroupChatVersions());
  REQUIRE(v.size() == 1);
  CHECK(v[0].second == "v2");
}

}  // namespace
}  // namespace segsync

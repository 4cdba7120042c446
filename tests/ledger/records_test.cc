// Round trips of every record type: runs, plans, tags, relationships, audit, group chats,
// campaign touches.
#include "ledger_fixture.h"

namespace segsync {
using testing::LedgerFixture;
using testing::Must;

TEST_CASE("a run is recorded at start and rewritten at the end with every field") {
  LedgerFixture f;
  RunRecord r;
  r.kind = RunKind::kCallback;
  r.as_of = 1'800'000'000;
  r.started_at = 1'800'000'007;
  r.export_file = "inbox/affiliates-2027-01-10.csv";
  r.export_rows = 100000;
  r.export_bytes = 12'345'678;
  r.export_hash = "sha256:abc";
  r.plan_id = "p-123";
  r.id = Must(f.ledger->StartRun(r));
  auto started = Must(f.ledger->GetRun(r.id));
  REQUIRE(started);
  CHECK(started->outcome == RunOutcome::kRunning);
  CHECK(started->ended_at == 0);
  CHECK(started->export_file == r.export_file);

  r.ended_at = 1'800'000'100;
  r.outcome = RunOutcome::kPartial;
  r.profiles = 100000, r.rows_rejected = 3, r.matched = 71234, r.unmatched = 28766;
  r.relations = 80000, r.added = 5123, r.removed = 210, r.failed = 7, r.unchanged = 74660;
  r.api_calls = 5230;
  r.message = "7 items failed; see `segsync runs`";
  Must(f.ledger->FinishRun(r));
  auto done = Must(f.ledger->GetRun(r.id));
  REQUIRE(done);
  const RunRecord& d = *done;
  CHECK(d.kind == RunKind::kCallback);
  CHECK(d.as_of == r.as_of);
  CHECK(d.started_at == r.started_at);
  CHECK(d.ended_at == r.ended_at);
  CHECK(d.export_rows == 100000);
  CHECK(d.export_bytes == 12'345'678);
  CHECK(d.export_hash == "sha256:abc");
  CHECK(d.outcome == RunOutcome::kPartial);
  CHECK(d.profiles == 100000);
  CHECK(d.rows_rejected == 3);
  CHECK(d.matched == 71234);
  CHECK(d.unmatched == 28766);
  CHECK(d.relations == 80000);
  CHECK(d.added == 5123);
  CHECK(d.removed == 210);
  CHECK(d.failed == 7);
  CHECK(d.unchanged == 74660);
  CHECK(d.api_calls == 5230);
  CHECK(d.plan_id == "p-123");
  CHECK(d.message == r.message);
  CHECK_FALSE(Must(f.ledger->GetRun(r.id + 1)).has_value());
}

TEST_CASE("finishing an unknown run is an error, not a silent no-op") {
  LedgerFixture f;
  RunRecord r;
  r.id = 42;
  auto res = f.ledger->FinishRun(r);
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == ErrorCode::kInvalidInput);
}

TEST_CASE("runs list newest first, with interrupted and last applied runs") {
  LedgerFixture f;
  struct Case {
    RunKind kind;
    RunOutcome outcome;
  };
  const Case cases[] = {{RunKind::kScheduled, RunOutcome::kOk},
                        {RunKind::kManual, RunOutcome::kPartial},
                        {RunKind::kDryRun, RunOutcome::kOk},
                        {RunKind::kScheduled, RunOutcome::kFailed},
                        {RunKind::kScheduled, RunOutcome::kRunning}};
  std::vector<int64_t> ids;
  for (const Case& c : cases) {
    RunRecord r;
    r.kind = c.kind;
    r.as_of = 1000 + static_cast<int64_t>(ids.size());
    r.id = Must(f.ledger->StartRun(r));
    r.outcome = c.outcome;
    Must(f.ledger->FinishRun(r));
    ids.push_back(r.id);
  }
  auto last3 = Must(f.ledger->LastRuns(3));
  REQUIRE(last3.size() == 3);
  CHECK(last3[0].id == ids[4]);
  CHECK(last3[2].id == ids[2]);
  CHECK(Must(f.ledger->LastRuns(100)).size() == 5);
  auto applied = Must(f.ledger->LastAppliedRun());
  REQUIRE(applied);
  CHECK(applied->id == ids[1]);  // not the dry run, not the failed one

  CHECK(Must(f.ledger->MarkInterruptedRuns(5000)) == 1);
  auto r = Must(f.ledger->GetRun(ids[4]));
  CHECK(r->outcome == RunOutcome::kInterrupted);
  CHECK(r->ended_at == 5000);
  CHECK_FALSE(r->message.empty());
  CHECK(Must(f.ledger->MarkInterruptedRuns(6000)) == 0);
}

TEST_CASE("run kinds and outcomes have stable names") {
  for (auto k : {RunKind::kScheduled, RunKind::kManual, RunKind::kCallback, RunKind::kDryRun}) {
    CHECK(ParseRunKind(RunKindName(k)) == k);
  }
  for (auto o : {RunOutcome::kRunning, RunOutcome::kOk, RunOutcome::kPartial, RunOutcome::kBlocked,
                 RunOutcome::kFailed, RunOutcome::kInterrupted}) {
    CHECK(ParseRunOutcome(RunOutcomeName(o)) == o);
  }
  CHECK(std::string(RunKindName(RunKind::kDryRun)) == "dry-run");
  CHECK_FALSE(ParseRunKind("nightly").has_value());
}

TEST_CASE("a blocked plan keeps its reasons in order and can be approved") {
  LedgerFixture f;
  PlanRecord p{"p-7f3a", 1000, 900, "sha256:in", true,
               {"would remove 1500 tags (max_removals: 1000)", "export shrank by 30%"}, false, 0};
  Must(f.ledger->RecordPlan(p));
  auto got = Must(f.ledger->GetPlan("p-7f3a"));
  REQUIRE(got);
  CHECK(got->blocked);
  CHECK(got->reasons == p.reasons);
  CHECK_FALSE(got->approved);
  CHECK(got->inputs_hash == "sha256:in");

  Must(f.ledger->ApprovePlan("p-7f3a", 2000));
  p.reasons = {"would remove 1500 tags (max_removals: 1000)"};
  Must(f.ledger->RecordPlan(p));  // recomputed: the approval stays
  got = Must(f.ledger->GetPlan("p-7f3a"));
  CHECK(got->approved);
  CHECK(got->approved_at == 2000);
  CHECK(got->reasons.size() == 1);

  auto bad = f.ledger->ApprovePlan("p-nope", 2000);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::kInvalidInput);
  CHECK(bad.error().message.find("p-nope") != std::string::npos);
  CHECK_FALSE(Must(f.ledger->GetPlan("p-nope")).has_value());
}

TEST_CASE("the tag library records creation and renames, each audited") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  TagRecord t{"etX1", "etG1", "city", "城市", "Shanghai", 1234, run, false};
  Must(f.ledger->RecordTagCreated(run, t, 1300));
  Must(f.ledger->RenameTag(run, "etX1", "上海", 1400));
  auto tags = Must(f.ledger->LoadTags());
  REQUIRE(tags.size() == 1);
  CHECK(tags[0].tag_id == "etX1");
  CHECK(tags[0].group_id == "etG1");
  CHECK(tags[0].segment_id == "city");
  CHECK(tags[0].group_name == "城市");
  CHECK(tags[0].tag_name == "上海");
  CHECK(tags[0].created_at == 1234);
  CHECK(tags[0].created_run == run);
  CHECK_FALSE(tags[0].deleted);
  auto audit = Must(f.ledger->LoadAudit(run));
  REQUIRE(audit.size() == 2);
  CHECK(audit[1].action == "rename_tag");
  CHECK(audit[1].target == "城市/Shanghai");
  CHECK(audit[1].reason == "now 上海");
  CHECK(audit[1].actor == "segsync");
  auto missing = f.ledger->RenameTag(run, "etNope", "x", 1500);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("etNope") != std::string::npos);
}

TEST_CASE("relationships keep one id per (userid, external_userid) and track gone ones") {
  LedgerFixture f;
  int64_t r1 = f.NewRun();
  auto ids = Must(f.ledger->RecordRelationships(
      r1, {{"staff001", "wmC1", "C1"}, {"staff002", "wmC1", "C1"}, {"staff001", "wmC2", ""}}));
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] != ids[1]);
  int64_t r2 = f.NewRun();
  auto again = Must(f.ledger->RecordRelationships(r2, {{"staff001", "wmC2", "C2"}, {"staff001", "wmC1", "C1"}}));
  CHECK(again == std::vector<int64_t>{ids[2], ids[0]});
  CHECK(Must(f.ledger->CountRelationships()) == 3);
  CHECK(Must(f.ledger->MarkUnseenGone(r2, "not listed by WeCom")) == 1);
  auto live = Must(f.ledger->LoadRelationships());
  REQUIRE(live.size() == 2);
  CHECK(Must(f.ledger->CountRelationships()) == 2);  // the gone one is not counted
  auto all = Must(f.ledger->LoadRelationships(true));
  REQUIRE(all.size() == 3);
  CHECK(all[1].gone);
  CHECK(all[1].gone_reason == "not listed by WeCom");
  CHECK(all[2].crm_id == "C2");
  CHECK(all[2].first_seen_run == r1);
  CHECK(all[2].last_seen_run == r2);
  Must(f.ledger->MarkGone({ids[0]}, "del_external_contact"));
  CHECK(Must(f.ledger->LoadRelationships()).size() == 1);
  int64_t r3 = f.NewRun();
  Must(f.ledger->RecordRelationships(r3, {{"staff002", "wmC1", "C1"}}));  // back again
  CHECK(Must(f.ledger->LoadRelationships()).size() == 2);
  CHECK(Must(f.ledger->CountRelationships()) == 2);
}

TEST_CASE("free-form audit events round trip") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  Must(f.ledger->RecordAudit({{run, 10, "segsync", "invite", "staff001/wmC1 seg ready", true, 0, ""},
                              {run, 11, "segsync", "create_join_way", "ready", false, 41044, "bad chat"}}));
  auto a = Must(f.ledger->LoadAudit(run));
  REQUIRE(a.size() == 2);
  CHECK(a[0].action == "invite");
  CHECK(a[0].target == "staff001/wmC1 seg ready");
  CHECK(a[1].errcode == 41044);
  CHECK_FALSE(a[1].ok);
  CHECK(a[1].reason == "bad chat");
}

TEST_CASE("an over-long reason is cut on a character boundary, not stored whole") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  std::string reason;
  while (reason.size() < 3 * kMaxTextBytes) reason += "失败x";  // 3-byte characters
  Must(f.ledger->RecordAudit({{run, 10, "segsync", "invite", "t", false, 1, reason}}));
  auto a = Must(f.ledger->LoadAudit(run));
  REQUIRE(a.size() == 1);
  CHECK(a[0].reason.size() <= kMaxTextBytes);
  CHECK(a[0].reason.size() > kMaxTextBytes - 8);
  CHECK(a[0].reason.substr(a[0].reason.size() - 3) == "...");
  std::string body = a[0].reason.substr(0, a[0].reason.size() - 3);
  CHECK(reason.compare(0, body.size(), body) == 0);
  // The cut falls before a character's first byte, never inside a character.
  CHECK((static_cast<unsigned char>(reason[body.size()]) & 0xC0) != 0x80);
}

TEST_CASE("join ways, invitations and group members round trip") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  Must(f.ledger->RecordJoinWay({"cfg1", "ready", "ready_to_convert", "https://qr/1", {"wrA", "wrB"}, 100, 0, false}));
  Must(f.ledger->RecordJoinWay({"cfg1", "ready", "ready_to_convert", "https://qr/2", {"wrA"}, 100, 200, false}));
  auto ways = Must(f.ledger->LoadJoinWays());
  REQUIRE(ways.size() == 1);
  CHECK(ways[0].qr_code == "https://qr/2");
  CHECK(ways[0].chat_ids == std::vector<std::string>{"wrA"});
  CHECK(ways[0].updated_at == 200);

  Must(f.ledger->RecordInvitations({{"wmC1", "staff001", "ready", "msg1", 1000, run},
                                    {"wmC1", "staff001", "ready", "msg2", 3000, run},
                                    {"wmC2", "staff002", "ready", "", 2000, 0}}));
  auto counts = Must(f.ledger->LoadInvitationCounts());
  REQUIRE(counts.size() == 1);  // the one without a run is not counted per run
  CHECK(counts[0].run_id == run);
  CHECK(counts[0].segment_id == "ready");
  CHECK(counts[0].count == 2);
  auto inv = Must(f.ledger->LoadLastInvitations());
  REQUIRE(inv.size() == 2);
  CHECK(inv[0].external_userid == "wmC1");
  CHECK(inv[0].sent_at == 3000);
  CHECK(inv[0].msgid == "msg2");
  CHECK(inv[1].run_id == 0);

  Must(f.ledger->RecordGroupMembers("wrA", {{"wrA", "wmC1", "1", 500, 0}, {"wrA", "wmC2", "3", 600, 0}}, 700));
  Must(f.ledger->RecordGroupMembers("wrA", {{"wrA", "wmC1", "1", 999, 0}}, 800));  // C2 left
  auto m = Must(f.ledger->LoadGroupMembers("wrA"));
  REQUIRE(m.size() == 2);
  CHECK(m[0].joined_at == 500);  // still the first join
  CHECK(m[0].left_at == 0);
  CHECK(m[1].left_at == 800);
  Must(f.ledger->RecordGroupMembers("wrA", {{"wrA", "wmC1", "1", 0, 0}, {"wrA", "wmC2", "1", 900, 0}}, 950));
  m = Must(f.ledger->LoadGroupMembers("wrA"));
  CHECK(m[1].left_at == 0);  // rejoined
  CHECK(m[1].joined_at == 900);
  CHECK(Must(f.ledger->LoadGroupMembers("wrOther")).empty());
}

TEST_CASE("a campaign touch can be claimed once per campaign and date") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  CampaignTouchRecord t{"2027 Q1 转会员", "2027-01-10", {"ready_to_convert", "missing_per"}, "", 100, run};
  CHECK(Must(f.ledger->ClaimCampaignTouch(t)));
  CHECK_FALSE(Must(f.ledger->ClaimCampaignTouch(t)));  // a second run the same day sends nothing
  Must(f.ledger->SetCampaignTouchMsgid(t.campaign, t.touch_date, "msgXYZ"));
  auto touches = Must(f.ledger->LoadCampaignTouches());
  REQUIRE(touches.size() == 1);
  CHECK(touches[0].segments == t.segments);
  CHECK(touches[0].msgid == "msgXYZ");
  CHECK(touches[0].run_id == run);
  CHECK_FALSE(f.ledger->SetCampaignTouchMsgid("other", "2027-01-10", "m").ok());
}

}  // namespace segsync

// Write-ahead intents, ownership, the retry queue, crash recovery and the audit trail.
#include <algorithm>

#include "ledger_fixture.h"

namespace segsync {
using testing::LedgerFixture;
using testing::Must;

namespace {

constexpr int64_t kNow = 1'800'000'100;

struct ApplyFixture : LedgerFixture {
  explicit ApplyFixture(const LedgerOptions& o = {}) : LedgerFixture(o) {
    run = NewRun();
    Must(ledger->RecordTagCreated(run, Tag("etA", "ready", "待转会员"), kNow));
    Must(ledger->RecordTagCreated(run, Tag("etB", "recent", "近期考试"), kNow));
    rels = Must(ledger->RecordRelationships(
        run, {{"staff001", "wmC1000001", "C1000001"}, {"staff002", "wmC1000002", "C1000002"},
              {"staff003", "wmC1000003", ""}}));
  }
  // The tag_ids owned on a relationship, sorted.
  std::vector<std::string> Owned(int64_t rel) {
    OwnedTags owned = Must(ledger->LoadOwnedTags());
    std::vector<std::string> out;
    for (uint32_t t : owned.TagsOf(rel)) out.push_back(owned.tag_ids.at(t));
    std::sort(out.begin(), out.end());
    return out;
  }
  int64_t run = 0;
  std::vector<int64_t> rels;
};

}  // namespace

TEST_CASE("a confirmed add becomes owned and a confirmed remove is no longer owned, audited") {
  ApplyFixture f;
  auto ids = Must(f.ledger->RecordIntents(
      f.run, {{f.rels[0], "etA", TagOp::kAdd}, {f.rels[0], "etB", TagOp::kAdd}}, kNow));
  REQUIRE(ids.size() == 2);
  CHECK(Must(f.ledger->LoadPendingIntents()).size() == 2);
  CHECK(f.Owned(f.rels[0]).empty());  // not owned until WeCom said yes
  Must(f.ledger->ConfirmIntents(ids, kNow + 1));
  CHECK(Must(f.ledger->LoadPendingIntents()).empty());
  CHECK(f.Owned(f.rels[0]) == std::vector<std::string>{"etA", "etB"});
  CHECK(Must(f.ledger->CountOwnedTags()) == 2);
  Must(f.ledger->ConfirmIntents(ids, kNow + 2));  // repeating a confirmation changes nothing

  auto rm = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etA", TagOp::kRemove}}, kNow + 3));
  Must(f.ledger->ConfirmIntents(rm, kNow + 4));
  CHECK(f.Owned(f.rels[0]) == std::vector<std::string>{"etB"});

  auto audit = Must(f.ledger->LoadAudit(f.run));
  std::vector<std::string> actions;
  for (const auto& e : audit) actions.push_back(e.action + ":" + e.target + ":" + (e.ok ? "ok" : "failed"));
  CHECK(actions == std::vector<std::string>{
                       "create_tag:会籍阶段/待转会员:ok", "create_tag:会籍阶段/近期考试:ok",
                       "add_tag:staff001/wmC1000001 etA:ok", "add_tag:staff001/wmC1000001 etB:ok",
                       "remove_tag:staff001/wmC1000001 etA:ok"});
}

TEST_CASE("an intent on a tag segsync did not create is refused and nothing is recorded") {
  ApplyFixture f;
  auto r = f.ledger->RecordIntents(
      f.run, {{f.rels[0], "etA", TagOp::kAdd}, {f.rels[0], "etStaffMade", TagOp::kAdd}}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().message.find("etStaffMade") != std::string::npos);
  CHECK(Must(f.ledger->LoadPendingIntents()).empty());  // the whole batch rolled back
}

TEST_CASE("an intent on an unknown relationship is refused by the schema, not stored") {
  ApplyFixture f;
  auto r = f.ledger->RecordIntents(f.run, {{f.rels[0], "etA", TagOp::kAdd}, {987654, "etA", TagOp::kAdd}}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().message.find(f.path) != std::string::npos);
  CHECK(Must(f.ledger->LoadPendingIntents()).empty());
}

TEST_CASE("failures back off exponentially and become permanent after max attempts") {
  LedgerOptions o;
  o.retry = {60, 200, 4};
  ApplyFixture f(o);
  struct Step {
    int attempts;
    int64_t delay;
    bool permanent;
  };
  const Step steps[] = {{1, 60, false}, {2, 120, false}, {3, 200, false}, {4, 200, true}};
  int64_t now = kNow;
  for (const Step& s : steps) {
    CAPTURE(s.attempts);
    auto id = Must(f.ledger->RecordIntents(f.run, {{f.rels[1], "etA", TagOp::kAdd}}, now));
    Must(f.ledger->FailIntents({{id[0], 45033, "api freq out of limit", false}}, now));
    auto all = Must(f.ledger->LoadRetries(RetryFilter::kAll, now));
    REQUIRE(all.size() == 1);
    CHECK(all[0].attempts == s.attempts);
    CHECK(all[0].next_attempt_at == now + s.delay);
    CHECK(all[0].permanent == s.permanent);
    CHECK(all[0].first_failed_at == kNow);
    CHECK(all[0].last_errcode == 45033);
    CHECK(all[0].userid == "staff002");
    CHECK(all[0].tag_id == "etA");
    CHECK(Must(f.ledger->LoadRetries(RetryFilter::kDue, now + s.delay - 1)).empty());
    CHECK(Must(f.ledger->LoadRetries(RetryFilter::kDue, now + s.delay)).size() == (s.permanent ? 0u : 1u));
    now += s.delay;
  }
  CHECK(Must(f.ledger->LoadRetries(RetryFilter::kPermanent, now)).size() == 1);
  CHECK(Must(f.ledger->LoadRetries(RetryFilter::kPending, now)).empty());
  CHECK(f.Owned(f.rels[1]).empty());
  auto audit = Must(f.ledger->LoadAudit(f.run));
  CHECK(std::count_if(audit.begin(), audit.end(), [](const AuditEvent& e) {
          return !e.ok && e.errcode == 45033 && e.reason == "api freq out of limit";
        }) == 4);
}

TEST_CASE("a failure marked permanent is never due, and a success clears the retry item") {
  ApplyFixture f;
  auto ids = Must(f.ledger->RecordIntents(
      f.run, {{f.rels[0], "etA", TagOp::kAdd}, {f.rels[1], "etA", TagOp::kAdd}}, kNow));
  Must(f.ledger->FailIntents({{ids[0], 84061, "not a customer of this member", true},
                              {ids[1], -1, "timeout", false}},
                             kNow));
  CHECK(Must(f.ledger->LoadRetries(RetryFilter::kDue, kNow + 1'000'000)).size() == 1);
  auto perm = Must(f.ledger->LoadRetries(RetryFilter::kPermanent, kNow));
  REQUIRE(perm.size() == 1);
  CHECK(perm[0].relationship_id == f.rels[0]);
  CHECK(perm[0].attempts == 1);

  auto again = Must(f.ledger->RecordIntents(f.run, {{f.rels[1], "etA", TagOp::kAdd}}, kNow + 400));
  Must(f.ledger->ConfirmIntents(again, kNow + 401));
  CHECK(Must(f.ledger->LoadRetries(RetryFilter::kPending, kNow)).empty());
  CHECK(f.Owned(f.rels[1]) == std::vector<std::string>{"etA"});
}

TEST_CASE("a failure of the opposite change restarts the attempt count") {
  ApplyFixture f;
  auto a = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etB", TagOp::kAdd}}, kNow));
  Must(f.ledger->FailIntents({{a[0], -1, "timeout", false}}, kNow));
  auto b = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etB", TagOp::kAdd}}, kNow + 1));
  Must(f.ledger->FailIntents({{b[0], -1, "timeout", false}}, kNow + 1));
  auto c = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etB", TagOp::kRemove}}, kNow + 2));
  Must(f.ledger->FailIntents({{c[0], -1, "timeout", false}}, kNow + 2));
  auto all = Must(f.ledger->LoadRetries(RetryFilter::kAll, kNow));
  REQUIRE(all.size() == 1);
  CHECK(all[0].op == TagOp::kRemove);
  CHECK(all[0].attempts == 1);
}

TEST_CASE("intents left pending by a crash are reconciled against what WeCom shows") {
  ApplyFixture f;
  // rels[2] owns etB already; then a run records three intents and "crashes".
  Must(f.ledger->ConfirmIntents(
      Must(f.ledger->RecordIntents(f.run, {{f.rels[2], "etB", TagOp::kAdd}}, kNow)), kNow));
  Must(f.ledger->RecordIntents(f.run,
                               {{f.rels[0], "etA", TagOp::kAdd},
                                {f.rels[1], "etA", TagOp::kAdd},
                                {f.rels[2], "etB", TagOp::kRemove}},
                               kNow + 10));
  f.Reopen();  // as after a crash: nothing was confirmed
  auto pending = Must(f.ledger->LoadPendingIntents());
  REQUIRE(pending.size() == 3);
  CHECK(pending[0].userid == "staff001");
  CHECK(pending[0].external_userid == "wmC1000001");
  CHECK(pending[0].tag_id == "etA");
  CHECK(pending[0].op == TagOp::kAdd);
  CHECK(pending[0].run_id == f.run);
  CHECK(pending[2].op == TagOp::kRemove);

  int64_t next_run = f.NewRun(1'800'086'400);
  // WeCom shows: rels[0] has etA (the add happened), rels[1] has not, rels[2] no longer has etB.
  Must(f.ledger->ReconcileIntents(next_run,
                                  {{pending[0].intent_id, true},
                                   {pending[1].intent_id, false},
                                   {pending[2].intent_id, false}},
                                  kNow + 100));
  CHECK(Must(f.ledger->LoadPendingIntents()).empty());
  CHECK(f.Owned(f.rels[0]) == std::vector<std::string>{"etA"});
  CHECK(f.Owned(f.rels[1]).empty());
  CHECK(f.Owned(f.rels[2]).empty());
  auto audit = Must(f.ledger->LoadAudit(next_run));
  REQUIRE(audit.size() == 3);
  CHECK(audit[0].ok);
  CHECK_FALSE(audit[1].ok);
  CHECK(audit[1].reason.find("does not show") != std::string::npos);
  CHECK(audit[2].ok);
}

TEST_CASE("a pending remove that WeCom still shows keeps the tag owned") {
  ApplyFixture f;
  Must(f.ledger->ConfirmIntents(
      Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etA", TagOp::kAdd}}, kNow)), kNow));
  auto rm = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etA", TagOp::kRemove}}, kNow));
  f.Reopen();
  Must(f.ledger->ReconcileIntents(f.run, {{rm[0], true}}, kNow));
  CHECK(f.Owned(f.rels[0]) == std::vector<std::string>{"etA"});
}

TEST_CASE("owned tags load as a per-relationship table, and a deleted tag is owned nowhere") {
  ApplyFixture f;
  Must(f.ledger->ConfirmIntents(Must(f.ledger->RecordIntents(f.run,
                                                             {{f.rels[2], "etB", TagOp::kAdd},
                                                              {f.rels[0], "etB", TagOp::kAdd},
                                                              {f.rels[2], "etA", TagOp::kAdd}},
                                                             kNow)),
                                kNow));
  OwnedTags owned = Must(f.ledger->LoadOwnedTags());
  CHECK(owned.size() == 3);
  CHECK(owned.relationship_ids == std::vector<int64_t>{f.rels[0], f.rels[2]});
  CHECK(owned.TagsOf(f.rels[1]).empty());
  CHECK(owned.TagsOf(999999).empty());
  CHECK(f.Owned(f.rels[2]) == std::vector<std::string>{"etA", "etB"});

  Must(f.ledger->MarkTagDeleted(f.run, "etB", kNow));
  CHECK(f.Owned(f.rels[2]) == std::vector<std::string>{"etA"});
  CHECK(f.Owned(f.rels[0]).empty());
  CHECK(Must(f.ledger->LoadTags()).size() == 1);
  CHECK(Must(f.ledger->LoadTags(true)).size() == 2);
}

}  // namespace segsync

namespace segsync {

TEST_CASE("a tag created by another process on the same ledger is found, not refused") {
  ApplyFixture f;
  auto other = Must(Ledger::Open(f.path, f.log));  // e.g. an operator's `segsync sync`
  Must(other->RecordTagCreated(f.run, f.Tag("etLate", "late", "后来"), kNow));
  auto ids = Must(f.ledger->RecordIntents(f.run, {{f.rels[0], "etLate", TagOp::kAdd}}, kNow));
  Must(f.ledger->ConfirmIntents(ids, kNow));
  CHECK(f.Owned(f.rels[0]) == std::vector<std::string>{"etLate"});
  CHECK(Must(other->LoadOwnedTags()).size() == 1);
}

}  // namespace segsync

// Fault campaign (issue 8): a first sync of a generated corp of more than 20,000
// relationships while fake-wecom injects, at random but from a fixed seed, -1, 45033,
// HTTP 500/503, answers slower than the client's timeout, dropped connections and revoked
// tokens; on top of that, mid-apply: a burst of 45033, a 45009 block (a per-minute limit),
// a token revocation, a tag deleted in the console and relationships deleted by customers
// (84061). A second run (faults off) must finish the job. Then:
//   - every retryable item is applied: WeCom equals the plan for every live relationship;
//   - every permanent failure is in the ledger with its errcode and reason;
//   - the ledger agrees with WeCom item for item;
//   - calls stay within a stated bound of the lower bound (no retry storm);
//   - items lost (neither applied nor recorded as a permanent failure): 0.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "campaign.h"

namespace segsync::reliability {
namespace {

using e2e::Fake;
using e2e::LedgerCount;
using e2e::RelTagIds;
using e2e::RelTags;

constexpr int kCustomers = 17000;  // 17,000 + 3,400 second relationships (+850 without a profile)
constexpr uint64_t kSeed = 20261204;
constexpr double kFaultRate = 0.01;  // of the calls to the faulty endpoints
constexpr int kTimeoutMs = 800;      // segsync's per-call timeout
constexpr int kSlowMs = 1500;        // "slow" answers arrive after the timeout
constexpr int kRelationshipsDeleted = 40;

int64_t ErrorsOf(const json::object& stats, const std::string& endpoint, const std::string& code) {
  const auto& errors = stats.at("errors").as_object();
  if (!errors.contains(endpoint)) return 0;
  const auto& per = errors.at(endpoint).as_object();
  return per.contains(code) ? per.at(code).to_number<int64_t>() : 0;
}

int64_t AllErrors(const json::object& stats, const std::string& code) {
  int64_t n = 0;
  for (const auto& [endpoint, per] : stats.at("errors").as_object())
    if (per.as_object().contains(code)) n += per.at(code).to_number<int64_t>();
  return n;
}

TEST_CASE("fault campaign: 20,000+ relationships under seeded faults - nothing lost - no retry storm") {
  auto t0 = std::chrono::steady_clock::now();
  World w("", {"--generate", fmt::format("customers={},members=20,seed=11", kCustomers)});
  WriteConfig(w, ConfigKnobs{.timeout_ms = kTimeoutMs, .max_in_flight = 5, .block_seconds = 1});
  w.WriteExport(GeneratedRows(kCustomers));

  json::object state0 = w.fake().State();
  std::map<RelKey, TagSet> desired;
  int64_t to_change = 0;
  for (const auto& [rel, ids] : RelTagIds(state0)) {
    desired[rel] = DesiredTags(rel);
    if (!desired[rel].empty()) ++to_change;
  }
  REQUIRE(desired.size() >= 20000);

  // Random faults on every endpoint the sync uses but gettoken (a revoked token is refetched
  // there), a per-minute limit on mark_tag that blocks with 45009, all from fixed seeds.
  w.fake().Admin("seed_faults",
                 {{"seed", kSeed}, {"rate", kFaultRate}, {"slow_ms", kSlowMs},
                  {"kinds", json::array{"-1", "45033", "http500", "http503", "slow", "drop", "revoke_token"}},
                  {"endpoints", json::array{"get_follow_user_list", "batch/get_by_user", "get_corp_tag_list",
                                            "add_corp_tag", "mark_tag"}}});
  w.fake().Admin("limit", {{"endpoint", "mark_tag"}, {"per_minute", 4000}, {"block_seconds", 1}});

  // Relationships customers will delete mid-apply: a seeded choice among those to be tagged.
  std::vector<RelKey> candidates;
  for (const auto& [rel, tags] : desired)
    if (!tags.empty()) candidates.push_back(rel);
  std::mt19937_64 rng(kSeed);
  std::shuffle(candidates.begin(), candidates.end(), rng);
  std::vector<RelKey> deleted(candidates.begin(), candidates.begin() + kRelationshipsDeleted);

  segsync::testing::ChildProcess sync({SEGSYNC_BIN, "sync", "--config", w.config()},
                                      {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
  auto mark_tag_calls = [&] { return Fake::Calls(w.fake().Stats(), "mark_tag"); };
  // Mid-apply events, each once mark_tag has reached a share of the work.
  REQUIRE(WaitFor([&] { return mark_tag_calls() >= to_change / 5; }, 120000));
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 30}, {"errcode", 45033}});  // a burst
  w.fake().Admin("tokens", {{"action", "revoke"}});
  REQUIRE(WaitFor([&] { return mark_tag_calls() >= to_change * 2 / 5; }, 120000));
  // The console deletes segsync's 城市/Beijing tag: every relationship that had it needs it
  // again, and calls that still carry the old id fail with 40068.
  json::object mid = w.fake().State();
  std::string beijing = e2e::FindTagId(mid, "城市", "Beijing", "app");
  REQUIRE(!beijing.empty());
  int64_t had_beijing = 0;
  for (const auto& [rel, ids] : RelTagIds(mid)) had_beijing += ids.count(beijing);
  w.fake().Admin("console/delete_tag", {{"tag_id", beijing}});
  REQUIRE(WaitFor([&] { return mark_tag_calls() >= to_change * 3 / 5; }, 120000));
  for (const auto& rel : deleted)
    w.fake().Admin("delete_relationship", {{"userid", rel.substr(0, rel.find('|'))},
                                           {"external_userid", rel.substr(rel.find('|') + 1)}});
  int first_exit = sync.Wait(240000);
  INFO("first run stderr (end): " << segsync::testing::ReadFile(sync.stderr_path()).substr(0, 4000));
  CHECK_MESSAGE((first_exit == 0 || first_exit == 5), "first run exit " << first_exit);
  json::object stats1 = w.fake().Stats();
  int64_t faults = stats1.at("faults_injected").to_number<int64_t>();
  int64_t blocks_45009 = ErrorsOf(stats1, "mark_tag", "45009");

  // The next run, without faults, finishes what is left.
  w.fake().Admin("clear_faults");
  RunResult second = w.Segsync("sync");
  CHECK_MESSAGE(second.exit_code == 0, "exit " << second.exit_code << "\n" << second.out << second.err.substr(0, 3000));
  json::object stats2 = w.fake().Stats();
  int64_t calls = TotalCalls(stats2);

  // A third run finds nothing to do: its calls are the reads one run needs (R).
  w.fake().Admin("reset_stats");
  RunResult third = w.Segsync("sync");
  CHECK(third.exit_code == 0);
  json::object stats3 = w.fake().Stats();
  CHECK(Fake::Mutations(stats3) == 0);
  int64_t reads_per_run = TotalCalls(stats3);

  // WeCom equals the plan for every live relationship; the deleted ones are gone.
  json::object final_state = w.fake().State();
  std::map<RelKey, TagSet> got = RelTags(final_state);
  std::map<RelKey, TagSet> want = desired;
  for (const auto& rel : deleted) want.erase(rel);
  CHECK(got.size() == want.size());
  auto permanent = PermanentFailures(w.ledger());
  auto diffs = Differences(got, want);
  int64_t lost = 0, shown = 0;
  for (const auto& [rel, text] : diffs) {
    if (permanent.count(rel)) continue;  // accounted for below
    ++lost;
    if (++shown <= 5) CHECK_MESSAGE(false, "lost: " << text);
  }
  CHECK(lost == 0);

  // Every permanent failure is in the ledger with its errcode and reason; here the only
  // permanent failures are 84061 on relationships the customers deleted.
  std::set<RelKey> deleted_set(deleted.begin(), deleted.end());
  for (const auto& [rel, f] : permanent) {
    CAPTURE(rel);
    CHECK(f.errcode != 0);
    CHECK(!f.reason.empty());
    CHECK(f.reason.find(std::to_string(f.errcode)) != std::string::npos);
    CHECK_MESSAGE(deleted_set.count(rel), "a permanent failure on a live relationship: " << f.errcode << " " << f.reason);
  }
  int64_t failed_84061 = LedgerCount(
      w.ledger(), "SELECT count(DISTINCT relationship_id) FROM audit WHERE outcome = 'failed' AND errcode = 84061");
  CHECK(failed_84061 == ErrorsOf(stats1, "mark_tag", "84061"));
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM audit WHERE outcome = 'failed' AND (reason IS NULL OR reason = '')") == 0);
  for (const auto& rel : deleted) {
    CAPTURE(rel);
    CHECK(LedgerCount(w.ledger(), fmt::format("SELECT gone FROM relationship WHERE userid = '{}' AND external_userid = '{}'",
                                              rel.substr(0, rel.find('|')), rel.substr(rel.find('|') + 1))) == 1);
  }
  // The ledger agrees with WeCom item for item; nothing is left pending.
  w.CheckLedgerMatchesWecom();
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM intent") == 0);
  int64_t retry_left = LedgerCount(w.ledger(), "SELECT count(*) FROM retry WHERE permanent = 0");
  if (retry_left != 0) {
    SQLite::Database db(w.ledger(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT r.userid, r.external_userid, t.group_name, t.tag_name, t.deleted, y.op, y.attempts, "
                            "y.last_errcode, y.last_reason FROM retry y JOIN relationship r ON r.id = y.relationship_id "
                            "JOIN tag t ON t.id = y.tag_ref WHERE y.permanent = 0 LIMIT 5");
    while (q.executeStep()) {
      std::string row;
      for (int c = 0; c < 9; ++c) row += q.getColumn(c).getString() + " ";
      MESSAGE("retry left: " << row);
    }
  }
  CHECK(retry_left == 0);
  CHECK(e2e::LedgerIntegrity(w.ledger()) == "ok");

  // Calls. Lower bound: the reads of the two runs, one mark_tag per relationship to change
  // (less those deleted before their turn), one more per relationship that had the deleted
  // tag and wants it back, and one add_corp_tag per tag group created (2, then 1 again).
  // Allowed on top: one retry per injected fault (two for a revoked token: the token fetch),
  // one 45009 answer per call in flight (5) when a block starts, one 40014 per call in flight
  // at the console's revocation, and one 40068 answer per relationship that wanted the
  // deleted tag and had not got it yet.
  int64_t wanted_beijing = 0;
  for (const auto& [rel, tags] : desired) wanted_beijing += tags.count("城市/Beijing");
  int64_t lower_bound = 2 * reads_per_run + (to_change - kRelationshipsDeleted) + had_beijing + 3;
  int64_t allowance = 2 * faults + 5 * (blocks_45009 + 1) + 5 + (wanted_beijing - had_beijing);
  int64_t bound = lower_bound + allowance;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string figures = fmt::format(
      "fault campaign: {} relationships, {} to tag; faults injected {} (+30 x 45033 burst queued), "
      "45009 answers {}, 40068 answers {}, 84061 answers {}, token revocations {}; calls made {} "
      "(mark_tag {}), lower bound {}, bound {} (+{:.1f}%); items lost {}; first run exit {}; {:.1f} s",
      desired.size(), to_change, faults, blocks_45009, ErrorsOf(stats1, "mark_tag", "40068"),
      ErrorsOf(stats1, "mark_tag", "84061"), AllErrors(stats1, "40014"), calls, Fake::Calls(stats2, "mark_tag"),
      lower_bound, bound, 100.0 * static_cast<double>(calls - lower_bound) / static_cast<double>(lower_bound),
      lost, first_exit, seconds);
  std::printf("%s\n", figures.c_str());
  MESSAGE(figures);
  CHECK(faults >= 100);  // the campaign really injected faults
  CHECK(blocks_45009 >= 1);
  CHECK(calls >= lower_bound);
  CHECK(calls <= bound);
}

// Regression (found by the campaign above): calls queued for a slot took the access token
// before they queued, so one revocation made every queued call (up to a whole apply batch of
// 500) fail once with 40014. Now the token is taken when the call is sent: a revocation costs
// at most the calls in flight.
TEST_CASE("a token revoked mid-apply costs at most the calls in flight - not one per queued call") {
  constexpr int kSmall = 1500;
  World w("", {"--generate", fmt::format("customers={},members=5,seed=2", kSmall)});
  WriteConfig(w, ConfigKnobs{.timeout_ms = 5000, .max_in_flight = 3});
  w.WriteExport(GeneratedRows(kSmall));
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 100000}, {"delay_ms", 2}});
  segsync::testing::ChildProcess sync({SEGSYNC_BIN, "sync", "--config", w.config()},
                                      {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
  int revocations = 0;
  for (int64_t at : {100, 400, 700}) {
    if (!WaitFor([&] { return Fake::Calls(w.fake().Stats(), "mark_tag") >= at; }, 60000)) break;
    w.fake().Admin("tokens", {{"action", "revoke"}});
    ++revocations;
  }
  CHECK(revocations == 3);
  CHECK(sync.Wait(120000) == 0);
  json::object stats = w.fake().Stats();
  int64_t rejected = ErrorsOf(stats, "mark_tag", "40014");
  MESSAGE("3 revocations with 3 calls in flight: " << rejected << " mark_tag calls rejected with 40014, "
                                                   << Fake::Calls(stats, "gettoken") << " token fetches");
  CHECK(rejected >= 1);
  CHECK(rejected <= 3 * 3);
  CHECK(Fake::Calls(stats, "gettoken") <= 1 + 3);
}

}  // namespace
}  // namespace segsync::reliability

// End-to-end: segsync killed with SIGKILL in the middle of apply; the next sync converges
// (write-ahead intents settled by what WeCom shows), the ledger stays sound, and tags segsync
// does not own survive.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "e2e.h"

namespace segsync::e2e {
namespace {

constexpr int kRows = 5000;

// Desired tags of a relationship of the generated corp, by its external_userid.
TagSet Desired(const std::string& rel, int shift = 0) {
  std::string ext = rel.substr(rel.find('|') + 1);
  if (ext.rfind("wmC", 0) != 0) return {};
  int i = std::stoi(ext.substr(3)) - 1000000;
  if (i % 10 == 9) return {};  // no identity in WeCom: unmatched
  return ExpectedTags(GeneratedRow(i, shift));
}

// Starts a sync with every mark_tag slowed down, kills it with SIGKILL about a second into
// apply, then runs sync again and checks it converged. `run` is the killed run's id.
void KillMidApplyThenConverge(World& w, const std::map<RelKey, TagSet>& desired, int64_t to_change, int run) {
  w.fake().Admin("reset_stats");
  // Slow every mark_tag down so that apply takes several seconds.
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 100000}, {"delay_ms", 4}});
  segsync::testing::ChildProcess sync({SEGSYNC_BIN, "sync", "--config", w.config()},
                                      {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (Fake::Calls(w.fake().Stats(), "mark_tag") == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  sync.Signal(SIGKILL);
  CHECK(sync.Wait(10000) == 128 + SIGKILL);
  int64_t sent = Fake::Calls(w.fake().Stats(), "mark_tag");
  MESSAGE("mark_tag calls before the kill: " << sent << " of " << to_change);
  REQUIRE(sent > 0);
  REQUIRE_MESSAGE(sent < to_change, "apply finished before the kill; the test did not test a crash");
  CHECK(LedgerCount(w.ledger(), fmt::format("SELECT count(*) FROM run WHERE id = {} AND outcome = 'running'", run)) == 1);
  MESSAGE("intents left pending by the killed run: " << LedgerCount(w.ledger(), "SELECT count(*) FROM intent"));

  w.fake().Admin("clear_faults");
  RunResult r = w.Segsync("sync");
  REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\nout: " << r.out << "\nerr: " << r.err.substr(0, 3000));
  CHECK(LedgerIntegrity(w.ledger()) == "ok");
  std::map<RelKey, TagSet> got = RelTags(w.fake().State());
  CHECK(got.size() == desired.size());
  int64_t wrong = 0;
  for (const auto& [rel, tags] : desired) {
    if (got[rel] == tags) continue;
    if (++wrong <= 5) CHECK_MESSAGE(false, rel << " has " << Describe({{rel, got[rel]}}) << " wants " << Describe({{rel, tags}}));
  }
  CHECK(wrong == 0);
  w.CheckLedgerMatchesWecom();
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM intent") == 0);
  CHECK(LedgerCount(w.ledger(), fmt::format("SELECT count(*) FROM run WHERE id = {} AND outcome = 'interrupted'", run)) == 1);
  CHECK(LedgerCount(w.ledger(), fmt::format("SELECT count(*) FROM run WHERE id = {} AND outcome = 'ok'", run + 1)) == 1);

}

std::vector<Row> Rows(int shift) { return GeneratedRows(kRows, shift); }

TEST_CASE("e2e kill -9 during apply - then the next sync converges") {
  World w("", {"--generate", fmt::format("customers={},members=10,seed=7", kRows)});
  w.WriteExport(Rows(0));

  // Tags segsync does not own, on relationships it will change: a console tag in segsync's own
  // group and one in another group.
  json::object vip = w.fake().Admin("console/add_tag", {{"group_name", "会籍阶段"}, {"tag", "VIP"}});
  json::object other = w.fake().Admin("console/add_tag", {{"group_name", "渠道"}, {"tag", "Shanghai"}});
  std::vector<std::string> foreign{std::string(vip.at("tag_id").as_string()), std::string(other.at("tag_id").as_string())};
  json::object state0 = w.fake().State();
  std::set<RelKey> marked;
  for (const auto& [rel, ids] : RelTagIds(state0)) {
    if (marked.size() == 200) break;
    if (Desired(rel).empty()) continue;
    std::string userid = rel.substr(0, rel.find('|')), ext = rel.substr(rel.find('|') + 1);
    w.fake().Admin("staff_mark_tag", {{"userid", userid}, {"external_userid", ext},
                                      {"add", json::array{json::string(foreign[0]), json::string(foreign[1])}}});
    marked.insert(rel);
  }
  std::map<RelKey, TagSet> desired;
  int64_t to_change = 0;
  for (const auto& [rel, ids] : RelTagIds(state0)) {
    desired[rel] = Desired(rel);
    if (!desired[rel].empty()) ++to_change;
    if (marked.count(rel)) desired[rel].insert({"会籍阶段/VIP", "渠道/Shanghai"});
  }
  REQUIRE(to_change > 3000);

  KillMidApplyThenConverge(w, desired, to_change, 1);
  // Phase 2: everyone moves to other segments (removals and adds); killed again mid-apply.
  w.WriteExport(Rows(1));
  std::map<RelKey, TagSet> desired2;
  int64_t to_change2 = 0;
  for (const auto& [rel, tags] : desired) {
    desired2[rel] = Desired(rel, 1);
    if (desired2[rel] != Desired(rel)) ++to_change2;
    if (marked.count(rel)) desired2[rel].insert({"会籍阶段/VIP", "渠道/Shanghai"});
  }
  REQUIRE(to_change2 > 3000);
  KillMidApplyThenConverge(w, desired2, to_change2, 3);
  w.fake().Admin("reset_stats");
  RunResult again = w.Segsync("sync");
  CHECK(again.exit_code == 0);
  CHECK(Fake::Mutations(w.fake().Stats()) == 0);
}

}  // namespace
}  // namespace segsync::e2e

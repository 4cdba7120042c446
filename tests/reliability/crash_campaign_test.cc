// Crash campaign (issue 8): segsync is killed with SIGKILL at 20 points of an apply chosen by
// a seeded generator, and started again each time with the next export (every export moves
// profiles between segments, so every run adds and removes). Hand-added tags segsync does
// not own sit on hundreds of the relationships it changes. After every kill the ledger passes
// PRAGMA integrity_check; after a final run WeCom equals the plan, the ledger agrees with
// WeCom item for item, nothing is left pending, and every hand-added tag is still there.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "campaign.h"

namespace segsync::reliability {
namespace {

using e2e::Fake;
using e2e::LedgerCount;
using e2e::RelTagIds;
using e2e::RelTags;

constexpr int kCustomers = 2000;  // 2,400 relationships (+100 without a profile)
constexpr int kKills = 20;
constexpr uint64_t kSeed = 8;

TEST_CASE("crash campaign: kill -9 at 20 seeded points of apply - restart - converge - foreign tags kept") {
  auto t0 = std::chrono::steady_clock::now();
  World w("", {"--generate", fmt::format("customers={},members=10,seed=5", kCustomers)});
  WriteConfig(w, ConfigKnobs{.timeout_ms = 5000, .max_in_flight = 5, .block_seconds = 1});

  // Tags made by hand in the console, on relationships segsync will change: one in segsync's
  // own group, one in another group with the name of a segsync tag, one named like a tag_from
  // value segsync does not create.
  std::vector<std::pair<std::string, std::string>> foreign_names{{"会籍阶段", "VIP"}, {"渠道", "Shanghai"}, {"城市", "Shenzhen"}};
  json::array foreign_ids;
  TagSet foreign_set;
  for (const auto& [group, tag] : foreign_names) {
    json::object r = w.fake().Admin("console/add_tag", {{"group_name", group}, {"tag", tag}});
    foreign_ids.push_back(r.at("tag_id"));
    foreign_set.insert(group + "/" + tag);
  }
  json::object state0 = w.fake().State();
  std::set<RelKey> marked;
  for (const auto& [rel, ids] : RelTagIds(state0)) {
    if (rel.find("|wmC") == std::string::npos || (std::hash<std::string>{}(rel) % 6) != 0) continue;
    w.fake().Admin("staff_mark_tag", {{"userid", rel.substr(0, rel.find('|'))},
                                      {"external_userid", rel.substr(rel.find('|') + 1)}, {"add", foreign_ids}});
    marked.insert(rel);
  }
  REQUIRE(marked.size() >= 300);

  std::mt19937_64 rng(kSeed);
  std::vector<std::string> kill_points;
  int shift = 0;
  for (int k = 0; k < kKills; ++k) {
    shift = k % 3;  // every export moves profiles to other segments
    w.WriteExport(GeneratedRows(kCustomers, shift));
    int64_t changes = 0;
    json::object before = w.fake().State();
    for (const auto& [rel, tags] : RelTags(before)) {
      TagSet want = DesiredTags(rel, shift);
      TagSet have;
      for (const auto& t : tags)
        if (!foreign_set.count(t)) have.insert(t);
      if (want != have) ++changes;
    }
    // The kill point: after a random number of this run's mark_tag calls, plus a random delay
    // of up to 30 ms so that kills also land between the calls' ledger writes.
    int64_t point = changes > 2 ? std::uniform_int_distribution<int64_t>(1, changes - 1)(rng) : 1;
    int delay_ms = std::uniform_int_distribution<int>(0, 30)(rng);
    w.fake().Admin("reset_stats");
    w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 100000}, {"delay_ms", 2}});
    segsync::testing::ChildProcess sync({SEGSYNC_BIN, "sync", "--config", w.config()},
                                        {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
    bool reached = WaitFor([&] { return Fake::Calls(w.fake().Stats(), "mark_tag") >= point; }, 60000);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    sync.Signal(SIGKILL);
    int code = sync.Wait(10000);
    int64_t sent = Fake::Calls(w.fake().Stats(), "mark_tag");
    kill_points.push_back(fmt::format("{}/{}", sent, changes));
    CAPTURE(k);
    CAPTURE(segsync::testing::ReadFile(sync.stderr_path()).substr(0, 3000));
    CHECK(reached);
    CHECK_MESSAGE(code == 128 + SIGKILL, "the run ended before its kill point: exit " << code);
    w.fake().Admin("clear_faults");
    CHECK(e2e::LedgerIntegrity(w.ledger()) == "ok");
  }

  // A last run without a kill converges.
  w.fake().Admin("reset_stats");
  RunResult last = w.Segsync("sync");
  REQUIRE_MESSAGE(last.exit_code == 0, "exit " << last.exit_code << "\n" << last.out << last.err.substr(0, 3000));
  CHECK(e2e::LedgerIntegrity(w.ledger()) == "ok");
  std::map<RelKey, TagSet> desired;
  for (const auto& [rel, ids] : RelTagIds(state0)) {
    desired[rel] = DesiredTags(rel, shift);
    if (marked.count(rel)) desired[rel].insert(foreign_set.begin(), foreign_set.end());
  }
  auto got = RelTags(w.fake().State());
  auto diffs = Differences(got, desired);
  int shown = 0;
  for (const auto& [rel, text] : diffs)
    if (++shown <= 5) CHECK_MESSAGE(false, text);
  CHECK(diffs.empty());
  w.CheckLedgerMatchesWecom();
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM intent") == 0);
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM run WHERE outcome = 'interrupted'") == kKills);
  CHECK(LedgerCount(w.ledger(), "SELECT count(*) FROM run WHERE outcome = 'running'") == 0);
  // Not one hand-added tag was taken off.
  int64_t foreign_kept = 0;
  for (const auto& rel : marked)
    for (const auto& t : foreign_set) foreign_kept += got[rel].count(t);
  CHECK(foreign_kept == static_cast<int64_t>(marked.size() * foreign_set.size()));
  // And the run after that has nothing to do.
  w.fake().Admin("reset_stats");
  RunResult idle = w.Segsync("sync");
  CHECK(idle.exit_code == 0);
  CHECK(Fake::Mutations(w.fake().Stats()) == 0);

  std::string points;
  for (const auto& p : kill_points) points += (points.empty() ? "" : " ") + p;
  std::string figures = fmt::format(
      "crash campaign: {} relationships, {} kills at mark_tag calls (sent/needed): {}; hand-added tags "
      "kept {}/{}; integrity ok after every kill; {:.1f} s",
      desired.size(), kKills, points, foreign_kept, marked.size() * foreign_set.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::printf("%s\n", figures.c_str());
  MESSAGE(figures);
}

}  // namespace
}  // namespace segsync::reliability

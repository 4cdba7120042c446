// The sync e2e harness (tests/sync/e2e.h) compiled into test_reliability too, so that both
// suites judge WeCom and the ledger the same way; plus the campaigns' helpers (campaign.h).
// No test cases here.
#include "sync/e2e_support_test.cc"

#include <chrono>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "campaign.h"

namespace segsync::reliability {

TagSet DesiredTags(const RelKey& rel, int shift) {
  std::string ext = rel.substr(rel.find('|') + 1);
  if (ext.rfind("wmC", 0) != 0) return {};  // wmX...: no profile
  int i = std::stoi(ext.substr(3)) - 1000000;
  if (i % 10 == 9) return {};  // no identity in WeCom: unmatched
  return e2e::ExpectedTags(GeneratedRow(i, shift));
}

void WriteConfig(World& w, const ConfigKnobs& k) {
  segsync::testing::WriteFile(
      w.config(),
      fmt::format("crm:\n  export: export.csv\nmapping: {}\nrules: rules.yaml\n"
                  "timezone: Asia/Shanghai\nwecom:\n  corpid: wwfakecorp0000001\n  base_url: {}\n"
                  "  tag_relations: all\n  max_in_flight: {}\n  rate_per_minute: 100000\n  timeout_ms: {}\n"
                  "  block_seconds: {}\nledger: ledger.db\nschedule:\n  every: {}\nguard:\n"
                  "  max_removals: 1000000\n  max_removal_ratio: 1.0\n{}",
                  k.mapping.empty() ? std::string(SEGSYNC_SOURCE_DIR) + "/mapping/affiliates.yaml" : k.mapping,
                  w.fake().base_url(), k.max_in_flight, k.timeout_ms, k.block_seconds, k.every, k.extra));
}

int64_t TotalCalls(const json::object& stats) {
  int64_t total = 0;
  for (const auto& [endpoint, n] : stats.at("calls").as_object()) total += n.to_number<int64_t>();
  return total;
}

std::map<RelKey, std::string> Differences(const std::map<RelKey, TagSet>& got,
                                          const std::map<RelKey, TagSet>& desired) {
  std::map<RelKey, std::string> out;
  for (const auto& [rel, tags] : desired) {
    auto it = got.find(rel);
    TagSet have = it == got.end() ? TagSet{} : it->second;
    if (have != tags)
      out[rel] = rel + " has " + e2e::Describe({{rel, have}}) + " wants " + e2e::Describe({{rel, tags}});
  }
  for (const auto& [rel, tags] : got)
    if (!desired.count(rel) && !tags.empty()) out[rel] = rel + " is not expected, has " + e2e::Describe({{rel, tags}});
  return out;
}

std::map<RelKey, PermanentFailure> PermanentFailures(const std::string& ledger) {
  SQLite::Database db(ledger, SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT r.userid, r.external_userid, t.last_errcode, t.last_reason FROM retry t "
                      "JOIN relationship r ON r.id = t.relationship_id WHERE t.permanent = 1");
  std::map<RelKey, PermanentFailure> out;
  while (q.executeStep())
    out[q.getColumn(0).getString() + "|" + q.getColumn(1).getString()] = {q.getColumn(2).getInt64(),
                                                                            q.getColumn(3).getString()};
  return out;
}

}  // namespace segsync::reliability

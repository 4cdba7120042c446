// Shared by the reliability campaigns (tests/reliability): a generated corp of the data
// contract (fake-wecom --generate) with a matching export, the tags every relationship should
// carry, a segsync.yaml with the knobs the campaigns turn (short timeouts), and checks of
// WeCom against the ledger. Builds on the sync e2e harness (tests/sync/e2e.h), which is
// compiled into this binary by harness_test.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sync/e2e.h"

namespace segsync::reliability {

using e2e::GeneratedRow;
using e2e::GeneratedRows;
using e2e::RelKey;
using e2e::Row;
using e2e::TagSet;
using e2e::World;
using segsync::testing::RunResult;
namespace json = boost::json;

// The tags a relationship of the generated corp should carry (by its external_userid).
TagSet DesiredTags(const RelKey& rel, int shift = 0);

// segsync.yaml knobs the campaigns change; the rest is as in e2e::World.
struct ConfigKnobs {
  int timeout_ms = 10000;
  int max_in_flight = 5;
  int block_seconds = 1;
  std::string every = "6h";  // schedule.every (the daemon)
  std::string mapping;       // the mapping file; default: the example mapping in the source tree
  std::string extra;  // appended as is (e.g. "metrics:\n  listen: ...\n")
};
// Rewrites w's segsync.yaml with these knobs.
void WriteConfig(World& w, const ConfigKnobs& knobs);

using testing::WaitFor;

// Total WeCom API calls in a stats answer (every endpoint, retries included).
int64_t TotalCalls(const json::object& stats);

// Relationships whose WeCom tags differ from `desired`, as "rel has {..} wants {..}" lines
// (at most `limit` lines; the count is the map's size).
std::map<RelKey, std::string> Differences(const std::map<RelKey, TagSet>& got,
                                          const std::map<RelKey, TagSet>& desired);

// Relationship keys ("userid|external_userid") with a permanent failure in the ledger, with
// their errcode and reason.
struct PermanentFailure {
  int64_t errcode = 0;
  std::string reason;
};
std::map<RelKey, PermanentFailure> PermanentFailures(const std::string& ledger);

}  // namespace segsync::reliability

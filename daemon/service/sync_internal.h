// Pieces of RunSync (sync.h), split by stage. Internal to the service module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/ledger.h"
#include "plan/plan.h"
#include "service/sync.h"
#include "wecom/types.h"
#include "workspace/evaluate.h"
#include "workspace/workspace.h"

namespace segsync {

// export -> profiles -> segments, as planner input.
struct CollectedProfiles {
  ExportEvaluation eval;
  TagCatalog catalog;                    // every tag the rules can give, ids not yet known
  std::vector<std::string> tag_segment;  // TagIndex -> segment id (rules' tags only)
  size_t rule_tags = 0;                  // catalog indexes below this come from the rules
  std::vector<PlanProfile> profiles;     // export order
  Snapshot snapshot;                     // memberships for the KPI history
  std::vector<std::pair<SegmentKey, int64_t>> sizes;
};

// Evaluates the export. Errors: the export cannot be read. A lost column is not an error
// (eval.lost_columns; the guard blocks).
// `with_snapshot`: also keep every profile's memberships for the KPI history (real runs only).
Result<CollectedProfiles> CollectProfiles(const Workspace& ws, const EvaluateOptions& options,
                                          DiagSink& sink, bool with_snapshot = true);

// What WeCom shows, read once per run.
// Relationships are kept in the planner's form from the first page on, their WeCom tag ids
// numbered through `tag_ids` (PlanRelationship::tags holds those numbers until the plan maps
// them to catalog indexes): a corp has a few thousand tags, a relationship several, and 1M
// relationships must not hold millions of tag id strings.
struct Observed {
  std::vector<std::string> members;
  std::vector<PlanRelationship> relationships;
  std::vector<std::string> tag_ids;  // number -> WeCom tag id
  std::unordered_map<std::string, uint32_t> tag_numbers;
  std::vector<wecom::TagGroup> library;
  struct PageSpan {
    size_t group, begin, size;
  };
  std::vector<PageSpan> pages;  // where each page landed in `relationships`

  // Moves what the plan needs out of `r`.
  PlanRelationship Take(wecom::Relationship& r);
  // Appends one page of member group `group` to `relationships` (pages arrive in any order
  // across groups, in cursor order within one).
  void AddPage(size_t group, std::vector<wecom::Relationship>& page);
  // Puts `relationships` in member-group order, in place: the plan must not depend on which
  // cursor chain answered first.
  void PutInGroupOrder();
  // The ledger's owned tags placed on `relationships` (PlanOwnedIndex), `catalog_of` mapping
  // the ledger's tag numbers to catalog tags (none: not the rules' any more, left out). Each
  // ledger key is looked up among the relationships WeCom listed, so no key strings are held.
  Result<PlanOwnedIndex> PlaceOwnedTags(Ledger& ledger, const OwnedTags& owned,
                                        const std::vector<std::optional<TagIndex>>& catalog_of) const;
  // The number of a WeCom tag id seen on some relationship, or none.
  std::optional<uint32_t> TagNumber(const std::string& tag_id) const;
};

// The one-line summary of a run ("ok: 20,000 profiles, ... 32.3 s").
std::string SummaryLine(const SyncResult& r, const Plan* plan);

// Key of a relationship in maps: userid + '\x1f' + external_userid.
inline std::string RelKey(const std::string& userid, const std::string& external_userid) {
  std::string k;
  k.reserve(userid.size() + external_userid.size() + 1);
  k += userid;
  k += '\x1f';
  k += external_userid;
  return k;
}

}  // namespace segsync

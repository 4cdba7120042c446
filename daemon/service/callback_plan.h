// The pure half of a one-customer callback run (callback_sync.h): WeCom's answers and the
// ledger's records in, the planner's input out. No I/O, so it is unit-tested on its own.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ledger/records.h"
#include "plan/plan.h"
#include "wecom/types.h"
#include "workspace/workspace.h"

namespace segsync {

// The relationships of one externalcontact/get page. `state_hint` (the event's State) fills
// an empty follow_user.state of `userid`. Personal tags (type 2) are left out.
std::vector<wecom::Relationship> RelationshipsOf(const wecom::ExternalContactDetail& detail,
                                                 const std::string& userid, const std::string& state_hint);

// The rules' catalog with WeCom ids, set as a scheduled run sets them: segsync's own tags (the
// ledger's, when the library still has them; a tag no rule gives any more is added so that it
// can be removed), then rule tags that exist in the library under the same group and name.
struct CatalogWithIds {
  TagCatalog catalog;
  std::map<std::string, std::string> group_ids;  // library group name -> group_id
};
CatalogWithIds SetLibraryIds(const TagCatalog& rules_catalog, size_t rule_tags,
                             const std::vector<wecom::TagGroup>& library, const std::vector<TagRecord>& ours);

// The plan input for one customer: its relationships, the profiles that share an identity key
// with it (export order kept, so the join picks the profile a full run would pick), and the tags
// segsync owns on its relationships. `ledger_rels`: the ledger's relationships (any customer).
PlanInput CustomerPlanInput(const Workspace& ws, const std::vector<PlanProfile>& profiles,
                            const std::vector<wecom::Relationship>& rels, const TagCatalog& catalog,
                            const std::vector<RelationshipRecord>& ledger_rels, const OwnedTags& owned,
                            std::string as_of);

}  // namespace segsync

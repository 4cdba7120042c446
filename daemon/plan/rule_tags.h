// From the rules engine's output to the planner's catalog indexes.
//
// AddRuleTags seeds a TagCatalog with the rules' tag groups (their `exclusive` flag) and
// fixed tags in file order, so that plan output lists groups and tags as the rules do.
// DesiredTags turns one profile's Memberships (Evaluator::Evaluate) into PlanProfile::desired,
// interning tag_from values as they appear. Tag ids are filled in afterwards from WeCom
// (TagCatalog::SetTagId) or from the ledger's tag library.
#pragma once

#include <vector>

#include "plan/tag_catalog.h"
#include "segment/evaluator.h"
#include "segment/rules.h"

namespace segsync {

void AddRuleTags(const RuleSet& rules, TagCatalog* catalog);

// Clears *out, then appends the catalog index of each membership, in order.
void DesiredTags(const RuleSet& rules, const std::vector<Membership>& memberships,
                 TagCatalog* catalog, std::vector<TagIndex>* out);

}  // namespace segsync

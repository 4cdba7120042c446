// Internal to plan/: groups relationships into customers and joins profiles to customers
// (the identity rules are documented in plan/plan.h).
#pragma once

#include <cstdint>
#include <vector>

#include "plan/flat_index.h"
#include "plan/plan.h"

namespace segsync::plan_internal {

// Relationships grouped by customer (one external_userid). Customer c's relationships are
// rels[begin[c] .. begin[c+1]), ordered by createtime, then userid.
struct Customers {
  std::vector<uint32_t> begin;
  std::vector<uint32_t> rels;
  std::vector<uint32_t> customer_of_rel;
  FlatIndex by_external_userid{0};  // value = customer

  size_t size() const { return begin.empty() ? 0 : begin.size() - 1; }
  // The customer of this external_userid, or kNone.
  uint32_t Find(const std::vector<PlanRelationship>& all, std::string_view external_userid) const;
};

Customers GroupCustomers(const std::vector<PlanRelationship>& rels);

struct JoinResult {
  std::vector<uint32_t> customer_of_profile;  // kNone when unmatched
  std::vector<uint32_t> profile_of_customer;  // kNone when no profile claims it
  int64_t matched_by[3] = {0, 0, 0};
  int64_t conflicts = 0;
  int64_t ambiguous = 0;
  std::vector<IdentityConflict> conflict_samples;
};

JoinResult JoinProfiles(const PlanInput& in, const Customers& customers);

}  // namespace segsync::plan_internal

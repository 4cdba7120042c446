// Builds small PlanInputs for the plan tests, and renders changes as one-line strings so that
// a test states the expected diff in one readable line.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plan/plan.h"

namespace segsync::testing {

struct PlanFixture {
  PlanInput in;

  TagIndex Tag(const std::string& group, const std::string& tag, const std::string& id = {}) {
    return in.catalog.AddTag(group, tag, id.empty() ? "et_" + group + "_" + tag : id);
  }
  TagIndex NewTag(const std::string& group, const std::string& tag) {  // not created in WeCom yet
    return in.catalog.AddTag(group, tag);
  }
  PlanProfile& Profile(const std::string& crm_id, const std::string& unionid,
                       const std::string& state, const std::string& mobile,
                       std::vector<TagIndex> desired = {}) {
    in.profiles.push_back({crm_id, unionid, state, mobile, std::move(desired)});
    return in.profiles.back();
  }
  PlanRelationship& Rel(const std::string& userid, const std::string& ext,
                        const std::string& unionid = {}, const std::string& state = {},
                        std::vector<std::string> mobiles = {}, int64_t createtime = 1700000000,
                        std::vector<TagIndex> tags = {}) {
    in.relationships.push_back(
        {userid, ext, unionid, state, std::move(mobiles), createtime, std::move(tags)});
    return in.relationships.back();
  }
  void Own(const std::string& userid, const std::string& ext, TagIndex tag) {
    in.owned.push_back({userid, ext, {tag}});  // one row per tag: the planner merges them
  }
  Plan Build() const {
    Result<Plan> r = BuildPlan(in);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    return std::move(r.value());
  }
};

// "CRM EXT USERID +G/T -G/U" per change.
inline std::vector<std::string> ChangeLines(const Plan& plan) {
  std::vector<std::string> lines;
  for (const auto& c : plan.changes) {
    std::string l = c.crm_id + " " + c.external_userid + " " + c.userid;
    for (TagIndex t : c.add) l += " +" + plan.tags.Key(t);
    for (TagIndex t : c.remove) l += " -" + plan.tags.Key(t);
    lines.push_back(l);
  }
  return lines;
}

}  // namespace segsync::testing

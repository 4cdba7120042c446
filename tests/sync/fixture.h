// The small hand-written case shared by the sync tests: six CRM rows, seven relationships,
// every identity join (unionid, state, mobile) and one unmatched profile.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "e2e.h"

namespace segsync::e2e {

// Two members; relationships (userid|external_userid):
//   staff001|wmC1000001 unionid oUC1000001          -> C1000001 by unionid
//   staff001|wmC1000002 state C1000002              -> C1000002 by state
//   staff002|wmC1000003 remark mobile +86 138-...03 -> C1000003 by mobile
//   staff001|wmC1000004 unionid oUC1000004          -> C1000004
//   staff002|wmC1000005 no identity                 -> C1000005 stays unmatched
//   staff001|wmC1000006 and staff002|wmC1000006     -> C1000006 (two relationships)
//   staff002|wmX0000001 unionid oUX0000001          -> no profile
inline constexpr const char* kSmallState = R"({
 "members": ["staff001", "staff002"],
 "relationships": [
  {"userid":"staff001","external_userid":"wmC1000001","unionid":"oUC1000001","createtime":1700000060},
  {"userid":"staff001","external_userid":"wmC1000002","state":"C1000002","createtime":1700000120,"add_way":1},
  {"userid":"staff002","external_userid":"wmC1000003","remark_mobiles":["+86 138-0000-0003"],"createtime":1700000180},
  {"userid":"staff001","external_userid":"wmC1000004","unionid":"oUC1000004","createtime":1700000240},
  {"userid":"staff002","external_userid":"wmC1000005","createtime":1700000300},
  {"userid":"staff001","external_userid":"wmC1000006","unionid":"oUC1000006","createtime":1700000360},
  {"userid":"staff002","external_userid":"wmC1000006","unionid":"oUC1000006","createtime":1700086760},
  {"userid":"staff002","external_userid":"wmX0000001","unionid":"oUX0000001","createtime":1700000400}
 ]})";

inline std::vector<Row> SmallRows() {
  return {
      {"C1000001", "oUC1000001", "13800000001", "Member", "Shanghai"},
      {"C1000002", "", "13800000002", "Affiliate", "Beijing"},
      {"C1000003", "", "13800000003", "Member", "Shenzhen"},
      {"C1000004", "oUC1000004", "13800000004", "Lapsed", "Shanghai"},
      {"C1000005", "oUC1000005", "13800000005", "Member", "Beijing"},
      {"C1000006", "oUC1000006", "13800000006", "Affiliate", "Beijing"},
  };
}

// The relationships of each row (C1000005 has none that match).
inline std::map<std::string, std::vector<RelKey>> SmallRelsOf() {
  return {{"C1000001", {"staff001|wmC1000001"}},
          {"C1000002", {"staff001|wmC1000002"}},
          {"C1000003", {"staff002|wmC1000003"}},
          {"C1000004", {"staff001|wmC1000004"}},
          {"C1000006", {"staff001|wmC1000006", "staff002|wmC1000006"}}};
}

// What WeCom should show for every relationship when the rows are applied.
inline std::map<RelKey, TagSet> SmallExpected(const std::vector<Row>& rows) {
  std::map<RelKey, TagSet> out{{"staff001|wmC1000001", {}}, {"staff001|wmC1000002", {}},
                               {"staff002|wmC1000003", {}}, {"staff001|wmC1000004", {}},
                               {"staff002|wmC1000005", {}}, {"staff001|wmC1000006", {}},
                               {"staff002|wmC1000006", {}}, {"staff002|wmX0000001", {}}};
  auto rels = SmallRelsOf();
  for (const auto& r : rows)
    for (const auto& rel : rels[r.id]) out[rel] = ExpectedTags(r);
  return out;
}

}  // namespace segsync::e2e

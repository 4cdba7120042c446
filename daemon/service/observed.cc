#include <algorithm>

#include "plan/flat_index.h"
#include "service/sync_internal.h"

namespace segsync {

PlanRelationship Observed::Take(wecom::Relationship& r) {
  PlanRelationship p;
  p.userid = std::move(r.userid);
  p.external_userid = std::move(r.external_userid);
  p.unionid = std::move(r.unionid);
  p.state = std::move(r.state);
  p.remark_mobiles = std::move(r.remark_mobiles);
  p.createtime = r.createtime;
  p.tags.reserve(r.tag_ids.size());
  for (auto& id : r.tag_ids) {
    auto [it, inserted] = tag_numbers.try_emplace(id, static_cast<uint32_t>(tag_ids.size()));
    if (inserted) tag_ids.push_back(std::move(id));
    p.tags.push_back(it->second);
  }
  return p;
}

void Observed::AddPage(size_t group, std::vector<wecom::Relationship>& page) {
  pages.push_back({group, relationships.size(), page.size()});
  for (auto& r : page) relationships.push_back(Take(r));
}

void Observed::PutInGroupOrder() {
  std::stable_sort(pages.begin(), pages.end(), [](const PageSpan& a, const PageSpan& b) { return a.group < b.group; });
  // from[i]: where the relationship that belongs at i is now.
  std::vector<uint32_t> from;
  from.reserve(relationships.size());
  for (const auto& p : pages)
    for (size_t k = 0; k < p.size; ++k) from.push_back(static_cast<uint32_t>(p.begin + k));
  pages = {};
  // Each cycle of the permutation once, moving one element at a time (no second copy).
  auto& v = relationships;
  for (uint32_t i = 0; i < from.size(); ++i) {
    if (from[i] == i) continue;  // in place, or already moved
    PlanRelationship held = std::move(v[i]);
    uint32_t j = i;
    while (from[j] != i) {
      uint32_t k = from[j];
      v[j] = std::move(v[k]);
      from[j] = j;
      j = k;
    }
    v[j] = std::move(held);
    from[j] = j;
  }
}

Result<PlanOwnedIndex> Observed::PlaceOwnedTags(Ledger& ledger, const OwnedTags& owned,
                                                const std::vector<std::optional<TagIndex>>& catalog_of) const {
  using namespace plan_internal;
  const auto& rels = relationships;
  auto key_hash = [](std::string_view userid, std::string_view external_userid) {
    return Mix(HashBytes(external_userid, HashBytes("\x1f", HashBytes(userid))));
  };
  FlatIndex by_key(rels.size());
  for (uint32_t r = 0; r < rels.size(); ++r) {
    auto [slot, added] = by_key.FindOrInsert(key_hash(rels[r].userid, rels[r].external_userid), r, [&](uint32_t o) {
      return rels[o].userid == rels[r].userid && rels[o].external_userid == rels[r].external_userid;
    });
    if (added) *slot = r;  // a relationship listed twice: the first one carries the tags
  }
  PlanOwnedIndex placed;
  placed.begin.assign(rels.size() + 1, 0);
  // Pass 1: the owned ids merge-joined with the ledger's keys (both ascending by id); count the
  // tags per relationship.
  std::vector<uint32_t> rel_of(owned.relationship_ids.size(), kNone);
  size_t next = 0;
  auto keys = ledger.ForEachRelationshipKey([&](int64_t id, std::string_view userid, std::string_view external_userid) {
    while (next < owned.relationship_ids.size() && owned.relationship_ids[next] < id) ++next;
    if (next == owned.relationship_ids.size() || owned.relationship_ids[next] != id) return;
    uint32_t in_catalog = 0;
    for (uint32_t k = owned.offsets[next]; k < owned.offsets[next + 1]; ++k)
      if (catalog_of[owned.tags[k]]) ++in_catalog;
    if (in_catalog == 0) return;
    uint32_t r = by_key.Find(key_hash(userid, external_userid), [&](uint32_t o) {
      return rels[o].userid == userid && rels[o].external_userid == external_userid;
    });
    if (r == kNone) {
      placed.unobserved += in_catalog;
      return;
    }
    rel_of[next] = r;
    placed.begin[r + 1] += in_catalog;
  });
  if (!keys) return keys.error();
  // Pass 2: the tags into their relationship's slice.
  for (size_t r = 1; r < placed.begin.size(); ++r) placed.begin[r] += placed.begin[r - 1];
  placed.tags.resize(placed.begin.back());
  std::vector<uint32_t> fill(placed.begin.begin(), placed.begin.end() - 1);
  for (size_t i = 0; i < rel_of.size(); ++i) {
    if (rel_of[i] == kNone) continue;
    for (uint32_t k = owned.offsets[i]; k < owned.offsets[i + 1]; ++k)
      if (auto t = catalog_of[owned.tags[k]]) placed.tags[fill[rel_of[i]]++] = *t;
  }
  return placed;
}

std::optional<uint32_t> Observed::TagNumber(const std::string& tag_id) const {
  auto it = tag_numbers.find(tag_id);
  if (it == tag_numbers.end()) return std::nullopt;
  return it->second;
}

}  // namespace segsync

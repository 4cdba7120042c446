#include "plan/rule_tags.h"

namespace segsync {

void AddRuleTags(const RuleSet& rules, TagCatalog* catalog) {
  for (const TagGroup& g : rules.groups) {
    catalog->AddGroup(g.name, g.exclusive);
    for (int seg : g.segments) {
      const Segment& s = rules.segments[seg];
      if (!s.tag.empty()) catalog->AddTag(g.name, s.tag);
      for (const auto& v : s.values) catalog->AddTag(g.name, v);  // tag_from allow-list
    }
  }
}

void DesiredTags(const RuleSet& rules, const std::vector<Membership>& memberships,
                 TagCatalog* catalog, std::vector<TagIndex>* out) {
  out->clear();
  for (const Membership& m : memberships) {
    const TagGroup& g = rules.groups[rules.segments[m.segment_index].group];
    if (auto t = catalog->Find(g.name, m.tag)) {
      out->push_back(*t);
    } else {
      catalog->AddGroup(g.name, g.exclusive);
      out->push_back(catalog->AddTag(g.name, m.tag));
    }
  }
}

}  // namespace segsync

// GroupTags and ValueCounter: the parts of evaluation that look beyond one profile's tags.
#include <algorithm>

#include "segment/evaluator.h"

namespace segsync {

std::vector<std::string> GroupTags(const RuleSet& rules, const std::vector<Membership>& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& x : m) out.push_back(rules.GroupTag(x.segment_index, x.tag));
  return out;
}

ValueCounter::ValueCounter(const RuleSet& rules, const EvalContext& ctx)
    : rules_(rules), eval_(rules, ctx, nullptr), counts_(rules.segments.size()) {}

void ValueCounter::Add(const Profile& p) {
  eval_.Evaluate(p, &scratch_);
  for (const auto& m : scratch_) {
    const Segment& s = rules_.segments[m.segment_index];
    if (s.tag_from >= 0 && s.values.empty()) ++counts_[m.segment_index][m.tag];
  }
}

ValueCaps ValueCounter::Finish() const { return CapsFromCounts(rules_, counts_); }

ValueCaps CapsFromCounts(const RuleSet& rules,
                         const std::vector<std::unordered_map<std::string, int64_t>>& counts) {
  ValueCaps caps;
  caps.allowed.resize(rules.segments.size());
  for (size_t seg = 0; seg < rules.segments.size() && seg < counts.size(); ++seg) {
    const Segment& s = rules.segments[seg];
    if (s.tag_from < 0 || !s.values.empty()) continue;
    std::vector<std::pair<std::string, int64_t>> sorted(counts[seg].begin(), counts[seg].end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (k < static_cast<size_t>(s.max_tags)) caps.allowed[seg].push_back(sorted[k].first);
      else caps.dropped.push_back({static_cast<int>(seg), sorted[k].first, sorted[k].second});
    }
    std::sort(caps.allowed[seg].begin(), caps.allowed[seg].end());
  }
  std::stable_sort(caps.dropped.begin(), caps.dropped.end(),
                   [](const auto& a, const auto& b) { return a.profiles > b.profiles; });
  return caps;
}

bool IsCappedSegment(const Segment& s) { return s.tag_from >= 0 && s.values.empty() && s.max_tags > 0; }

bool CapsAffectOtherSegments(const RuleSet& rules) {
  for (size_t i = 0; i < rules.segments.size(); ++i) {
    const Segment& s = rules.segments[i];
    if (!IsCappedSegment(s)) continue;
    // In an exclusive group a capped value decides whether later segments may match.
    if (s.group >= 0 && rules.groups[static_cast<size_t>(s.group)].exclusive) return true;
    for (const auto& p : rules.preds)
      if (p.segment == static_cast<int>(i)) return true;
  }
  return false;
}

}  // namespace segsync

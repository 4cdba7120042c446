// The rule loader, part 4: checks that need every file: segment references, cycles, and
// the campaign calendar.
#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "segment/loader_internal.h"

namespace segsync::rules_internal {

namespace {

void CollectPreds(const RuleSet& rs, int node, std::vector<int>* out) {
  if (node < 0) return;
  const CondNode& n = rs.nodes[node];
  if (n.kind == CondNode::Kind::kPred) out->push_back(n.pred);
  for (int c : n.children) CollectPreds(rs, c, out);
}

struct Edge {
  int to = -1;
  const SourcePos* pos = nullptr;  // the `in segment` reference; null: exclusive-group order
};

// Depth-first search that reports each back edge as a cycle, at a reference inside it.
class CycleFinder {
 public:
  CycleFinder(const RuleSet& rs, const std::vector<std::vector<Edge>>& edges,
              std::function<void(const SourcePos&, std::string)> report)
      : rs_(rs), edges_(edges), report_(std::move(report)), color_(rs.segments.size(), 0) {}

  void Run() {
    for (size_t u = 0; u < rs_.segments.size(); ++u)
      if (color_[u] == 0) Visit(static_cast<int>(u));
  }

 private:
  void Visit(int u) {
    color_[u] = 1;
    path_.push_back(u);
    for (const Edge& e : edges_[u]) {
      if (color_[e.to] == 0) {
        via_.push_back(&e);
        Visit(e.to);
        via_.pop_back();
      } else if (color_[e.to] == 1) {
        size_t start = 0;
        while (path_[start] != e.to) ++start;
        std::string names;
        for (size_t i = start; i < path_.size(); ++i) names += rs_.segments[path_[i]].id + " -> ";
        names += rs_.segments[e.to].id;
        // Point at a reference the user wrote: the closing edge, else the last one before it.
        const SourcePos* pos = e.pos;
        for (size_t i = via_.size(); !pos && i > start; --i) pos = via_[i - 1]->pos;
        report_(pos ? *pos : rs_.segments[u].pos,
                fmt::format("cycle in segment references: {}", names));
      }
    }
    path_.pop_back();
    color_[u] = 2;
  }

  const RuleSet& rs_;
  const std::vector<std::vector<Edge>>& edges_;
  std::function<void(const SourcePos&, std::string)> report_;
  std::vector<int> color_;  // 0 new, 1 on the path, 2 done
  std::vector<int> path_;
  std::vector<const Edge*> via_;  // via_[i]: the edge from path_[i] to path_[i + 1]
};

}  // namespace

RuleSet Loader::Finish() {
  for (const auto& p : campaigns_) {
    cur_ = p.file;
    ParseCampaign(p.node);
  }
  ResolveReferences();
  CheckCycles();
  CheckCampaignCoverage();
  return std::move(rs_);
}

void Loader::ResolveReferences() {
  std::vector<std::string> ids;
  for (const auto& s : rs_.segments) ids.push_back(s.id);
  for (auto& p : rs_.preds) {
    if (p.op != Op::kInSegment && p.op != Op::kNotInSegment) continue;
    p.segment = rs_.IndexOf(p.segment_id);
    if (p.segment < 0)
      Error(p.segment_pos, fmt::format("unknown segment '{}'", p.segment_id), DidYouMean(p.segment_id, ids));
  }
}

void Loader::CheckCycles() {
  // u depends on v when u's `when` says `in segment v`, and, in an exclusive group, on the
  // segment just before it (which depends on the one before it, and so on).
  std::vector<std::vector<Edge>> edges(rs_.segments.size());
  for (size_t u = 0; u < rs_.segments.size(); ++u) {
    std::vector<int> preds;
    CollectPreds(rs_, rs_.segments[u].root, &preds);
    for (int p : preds)
      if (rs_.preds[p].segment >= 0) edges[u].push_back({rs_.preds[p].segment, &rs_.preds[p].segment_pos});
  }
  for (const auto& g : rs_.groups)
    if (g.exclusive)
      for (size_t i = 1; i < g.segments.size(); ++i) edges[g.segments[i]].push_back({g.segments[i - 1], nullptr});
  CycleFinder finder(rs_, edges, [this](const SourcePos& pos, std::string message) {
    Error(pos, std::move(message));
  });
  finder.Run();
}

void Loader::CheckCampaignCoverage() {
  // The calendar's promise is that every audience is engaged at least once per campaign
  // period: warn about each segment that no touch names inside the period (a touch of
  // another campaign dated inside it counts too).
  for (const auto& c : rs_.campaigns) {
    std::vector<bool> touched(rs_.segments.size(), false);
    for (const auto& other : rs_.campaigns)
      for (const auto& t : other.touches)
        if (&other == &c || (c.from <= t.date && t.date <= c.to))
          for (int s : t.segments) touched[s] = true;
    for (size_t s = 0; s < rs_.segments.size(); ++s)
      if (!touched[s])
        Warning(c.pos, fmt::format("segment '{}' of group '{}' has no touch in campaign '{}' ({} to {})",
                                   rs_.segments[s].id, rs_.groups[rs_.segments[s].group].name, c.name,
                                   FormatDate(c.from), FormatDate(c.to)));
    // The ledger keeps one touch per campaign and day (that is what makes it idempotent).
    std::vector<Date> days;
    for (const auto& t : c.touches) {
      if (std::find(days.begin(), days.end(), t.date) != days.end())
        Error(t.pos, fmt::format("campaign '{}' has two touches on {}", c.name, FormatDate(t.date)),
              "merge them into one touch (list both segments), or move one to another day");
      days.push_back(t.date);
    }
  }
}

}  // namespace segsync::rules_internal

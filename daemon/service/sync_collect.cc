#include <algorithm>
#include <mutex>

#include "service/sync_internal.h"

namespace segsync {

namespace {

struct ProfileOut {
  std::string crm_id, unionid, state, mobile;
  std::optional<std::string> status;
  std::vector<uint32_t> local;  // worker-local tag keys
};

struct BatchOut {
  int worker = 0;
  int64_t seq = 0;
  std::vector<ProfileOut> profiles;
};

// Tags are interned per worker (no lock on the hot path) and mapped to the catalog after.
struct WorkerDict {
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::pair<int, std::string>> keys;  // local id -> (segment, tag)
  uint32_t Intern(int segment, const std::string& tag) {
    std::string key = std::to_string(segment) + '\x1f' + tag;
    auto [it, inserted] = ids.try_emplace(key, static_cast<uint32_t>(keys.size()));
    if (inserted) keys.emplace_back(segment, tag);
    return it->second;
  }
};

std::optional<std::string> StatusOf(const Profile& p, int field) {
  if (field < 0 || static_cast<size_t>(field) >= p.values.size()) return std::nullopt;
  const Value& v = p.values[static_cast<size_t>(field)];
  if (IsMissing(v)) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return FormatValue(v);
}

}  // namespace

Result<CollectedProfiles> CollectProfiles(const Workspace& ws, const EvaluateOptions& options,
                                          DiagSink& sink, bool with_snapshot) {
  const RuleSet& rules = ws.rules;
  int status_field = -1;
  if (ws.config.kpi_conversion) status_field = rules.schema.IndexOf(ws.config.kpi_conversion->field);

  std::mutex mu;
  std::vector<BatchOut> batches;
  std::vector<WorkerDict> dicts(64);
  auto eval = EvaluateExport(ws, options, [&](const ProfileBatch& b) {
    WorkerDict& dict = dicts[static_cast<size_t>(b.worker)];
    BatchOut out{b.worker, b.seq, {}};
    out.profiles.reserve(b.rows.size());
    for (size_t i = 0; i < b.rows.size(); ++i) {
      const MappedRow& row = b.rows[i];
      ProfileOut p{row.profile.id, row.identity.unionid, row.identity.state, row.identity.mobile,
                   StatusOf(row.profile, status_field), {}};
      for (const auto& m : b.tags[i]) p.local.push_back(dict.Intern(m.segment_index, m.tag));
      out.profiles.push_back(std::move(p));
    }
    std::lock_guard lock(mu);
    batches.push_back(std::move(out));
  }, sink);
  if (!eval) return eval.error();

  CollectedProfiles c;
  c.eval = std::move(*eval);
  // The catalog: every tag the rules can give, in rule order (so plans print in that order).
  auto add = [&](int s, const std::string& tag) {
    const Segment& seg = rules.segments[static_cast<size_t>(s)];
    TagIndex t = c.catalog.AddTag(rules.groups[static_cast<size_t>(seg.group)].name, tag);
    if (t >= c.tag_segment.size()) c.tag_segment.resize(t + 1);
    c.tag_segment[t] = seg.id;
    return t;
  };
  for (const auto& g : rules.groups) {
    c.catalog.AddGroup(g.name, g.exclusive);
    for (int s : g.segments) {
      const Segment& seg = rules.segments[static_cast<size_t>(s)];
      if (seg.tag_from < 0) add(s, seg.tag);
      else if (!seg.values.empty()) for (const auto& v : seg.values) add(s, v);
      else if (static_cast<size_t>(s) < c.eval.caps.allowed.size())
        for (const auto& v : c.eval.caps.allowed[static_cast<size_t>(s)]) add(s, v);
    }
  }
  // Uncapped tag_from values are only known now; values beyond a max_tags cap are dropped.
  constexpr TagIndex kDropped = ~TagIndex{0};
  std::vector<std::vector<TagIndex>> local_to_catalog(dicts.size());
  for (size_t w = 0; w < dicts.size(); ++w)
    for (const auto& [s, tag] : dicts[w].keys)
      local_to_catalog[w].push_back(c.eval.TagAllowed(rules, s, tag) ? add(s, tag) : kDropped);
  c.rule_tags = c.catalog.size();

  for (TagIndex t = 0; t < c.catalog.size(); ++t)
    c.snapshot.segments.push_back(SegmentKey{c.tag_segment[t], c.catalog.tag_name(t)});
  std::vector<int64_t> sizes(c.catalog.size(), 0);

  std::sort(batches.begin(), batches.end(),
            [](const BatchOut& a, const BatchOut& b) { return a.seq < b.seq; });
  c.profiles.reserve(static_cast<size_t>(c.eval.profiles));
  if (with_snapshot) c.snapshot.profiles.reserve(static_cast<size_t>(c.eval.profiles));
  for (auto& b : batches) {
    std::vector<ProfileOut> taken = std::move(b.profiles);  // freed batch by batch
    const auto& map = local_to_catalog[static_cast<size_t>(b.worker)];
    for (auto& p : taken) {
      PlanProfile pp;
      pp.crm_id = p.crm_id;
      pp.unionid = std::move(p.unionid);
      pp.state = std::move(p.state);
      pp.mobile = std::move(p.mobile);
      for (uint32_t l : p.local) {
        if (map[l] == kDropped) continue;
        pp.desired.push_back(map[l]);
        ++sizes[map[l]];
      }
      if (with_snapshot) {
        ProfileState ps{std::move(p.crm_id), std::move(p.status), {}};
        ps.segments.assign(pp.desired.begin(), pp.desired.end());
        std::sort(ps.segments.begin(), ps.segments.end());
        c.snapshot.profiles.push_back(std::move(ps));
      }
      c.profiles.push_back(std::move(pp));
    }
  }
  for (TagIndex t = 0; t < c.catalog.size(); ++t) c.sizes.emplace_back(c.snapshot.segments[t], sizes[t]);
  return c;
}

}  // namespace segsync

// `segsync segments`: evaluates the export and prints the size of every segment (spec §5).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <unordered_map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "base/error.h"
#include "cli/common.h"
#include "plan/guard.h"
#include "workspace/as_of.h"
#include "workspace/evaluate.h"

namespace segsync::cli {

namespace {

struct SegmentRow {
  int segment;
  std::string tag;
  int64_t size;
};

// One row per plain segment; one per tag for tag_from (allow-list order, then by size).
std::vector<SegmentRow> CollectRows(const RuleSet& rules, const ExportEvaluation& eval,
                                    const std::vector<std::unordered_map<std::string, int64_t>>& counts) {
  std::vector<SegmentRow> rows;
  for (const auto& group : rules.groups) {
    for (int s : group.segments) {
      const Segment& seg = rules.segments[s];
      const auto& c = counts[s];
      if (seg.tag_from < 0) {
        auto it = c.find(seg.tag);
        rows.push_back({s, seg.tag, it == c.end() ? 0 : it->second});
        continue;
      }
      if (!seg.values.empty()) {
        for (const auto& v : seg.values) {
          auto it = c.find(v);
          rows.push_back({s, v, it == c.end() ? 0 : it->second});
        }
        continue;
      }
      std::vector<SegmentRow> buckets;
      for (const auto& [tag, n] : c)
        if (eval.TagAllowed(rules, s, tag)) buckets.push_back({s, tag, n});
      std::sort(buckets.begin(), buckets.end(), [](const SegmentRow& a, const SegmentRow& b) {
        return a.size != b.size ? a.size > b.size : a.tag < b.tag;
      });
      rows.insert(rows.end(), buckets.begin(), buckets.end());
    }
  }
  return rows;
}

}  // namespace

int RunSegments(const CommandOptions& o) {
  auto ws = LoadWorkspaceOrReport(o);
  if (!ws) return static_cast<int>(ExitCode::kValidationFailed);
  int rc = 0;
  std::optional<EvaluationInputs> in = PrepareEvaluation(o, *ws, &rc);
  if (!in) return rc;

  const size_t nseg = ws->rules.segments.size();
  std::vector<std::vector<std::unordered_map<std::string, int64_t>>> per_worker;
  EvaluateOptions eo{in->export_path, in->as_of};
  eo.workers = 0;
  // Workers are created inside EvaluateExport; size the per-worker tables generously.
  per_worker.resize(64, std::vector<std::unordered_map<std::string, int64_t>>(nseg));
  DiagSink sink;
  // Plain segments are counted by index; only tag_from values need a map (hashing every
  // membership's tag string would cost more than evaluating the rules).
  std::vector<std::vector<int64_t>> plain_per_worker(64, std::vector<int64_t>(nseg, 0));
  std::vector<bool> is_tag_from(nseg);
  for (size_t s = 0; s < nseg; ++s) is_tag_from[s] = ws->rules.segments[s].tag_from >= 0;
  auto eval = EvaluateExport(*ws, eo, [&](const ProfileBatch& b) {
    auto& counts = per_worker[static_cast<size_t>(b.worker)];
    auto& plain = plain_per_worker[static_cast<size_t>(b.worker)];
    for (const auto& tags : b.tags) {
      for (const auto& m : tags) {
        size_t seg = static_cast<size_t>(m.segment_index);
        if (is_tag_from[seg]) ++counts[seg][m.tag];
        else ++plain[seg];
      }
    }
  }, sink);
  PrintDiagnostics(sink);
  if (!eval) {
    std::fprintf(stderr, "segsync: %s\n", eval.error().message.c_str());
    return static_cast<int>(ExitCode::kValidationFailed);
  }
  if (!eval->lost_columns.empty()) return static_cast<int>(ExitCode::kValidationFailed);
  for (const auto& d : eval->row_errors) std::cerr << FormatDiagnostic(d);
  if (eval->rows_rejected > static_cast<int64_t>(eval->row_errors.size()))
    std::cerr << fmt::format("segsync: {} rows rejected in all ({} shown above)\n",
                             eval->rows_rejected, eval->row_errors.size());
  for (const auto& d : eval->caps.dropped)
    std::cerr << fmt::format("warning: segment '{}': value '{}' ({} profiles) is beyond max_tags and gets no tag\n",
                             ws->rules.segments[d.segment].id, d.value, d.profiles);

  std::vector<std::unordered_map<std::string, int64_t>> counts(nseg);
  for (const auto& w : per_worker)
    for (size_t s = 0; s < nseg; ++s)
      for (const auto& [tag, n] : w[s]) counts[s][tag] += n;
  for (const auto& w : plain_per_worker)
    for (size_t s = 0; s < nseg; ++s)
      if (w[s] > 0) counts[s][ws->rules.segments[s].tag] += w[s];
  std::vector<SegmentRow> rows = CollectRows(ws->rules, *eval, counts);
  std::string as_of_text = FormatInstant(in->as_of, ws->config.tz);
  int64_t total_rows = eval->profiles + eval->rows_rejected;

  if (o.format == "json") {
    boost::json::array segs;
    for (const auto& r : rows) {
      const Segment& seg = ws->rules.segments[r.segment];
      segs.push_back(boost::json::object{{"id", seg.id},
                                         {"group", ws->rules.groups[seg.group].name},
                                         {"tag", r.tag},
                                         {"size", r.size}});
    }
    boost::json::object doc{{"as_of", as_of_text},
                            {"rows", total_rows},
                            {"rows_rejected", eval->rows_rejected},
                            {"segments", std::move(segs)}};
    std::cout << boost::json::serialize(doc) << "\n";
    return 0;
  }
  std::cout << fmt::format("{}: {} rows, {} rejected, as of {}\n\n", eval->export_path,
                           FormatCount(total_rows), FormatCount(eval->rows_rejected), as_of_text);
  std::cout << fmt::format("{:<20} {:<22} {:<24} {:>10}\n", "GROUP", "SEGMENT", "TAG", "SIZE");
  for (const auto& r : rows) {
    const Segment& seg = ws->rules.segments[r.segment];
    std::cout << PadDisplay(ws->rules.groups[seg.group].name, 20) << ' ' << PadDisplay(seg.id, 22)
              << ' ' << PadDisplay(r.tag, 24) << fmt::format(" {:>10}\n", FormatCount(r.size));
  }
  return 0;
}

}  // namespace segsync::cli

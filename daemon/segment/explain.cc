#include "segment/explain.h"

#include <date/tz.h>
#include <fmt/format.h>

namespace segsync {

namespace {

const char* KindName(CondNode::Kind k) {
  switch (k) {
    case CondNode::Kind::kAll: return "all";
    case CondNode::Kind::kAny: return "any";
    case CondNode::Kind::kNot: return "not";
    case CondNode::Kind::kPred: return "predicate";
  }
  return "?";
}

std::string NodeLine(const RuleSet& rules, const ExplainRecorder::Entry& e) {
  const CondNode& n = rules.nodes[e.node];
  const char* result = e.result ? "true" : "false";
  if (n.kind != CondNode::Kind::kPred) return fmt::format("{}: {}", KindName(n.kind), result);
  const CompiledPred& p = rules.preds[n.pred];
  std::string subject = p.field >= 0 ? rules.schema.fields[p.field].name : p.segment_id;
  return fmt::format("{}: {} ({} is {})", p.text, result, subject, e.actual);
}

std::string SegmentLine(const RuleSet& rules, const ExplainRecorder::Entry& e) {
  const Segment& s = rules.segments[e.segment];
  std::string what = s.tag_from >= 0
                         ? fmt::format("{}/tag_from {}", rules.groups[s.group].name,
                                       rules.schema.fields[s.tag_from].name)
                         : rules.GroupTag(e.segment, s.tag);
  std::string line = fmt::format("{} ({}): {}", s.id, what, e.result ? "in" : "out");
  if (s.tag_from >= 0 && !e.tags.empty()) {
    line += ", tags: ";
    for (size_t i = 0; i < e.tags.size(); ++i) line += (i ? ", " : "") + e.tags[i];
  }
  if (!e.actual.empty()) line += " (" + e.actual + ")";
  return line;
}

// The condition that decided a node's result: the first false child of a false `all`, the
// first true child of a true `any`; the node itself when every child agreed.
int Decider(const RuleSet& rules, const std::vector<int8_t>& results, int node) {
  const CondNode& n = rules.nodes[node];
  switch (n.kind) {
    case CondNode::Kind::kPred:
      return node;
    case CondNode::Kind::kNot:
      return Decider(rules, results, n.children[0]);
    case CondNode::Kind::kAll:
    case CondNode::Kind::kAny: {
      int8_t want = n.kind == CondNode::Kind::kAll ? 0 : 1;
      if (results[node] != want) return node;
      for (int c : n.children)
        if (results[c] == want) return Decider(rules, results, c);
      return node;
    }
  }
  return node;
}

std::string Indent(const std::string& text, const std::string& pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string FormatExplanation(const RuleSet& rules, const ExplainRecorder& rec) {
  std::string out;
  for (const auto& e : rec.entries()) {
    if (e.kind == ExplainRecorder::Entry::Kind::kSegment) out += SegmentLine(rules, e) + "\n";
    else out += std::string(2 * e.depth, ' ') + NodeLine(rules, e) + "\n";
  }
  return out;
}

std::string ExplainText(const RuleSet& rules, const Profile& profile, const EvalContext& ctx,
                        const ValueCaps* caps, const std::string& segment_id) {
  int only = -1;
  if (!segment_id.empty()) {
    only = rules.IndexOf(segment_id);
    if (only < 0) {
      std::vector<std::string> ids;
      for (const auto& s : rules.segments) ids.push_back(s.id);
      std::string hint = DidYouMean(segment_id, ids);
      return fmt::format("unknown segment '{}'{}\n", segment_id, hint.empty() ? "" : "; " + hint);
    }
  }
  Evaluator eval(rules, ctx, caps);
  ExplainRecorder rec(only);
  std::vector<Membership> tags;
  eval.Evaluate(profile, &tags, &rec);
  std::string out = fmt::format("profile {} as of {}\n", profile.id, FormatDate(ctx.as_of_date));
  out += FormatExplanation(rules, rec);
  if (only < 0) {
    out += "tags:";
    for (const auto& t : GroupTags(rules, tags)) out += " " + t;
    out += tags.empty() ? " none\n" : "\n";
  }
  return out;
}

ExamplesReport RunExamples(const RuleSet& rules, const EvalContext& ctx) {
  ExamplesReport report;
  Evaluator eval(rules, ctx);
  std::vector<Membership> tags;
  for (size_t seg = 0; seg < rules.segments.size(); ++seg) {
    const Segment& s = rules.segments[seg];
    for (size_t k = 0; k < s.examples.size(); ++k) {
      const Example& ex = s.examples[k];
      Profile p = ex.profile;
      for (const auto& rel : ex.relative_dates) {
        Date day{ctx.as_of_date.days + rel.offset_days};
        if (rules.schema.fields[rel.field].type == FieldType::kDate) {
          p.values[rel.field] = day;
        } else {
          date::local_seconds noon{date::local_days{date::days{day.days}} + std::chrono::hours{12}};
          auto sys = ctx.tz ? ctx.tz->to_sys(noon, date::choose::earliest).time_since_epoch()
                            : noon.time_since_epoch();
          p.values[rel.field] = DateTime{std::chrono::duration_cast<std::chrono::seconds>(sys).count()};
        }
      }
      ExplainRecorder rec(static_cast<int>(seg));
      eval.Evaluate(p, &tags, &rec);
      bool in = eval.InSegment(static_cast<int>(seg));
      if (!ex.tag.empty()) {
        bool has = false;
        for (const auto& t : tags) has = has || (t.segment_index == static_cast<int>(seg) && t.tag == ex.tag);
        in = has;
      }
      ExampleResult r{static_cast<int>(seg), static_cast<int>(k), in == ex.expect_in, {}};
      if (r.passed) {
        ++report.passed;
        report.results.push_back(std::move(r));
        continue;
      }
      ++report.failed;
      std::string what = ex.tag.empty() ? "" : fmt::format(" with tag '{}'", ex.tag);
      Diagnostic d{ex.pos, Severity::kError,
                   fmt::format("example {} of segment '{}': expected {}{}, got {}", k + 1, s.id,
                               ex.expect_in ? "in" : "out", what, in ? "in" : "out"),
                   {}, {}};
      r.failure = FormatDiagnostic(d);
      // Which condition decided it: the exclusive group or tag_from reason, else the
      // deciding condition of the `when` tree.
      const auto& entries = rec.entries();
      std::vector<int8_t> results(rules.nodes.size(), -1);
      for (const auto& e : entries)
        if (e.kind == ExplainRecorder::Entry::Kind::kNode) results[e.node] = e.result ? 1 : 0;
      if (!entries.empty() && !entries[0].actual.empty()) {
        r.failure += fmt::format("    decided by: {}\n", entries[0].actual);
      } else if (s.root >= 0) {
        int node = Decider(rules, results, s.root);
        const ExplainRecorder::Entry* shown = nullptr;
        for (const auto& e : entries)
          if (e.kind == ExplainRecorder::Entry::Kind::kNode && e.node == node) shown = &e;
        const SourcePos& pos = rules.nodes[node].pos;
        if (shown)
          r.failure += fmt::format("    decided by {}:{}:{}: {}\n", pos.file, pos.line, pos.col,
                                   NodeLine(rules, *shown));
      }
      r.failure += Indent(FormatExplanation(rules, rec), "    ");
      report.text += r.failure;
      report.results.push_back(std::move(r));
    }
  }
  report.text += fmt::format("{} passed, {} failed\n", report.passed, report.failed);
  return report;
}

}  // namespace segsync

// Evaluates a RuleSet for one profile at a time (spec §4).
//
// Semantics:
// - A predicate on a missing field is false; only `is empty` is true (and `is not empty`
//   false). An empty list counts as empty.
// - Text operators and `in`/`not in` on a list field test its items: `interests contains
//   "CPD"` is true when one item contains "CPD"; `not in [...]` when no item is in the list.
// - Date-time fields compared with dates (and date windows) use their local date in ctx.tz.
//   Windows include both ends; `today` is ctx.as_of_date.
// - Membership: a segment's `when` holds (and, for tag_from, the profile has at least one
//   allowed value) and, in an exclusive group, no earlier segment of the group has the
//   profile: first match wins. `in segment X` means X's membership in that sense, so it
//   agrees with the tags the profile gets.
// - tag_from: one tag per distinct value (string, int, or each item of a list), kept only
//   if it is in `values:`, or, for `max_tags:`, in ValueCaps::allowed (no caps given: every
//   value). Values longer than 30 characters are never tags. In an exclusive group a
//   tag_from segment gives only its first value.
//
// An Evaluator holds per-profile scratch state: use one per thread. The RuleSet and the
// ValueCaps must outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "mapper/profile.h"
#include "segment/rules.h"

namespace segsync {

struct EvalContext {
  Date as_of_date;                      // the as-of instant's local date in tz
  DateTime as_of;
  const date::time_zone* tz = nullptr;  // null: UTC
};

// The context for instant `as_of` in `tz` (null: UTC): computes the local date.
EvalContext MakeEvalContext(DateTime as_of, const date::time_zone* tz);

// One tag a profile gets.
struct Membership {
  int segment_index = -1;  // into RuleSet::segments
  std::string tag;         // the segment's tag, or the tag_from value
};

// The `max_tags:` cap of tag_from segments without `values:`. It needs the whole export:
// ValueCounter counts, for each distinct value, the profiles that would get it; the
// max_tags most frequent values (ties: byte order) become tags, the rest are dropped and
// listed so that `segments` can warn. Frequency, not row order, decides, so the tag set does
// not churn when the export is re-sorted.
struct ValueCaps {
  std::vector<std::vector<std::string>> allowed;  // per segment, sorted; empty when uncapped
  struct Dropped {
    int segment = -1;
    std::string value;
    int64_t profiles = 0;
  };
  std::vector<Dropped> dropped;  // most frequent first
};

class ExplainRecorder;

class Evaluator {
 public:
  Evaluator(const RuleSet& rules, const EvalContext& ctx, const ValueCaps* caps = nullptr);

  // The tags of one profile, group by group and segment by segment in file order. Clears
  // *out first. `rec` (normally null) records every condition for `explain`.
  void Evaluate(const Profile& p, std::vector<Membership>* out, ExplainRecorder* rec = nullptr);

  // After Evaluate: whether the profile is in segment `i` (after exclusivity), and whether
  // its `when` held (before exclusivity).
  bool InSegment(int i) const { return member_[i] == kTrue; }
  bool WhenHeld(int i) const { return matched_[i] == kTrue; }

  // One predicate on its own (benchmarks, tests). Segment references are evaluated too.
  bool EvalPredicate(int pred, const Profile& p);

  const RuleSet& rules() const { return rules_; }
  const EvalContext& context() const { return ctx_; }

 private:
  static constexpr uint8_t kUnknown = 0, kFalse = 1, kTrue = 2;

  bool Member(int seg);
  bool Matched(int seg);
  bool Claimed(int seg);  // seg or an earlier segment of its exclusive group has the profile
  bool Node(int node, int depth);
  bool Pred(const CompiledPred& p);
  // Calls fn(value) for each distinct tag value of tag_from segment `seg` that may be a tag.
  template <typename Fn>
  void ForEachTagValue(int seg, Fn&& fn) const;
  bool TagValueAllowed(int seg, std::string_view v) const;
  int32_t Resolve(const DateConst& d) const { return d.relative ? ctx_.as_of_date.days + d.days : d.days; }
  bool DayOf(const Value& v, int32_t* day) const;

  const RuleSet& rules_;
  EvalContext ctx_;
  const ValueCaps* caps_;
  std::vector<int> prev_in_group_;  // exclusive groups: the segment before, else -1
  std::vector<uint8_t> member_, matched_;
  const Profile* profile_ = nullptr;
  ExplainRecorder* rec_ = nullptr;
};

// Counts tag_from values over the export to build ValueCaps (first pass of `segments`/`plan`).
class ValueCounter {
 public:
  ValueCounter(const RuleSet& rules, const EvalContext& ctx);
  void Add(const Profile& p);
  ValueCaps Finish() const;

 private:
  const RuleSet& rules_;
  Evaluator eval_;
  std::vector<Membership> scratch_;
  std::vector<std::unordered_map<std::string, int64_t>> counts_;  // per segment: value -> profiles
};

// The caps from per-segment value counts (what ValueCounter::Finish does), for callers that
// count in one pass over several threads and merge.
ValueCaps CapsFromCounts(const RuleSet& rules,
                         const std::vector<std::unordered_map<std::string, int64_t>>& counts);

// A tag_from segment capped by max_tags (no `values:` allow-list).
bool IsCappedSegment(const Segment& s);

// True when a capped segment's tags decide other segments (it sits in an exclusive group, or an
// `in segment` names it): then the caps must be known before evaluating, i.e. a first pass.
// Otherwise one pass can evaluate uncapped and drop the values beyond the caps afterwards.
bool CapsAffectOtherSegments(const RuleSet& rules);

// "GROUP/TAG" for each membership, in order.
std::vector<std::string> GroupTags(const RuleSet& rules, const std::vector<Membership>& m);

}  // namespace segsync

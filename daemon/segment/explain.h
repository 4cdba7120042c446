// `explain` and `test` (spec §1): why a profile is in or out of each segment.
//
// The Evaluator takes an ExplainRecorder that is null in normal runs. When one is given,
// the evaluator records, per segment, every condition of its `when` (all children, no
// short-circuit) with the field's actual value, the operator, the constant and the result,
// then the final in/out and why (exclusive group, tag_from values).
#pragma once

#include <string>
#include <vector>

#include "segment/evaluator.h"
#include "segment/rules.h"

namespace segsync {

class ExplainRecorder {
 public:
  struct Entry {
    enum class Kind { kSegment, kNode };
    Kind kind = Kind::kNode;
    int segment = -1;
    int node = -1;        // kNode: index into RuleSet::nodes
    int depth = 0;        // nesting: 0 for a segment, 1 for its `when`
    bool result = false;
    bool missing = false;  // a predicate on a missing field
    std::string actual;    // kNode predicate: FormatValue of the field; kSegment: why
    std::vector<std::string> tags;  // kSegment: the tags the profile gets from it
  };

  // only_segment >= 0 records that segment alone.
  explicit ExplainRecorder(int only_segment = -1) : only_segment_(only_segment) {}

  bool Wants(int segment) const { return only_segment_ < 0 || only_segment_ == segment; }
  size_t Add(Entry e) {
    entries_.push_back(std::move(e));
    return entries_.size() - 1;
  }
  Entry& at(size_t i) { return entries_[i]; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  int only_segment_;
  std::vector<Entry> entries_;
};

// The recorded entries as indented text, one segment after another:
//   ready_to_convert (会籍阶段/待转会员): out
//     all: false
//       status = "Affiliate": true (status is "Affiliate")
//       per_months >= 36: false (per_months is missing)
std::string FormatExplanation(const RuleSet& rules, const ExplainRecorder& rec);

// For the CLI `explain` command: evaluates `profile` as of ctx and explains every segment,
// or only `segment_id` when not empty (an unknown id gives a one-line error text).
std::string ExplainText(const RuleSet& rules, const Profile& profile, const EvalContext& ctx,
                        const ValueCaps* caps = nullptr, const std::string& segment_id = {});

// `test`: runs every segment's examples as of ctx (relative example dates such as
// `today-30` resolve against ctx.as_of_date).
struct ExampleResult {
  int segment = -1;
  int example = -1;  // index in Segment::examples
  bool passed = false;
  std::string failure;  // for a failure: the diagnostic, the deciding condition, the explanation
};

struct ExamplesReport {
  std::vector<ExampleResult> results;
  int passed = 0;
  int failed = 0;
  // Every failure, then the last line "N passed, N failed".
  std::string text;
};

ExamplesReport RunExamples(const RuleSet& rules, const EvalContext& ctx);

}  // namespace segsync

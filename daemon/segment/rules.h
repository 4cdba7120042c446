// A loaded rule set (spec §4): tag groups, segments with compiled conditions, examples,
// group-chat invitations and the campaign calendar.
//
// A RuleSet is immutable after LoadRules and shared read-only by evaluators on any thread.
// Conditions are compiled once: every predicate knows its field index, operator and
// pre-parsed constant (and its RE2 object), so evaluation parses and allocates nothing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diag.h"
#include "mapper/profile.h"
#include "segment/predicate.h"

namespace re2 {
class RE2;
}

namespace segsync {

// A date constant: fixed, or relative to the as-of date (`today`).
struct DateConst {
  int32_t days = 0;       // fixed: days since epoch; relative: offset from the as-of date
  bool relative = false;  // `today`
};

// One compiled predicate.
struct CompiledPred {
  Op op = Op::kEq;
  int field = -1;                  // index into Schema::fields; -1 for segment references
  FieldType type = FieldType::kString;
  // The constant, in the form the field's type needs (only the relevant member is set).
  std::string str;                 // string compare, text operators
  bool num_is_int = false;         // int field compared with an integer: exact int64 compare
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;            // bool field `=`/`!=`
  DateConst date, date2;           // date compare, before/after/between
  int64_t days = 0;                // within last/next, more than N days ago
  std::vector<std::string> strs;   // in/not in on strings, lists and bools ("true"/"false")
  std::vector<double> nums;        // in/not in on numbers
  std::vector<DateConst> dates;    // in/not in on dates
  std::shared_ptr<const re2::RE2> re;  // matches
  int segment = -1;                // in segment / not in segment, resolved after loading
  std::string segment_id;
  // For explain and diagnostics.
  std::string text;                // the predicate as written (trimmed)
  std::string constant;            // the constant as written ("13", "[a, b]", "/x/")
  SourcePos pos;                   // the predicate's first character
  SourcePos segment_pos;           // the segment id of a reference
};

// A node of a `when` tree. Children are node indices in RuleSet::nodes.
struct CondNode {
  enum class Kind : uint8_t { kPred, kAll, kAny, kNot };
  Kind kind = Kind::kPred;
  int pred = -1;  // kPred: index into RuleSet::preds
  std::vector<int> children;
  SourcePos pos;
};

struct Example {
  bool expect_in = true;
  std::string tag;       // optional: for a tag_from segment, the tag the profile must get
  Profile profile;       // values parsed with ParseCell, parallel to the schema
  // Date fields written as `today`, `today-30`, `today+60`: resolved against the as-of date
  // (a datetime field gets noon local time of that day).
  struct RelativeDate {
    int field = -1;
    int32_t offset_days = 0;
  };
  std::vector<RelativeDate> relative_dates;
  SourcePos pos;
};

struct GroupChat {
  std::vector<std::string> chat_ids;  // 1..5
  std::string invitation;             // <= 4000 bytes
  std::string link_title;             // optional
  int reinvite_after_days = 30;
  SourcePos pos;
};

struct Segment {
  std::string id;
  std::string tag;                  // empty for tag_from segments
  int group = -1;                   // index into RuleSet::groups
  int root = -1;                    // `when` tree; -1 = always (a tag_from without `when`)
  int tag_from = -1;                // field index of `tag_from:`, or -1
  std::vector<std::string> values;  // tag_from allow-list (empty: max_tags applies)
  int max_tags = 0;                 // tag_from without values: cap on distinct values
  std::vector<Example> examples;
  std::optional<GroupChat> group_chat;
  SourcePos pos;                    // the `id:` value
};

struct TagGroup {
  std::string name;
  bool exclusive = false;
  std::vector<int> segments;  // in file order
  SourcePos pos;
};

struct Touch {
  Date date;
  std::vector<int> segments;
  std::string message;
  std::string link_title;
  std::string link_url;
  SourcePos pos;
};

struct Campaign {
  std::string name;
  Date from, to;
  std::vector<Touch> touches;
  SourcePos pos;
};

struct RuleSet {
  Schema schema;                  // the mapping's schema the rules were checked against
  std::vector<std::string> files;  // the rule files, in load order
  std::vector<TagGroup> groups;
  std::vector<Segment> segments;  // in file order: exclusive groups take the first match
  std::vector<CondNode> nodes;
  std::vector<CompiledPred> preds;
  std::vector<Campaign> campaigns;

  // Index of segment `id`, or -1.
  int IndexOf(std::string_view id) const;
  // "GROUP/TAG" as written in plans and ledgers.
  std::string GroupTag(int segment, std::string_view tag) const;
};

// Caps on a rule set.
inline constexpr size_t kMaxRuleFileBytes = 4 << 20;
inline constexpr size_t kMaxSegments = 5000;
inline constexpr int kMaxWhenDepth = 32;
inline constexpr int kMaxTagChars = 30;
inline constexpr int kMaxChatIds = 5;
inline constexpr size_t kMaxInvitationBytes = 4000;

// Number of UTF-8 characters (code points) in `s`.
int Utf8Length(std::string_view s);

}  // namespace segsync

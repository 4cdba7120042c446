#include "segment/evaluator.h"

#include <algorithm>

#include <date/tz.h>
#include <re2/re2.h>

#include "segment/explain.h"

namespace segsync {

namespace {

bool ApplyCmp(Op op, int c) {
  switch (op) {
    case Op::kEq: return c == 0;
    case Op::kNe: return c != 0;
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    case Op::kGe: return c >= 0;
    default: return false;
  }
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool TextOp(const CompiledPred& p, std::string_view s) {
  switch (p.op) {
    case Op::kContains: return s.find(p.str) != std::string_view::npos;
    case Op::kStartsWith: return s.substr(0, p.str.size()) == p.str;
    case Op::kEndsWith:
      return s.size() >= p.str.size() && s.substr(s.size() - p.str.size()) == p.str;
    case Op::kMatches: return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *p.re);
    default: return false;
  }
}

bool InStrings(const std::vector<std::string>& list, std::string_view s) {
  for (const auto& x : list)
    if (x == s) return true;
  return false;
}

}  // namespace

EvalContext MakeEvalContext(DateTime as_of, const date::time_zone* tz) {
  EvalContext ctx;
  ctx.as_of = as_of;
  ctx.tz = tz;
  date::sys_seconds sys{std::chrono::seconds{as_of.seconds}};
  auto local = tz ? tz->to_local(sys).time_since_epoch() : sys.time_since_epoch();
  ctx.as_of_date = Date{static_cast<int32_t>(std::chrono::floor<date::days>(local).count())};
  return ctx;
}

Evaluator::Evaluator(const RuleSet& rules, const EvalContext& ctx, const ValueCaps* caps)
    : rules_(rules), ctx_(ctx), caps_(caps), prev_in_group_(rules.segments.size(), -1),
      member_(rules.segments.size(), kUnknown), matched_(rules.segments.size(), kUnknown) {
  for (const auto& g : rules.groups)
    if (g.exclusive)
      for (size_t i = 1; i < g.segments.size(); ++i) prev_in_group_[g.segments[i]] = g.segments[i - 1];
}

bool Evaluator::DayOf(const Value& v, int32_t* day) const {
  if (auto d = std::get_if<Date>(&v)) {
    *day = d->days;
    return true;
  }
  if (auto t = std::get_if<DateTime>(&v)) {
    date::sys_seconds sys{std::chrono::seconds{t->seconds}};
    auto local = ctx_.tz ? ctx_.tz->to_local(sys).time_since_epoch() : sys.time_since_epoch();
    *day = static_cast<int32_t>(std::chrono::floor<date::days>(local).count());
    return true;
  }
  return false;
}

bool Evaluator::Pred(const CompiledPred& p) {
  if (p.field < 0) {
    // A segment reference: evaluated (and memoised) without recording its conditions.
    ExplainRecorder* saved = rec_;
    rec_ = nullptr;
    bool m = p.segment >= 0 && Member(p.segment);
    rec_ = saved;
    return p.op == Op::kInSegment ? m : !m;
  }
  if (static_cast<size_t>(p.field) >= profile_->values.size()) return p.op == Op::kIsEmpty;
  const Value& v = profile_->values[p.field];
  if (v.index() == 0) return p.op == Op::kIsEmpty;
  const auto* list = std::get_if<std::vector<std::string>>(&v);
  switch (p.op) {
    case Op::kIsEmpty: return list && list->empty();
    case Op::kIsNotEmpty: return !(list && list->empty());
    case Op::kIsTrue:
    case Op::kIsFalse: {
      const bool* b = std::get_if<bool>(&v);
      return b && *b == (p.op == Op::kIsTrue);
    }
    case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: {
      if (auto s = std::get_if<std::string>(&v)) return ApplyCmp(p.op, s->compare(p.str));
      if (auto i = std::get_if<int64_t>(&v))
        return p.num_is_int ? ApplyCmp(p.op, Cmp(*i, p.integer))
                            : ApplyCmp(p.op, Cmp(static_cast<double>(*i), p.number));
      if (auto d = std::get_if<double>(&v)) return ApplyCmp(p.op, Cmp(*d, p.number));
      if (auto b = std::get_if<bool>(&v)) return ApplyCmp(p.op, *b == p.boolean ? 0 : 1);
      int32_t day;
      if (DayOf(v, &day)) return ApplyCmp(p.op, Cmp(day, Resolve(p.date)));
      return false;
    }
    case Op::kIn:
    case Op::kNotIn: {
      bool found = false;
      if (auto s = std::get_if<std::string>(&v)) {
        found = InStrings(p.strs, *s);
      } else if (list) {
        for (const auto& item : *list)
          if ((found = InStrings(p.strs, item))) break;
      } else if (auto i = std::get_if<int64_t>(&v)) {
        found = std::find(p.nums.begin(), p.nums.end(), static_cast<double>(*i)) != p.nums.end();
      } else if (auto d = std::get_if<double>(&v)) {
        found = std::find(p.nums.begin(), p.nums.end(), *d) != p.nums.end();
      } else if (auto b = std::get_if<bool>(&v)) {
        found = InStrings(p.strs, *b ? "true" : "false");
      } else if (int32_t day; DayOf(v, &day)) {
        for (const auto& dc : p.dates)
          if ((found = Resolve(dc) == day)) break;
      }
      return p.op == Op::kIn ? found : !found;
    }
    case Op::kContains: case Op::kStartsWith: case Op::kEndsWith: case Op::kMatches: {
      if (auto s = std::get_if<std::string>(&v)) return TextOp(p, *s);
      if (list)
        for (const auto& item : *list)
          if (TextOp(p, item)) return true;
      return false;
    }
    case Op::kWithinLast: case Op::kWithinNext: case Op::kMoreThanDaysAgo:
    case Op::kBefore: case Op::kAfter: case Op::kBetween: {
      int32_t day;
      if (!DayOf(v, &day)) return false;
      const int32_t today = ctx_.as_of_date.days;
      switch (p.op) {
        case Op::kWithinLast: return today - p.days <= day && day <= today;
        case Op::kWithinNext: return today <= day && day <= today + p.days;
        case Op::kMoreThanDaysAgo: return day < today - p.days;
        case Op::kBefore: return day < Resolve(p.date);
        case Op::kAfter: return day > Resolve(p.date);
        default: return Resolve(p.date) <= day && day <= Resolve(p.date2);
      }
    }
    case Op::kInSegment:
    case Op::kNotInSegment:
      break;
  }
  return false;
}

bool Evaluator::Node(int index, int depth) {
  const CondNode& n = rules_.nodes[index];
  size_t entry = 0;
  if (rec_) entry = rec_->Add({ExplainRecorder::Entry::Kind::kNode, -1, index, depth});
  bool r = false;
  switch (n.kind) {
    case CondNode::Kind::kPred:
      r = Pred(rules_.preds[n.pred]);
      break;
    case CondNode::Kind::kAll:
      r = true;
      for (int c : n.children)
        if (!Node(c, depth + 1)) {
          r = false;
          if (!rec_) break;  // explain shows every condition; normal runs short-circuit
        }
      break;
    case CondNode::Kind::kAny:
      for (int c : n.children)
        if (Node(c, depth + 1)) {
          r = true;
          if (!rec_) break;
        }
      break;
    case CondNode::Kind::kNot:
      r = !Node(n.children[0], depth + 1);
      break;
  }
  if (rec_) {
    auto& e = rec_->at(entry);
    e.result = r;
    if (n.kind == CondNode::Kind::kPred) {
      const CompiledPred& p = rules_.preds[n.pred];
      if (p.field < 0) {
        e.actual = p.segment >= 0 && member_[p.segment] == kTrue ? "in" : "out";
      } else {
        const Value* v = static_cast<size_t>(p.field) < profile_->values.size()
                             ? &profile_->values[p.field] : nullptr;
        e.missing = !v || IsMissing(*v);
        e.actual = v ? FormatValue(*v) : "missing";
        // A date-time is shown in UTC; dates are compared with its local date, so show that too.
        int32_t day;
        if (v && std::holds_alternative<DateTime>(*v) && DayOf(*v, &day))
          e.actual += ", local date " + FormatDate(Date{day});
      }
    }
  }
  return r;
}

bool Evaluator::TagValueAllowed(int seg, std::string_view v) const {
  const Segment& s = rules_.segments[seg];
  if (Utf8Length(v) > kMaxTagChars || v.empty()) return false;
  if (!s.values.empty()) return InStrings(s.values, v);
  if (caps_ && static_cast<size_t>(seg) < caps_->allowed.size()) {
    const auto& allowed = caps_->allowed[seg];
    return std::binary_search(allowed.begin(), allowed.end(), v);
  }
  return true;
}

template <typename Fn>
void Evaluator::ForEachTagValue(int seg, Fn&& fn) const {
  const Segment& s = rules_.segments[seg];
  if (s.tag_from < 0 || static_cast<size_t>(s.tag_from) >= profile_->values.size()) return;
  const Value& v = profile_->values[s.tag_from];
  if (auto str = std::get_if<std::string>(&v)) {
    if (TagValueAllowed(seg, *str)) fn(std::string_view(*str));
  } else if (auto i = std::get_if<int64_t>(&v)) {
    std::string text = std::to_string(*i);
    if (TagValueAllowed(seg, text)) fn(std::string_view(text));
  } else if (auto list = std::get_if<std::vector<std::string>>(&v)) {
    for (size_t k = 0; k < list->size(); ++k) {
      const std::string& item = (*list)[k];
      bool seen = false;
      for (size_t j = 0; j < k && !seen; ++j) seen = (*list)[j] == item;
      if (!seen && TagValueAllowed(seg, item)) fn(std::string_view(item));
    }
  }
}

bool Evaluator::Matched(int seg) {
  if (matched_[seg] != kUnknown) return matched_[seg] == kTrue;
  const Segment& s = rules_.segments[seg];
  bool m = s.root < 0 || Node(s.root, 1);
  if (m && s.tag_from >= 0) {
    bool any = false;
    ForEachTagValue(seg, [&](std::string_view) { any = true; });
    m = any;
  }
  matched_[seg] = m ? kTrue : kFalse;
  return m;
}

bool Evaluator::Claimed(int seg) {
  for (int s = seg; s >= 0; s = prev_in_group_[s])
    if (Member(s)) return true;
  return false;
}

bool Evaluator::Member(int seg) {
  if (member_[seg] != kUnknown) return member_[seg] == kTrue;
  bool m = Matched(seg);
  if (m && prev_in_group_[seg] >= 0) m = !Claimed(prev_in_group_[seg]);
  member_[seg] = m ? kTrue : kFalse;
  return m;
}

bool Evaluator::EvalPredicate(int pred, const Profile& p) {
  profile_ = &p;
  std::fill(member_.begin(), member_.end(), kUnknown);
  std::fill(matched_.begin(), matched_.end(), kUnknown);
  return Pred(rules_.preds[pred]);
}

void Evaluator::Evaluate(const Profile& p, std::vector<Membership>* out, ExplainRecorder* rec) {
  out->clear();
  profile_ = &p;
  std::fill(member_.begin(), member_.end(), kUnknown);
  std::fill(matched_.begin(), matched_.end(), kUnknown);
  for (const auto& g : rules_.groups) {
    for (int seg : g.segments) {
      const Segment& s = rules_.segments[seg];
      size_t header = 0;
      const bool record = rec && rec->Wants(seg);
      if (record) {
        // Re-run the `when` with recording on (a reference may have memoised it already:
        // conditions are pure, so the result is the same).
        header = rec->Add({ExplainRecorder::Entry::Kind::kSegment, seg, -1, 0});
        matched_[seg] = kUnknown;
        rec_ = rec;
        Matched(seg);
        rec_ = nullptr;
      }
      bool in = Member(seg);
      size_t first_tag = out->size();
      if (in) {
        if (s.tag_from < 0) {
          out->push_back({seg, s.tag});
        } else {
          ForEachTagValue(seg, [&](std::string_view v) {
            if (!g.exclusive || out->size() == first_tag) out->push_back({seg, std::string(v)});
          });
        }
      }
      if (record) {
        auto& e = rec->at(header);
        e.result = in;
        for (size_t k = first_tag; k < out->size(); ++k) e.tags.push_back((*out)[k].tag);
        if (!in && matched_[seg] == kTrue) {
          for (int prev = prev_in_group_[seg]; prev >= 0; prev = prev_in_group_[prev])
            if (member_[prev] == kTrue)
              e.actual = "its condition holds, but '" + rules_.segments[prev].id +
                         "' comes first in exclusive group '" + g.name + "'";
        } else if (!in && s.tag_from >= 0 && (s.root < 0 || rec->at(header + 1).result)) {
          e.actual = "no allowed value in field '" + rules_.schema.fields[s.tag_from].name + "'";
        }
      }
    }
  }
  profile_ = nullptr;
}

}  // namespace segsync

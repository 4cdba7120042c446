#include "segment/predicate.h"

#include <charconv>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace segsync {

namespace {

// The first word of every operator, and the phrase a hint shows for it.
const std::vector<std::pair<std::string, std::string>>& OperatorWords() {
  static const std::vector<std::pair<std::string, std::string>> kWords{
      {"in", "in"},           {"not", "not in"},          {"contains", "contains"},
      {"starts", "starts with"}, {"ends", "ends with"},   {"matches", "matches"},
      {"is", "is empty"},     {"within", "within last"},  {"more", "more than"},
      {"before", "before"},   {"after", "after"},         {"between", "between"}};
  return kWords;
}

bool IsWordChar(char c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\r': case '[': case ']': case ',': case '"':
    case '\'': case '=': case '!': case '<': case '>':
      return false;
    default:
      return true;
  }
}

class Scanner {
 public:
  Scanner(std::string_view s, PredicateError* err) : s_(s), err_(err) {}

  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ >= s_.size();
  }
  int pos() const { return static_cast<int>(i_); }
  char Peek() {
    SkipSpace();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  // The next bare word (possibly empty), consumed.
  std::string_view Word() {
    SkipSpace();
    size_t start = i_;
    while (i_ < s_.size() && IsWordChar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  // The next bare word without consuming it.
  std::string_view PeekWord() {
    size_t save = i_;
    auto w = Word();
    i_ = save;
    return w;
  }
  bool Accept(std::string_view word) {
    size_t save = i_;
    if (Word() == word) return true;
    i_ = save;
    return false;
  }
  bool Fail(int offset, std::string message, std::string hint = {}) {
    *err_ = PredicateError{offset, std::move(message), std::move(hint)};
    return false;
  }
  // Expects `word` (e.g. "with" after "starts"); `after` names what came before.
  bool Expect(std::string_view word, std::string_view after) {
    SkipSpace();
    int at = pos();
    if (Accept(word)) return true;
    return Fail(at, fmt::format("expected '{}' after '{}'", word, after));
  }

  bool Value(Literal* lit, std::string_view after);
  bool List(std::vector<Literal>* items, std::string_view after);
  bool Days(int64_t* days, int* offset, std::string_view after);
  bool DateArg(Literal* lit, std::string_view after);
  bool Regex(std::string* re, int* offset);

  std::string_view rest() const { return s_.substr(i_); }
  void Advance(size_t n) { i_ += n; }

 private:
  std::string_view s_;
  size_t i_ = 0;
  PredicateError* err_;
};

void Classify(Literal* lit) {
  std::string_view t = lit->text;
  if (t == "today") {
    lit->kind = LiteralKind::kToday;
    return;
  }
  if (auto d = ParseIsoDate(t)) {
    lit->kind = LiteralKind::kDate;
    lit->date = *d;
    return;
  }
  std::string_view n = t;
  if (!n.empty() && n.front() == '+') n.remove_prefix(1);
  int64_t i = 0;
  auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), i);
  if (!n.empty() && ec == std::errc() && p == n.data() + n.size()) {
    lit->kind = LiteralKind::kNumber;
    lit->is_int = true;
    lit->integer = i;
    lit->number = static_cast<double>(i);
    return;
  }
  double d = 0;
  auto [q, ec2] = std::from_chars(n.data(), n.data() + n.size(), d);
  if (!n.empty() && ec2 == std::errc() && q == n.data() + n.size() && std::isfinite(d)) {
    lit->kind = LiteralKind::kNumber;
    lit->number = d;
    return;
  }
  lit->kind = LiteralKind::kWord;
}

bool Scanner::Value(Literal* lit, std::string_view after) {
  SkipSpace();
  lit->offset = pos();
  if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
    char quote = s_[i_++];
    std::string text;
    while (i_ < s_.size() && s_[i_] != quote) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      text += s_[i_++];
    }
    if (i_ >= s_.size()) return Fail(lit->offset, "unterminated string");
    ++i_;
    lit->kind = LiteralKind::kString;
    lit->text = std::move(text);
    return true;
  }
  auto w = Word();
  if (w.empty()) {
    if (i_ < s_.size())
      return Fail(lit->offset, fmt::format("expected a value after '{}', got '{}'", after, s_[i_]));
    return Fail(lit->offset, fmt::format("expected a value after '{}'", after));
  }
  lit->text = std::string(w);
  Classify(lit);
  return true;
}

bool Scanner::List(std::vector<Literal>* items, std::string_view after) {
  SkipSpace();
  int open = pos();
  if (Peek() != '[') return Fail(open, fmt::format("expected a list [a, b, ...] after '{}'", after));
  ++i_;
  if (Peek() == ']') return Fail(open, "empty list");
  for (;;) {
    if (items->size() >= kMaxListItems)
      return Fail(pos(), fmt::format("too many list items (at most {})", kMaxListItems));
    Literal lit;
    if (!Value(&lit, items->empty() ? "[" : ",")) return false;
    items->push_back(std::move(lit));
    char c = Peek();
    if (c == ',') {
      ++i_;
      continue;
    }
    if (c == ']') {
      ++i_;
      return true;
    }
    return Fail(pos(), c ? fmt::format("expected ',' or ']' in the list, got '{}'", c)
                         : std::string("expected ',' or ']': the list is not closed"));
  }
}

bool Scanner::Days(int64_t* days, int* offset, std::string_view after) {
  SkipSpace();
  *offset = pos();
  auto w = Word();
  int64_t n = -1;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
  if (w.empty() || ec != std::errc() || p != w.data() + w.size() || n < 0 || n > kMaxDays)
    return Fail(*offset, w.empty() ? fmt::format("expected a number of days after '{}'", after)
                                   : fmt::format("expected a number of days (0..{}), got '{}'",
                                                 kMaxDays, w));
  *days = n;
  SkipSpace();
  int at = pos();
  if (Accept("days") || Accept("day")) return true;
  return Fail(at, fmt::format("expected 'days' after '{}'", n));
}

bool Scanner::DateArg(Literal* lit, std::string_view after) {
  SkipSpace();
  lit->offset = pos();
  auto w = Word();
  lit->text = std::string(w);
  Classify(lit);
  if (lit->kind == LiteralKind::kDate || lit->kind == LiteralKind::kToday) return true;
  if (w.empty()) return Fail(lit->offset, fmt::format("expected a date after '{}'", after));
  return Fail(lit->offset,
              fmt::format("expected a date (YYYY-MM-DD or today) after '{}', got '{}'", after, w));
}

bool Scanner::Regex(std::string* re, int* offset) {
  SkipSpace();
  *offset = pos();
  if (i_ >= s_.size() || s_[i_] != '/')
    return Fail(*offset, "expected /regex/ after 'matches'");
  ++i_;
  *offset = pos();
  std::string text;
  while (i_ < s_.size() && s_[i_] != '/') {
    // "\/" is a slash inside the pattern; every other escape is RE2's.
    if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
      if (s_[i_ + 1] != '/') text += '\\';
      ++i_;
    }
    text += s_[i_++];
  }
  if (i_ >= s_.size()) return Fail(*offset - 1, "unterminated /regex/: the closing '/' is missing");
  ++i_;
  *re = std::move(text);
  return true;
}

bool ParseOperator(Scanner& sc, std::string_view field, PredicateAst* out) {
  sc.SkipSpace();
  out->op_offset = sc.pos();
  char c = sc.Peek();
  if (c == '=' || c == '!' || c == '<' || c == '>') {
    std::string_view r = sc.rest();
    std::string_view sym = r.substr(0, r.size() >= 2 && r[1] == '=' ? 2 : 1);
    if (sym == "=" || sym == "==") out->op = Op::kEq;
    else if (sym == "!=") out->op = Op::kNe;
    else if (sym == "<") out->op = Op::kLt;
    else if (sym == "<=") out->op = Op::kLe;
    else if (sym == ">") out->op = Op::kGt;
    else if (sym == ">=") out->op = Op::kGe;
    else return sc.Fail(out->op_offset, fmt::format("unknown operator '{}'", sym), "did you mean '!='?");
    sc.Advance(sym.size());
    out->args.emplace_back();
    return sc.Value(&out->args.back(), OpName(out->op));
  }
  auto w = std::string(sc.Word());
  if (w.empty()) {
    if (sc.AtEnd()) return sc.Fail(out->op_offset, fmt::format("expected an operator after '{}'", field));
    return sc.Fail(out->op_offset, fmt::format("expected an operator after '{}', got '{}'", field,
                                               sc.rest().substr(0, 1)));
  }
  if (w == "in") {
    if (sc.Accept("segment")) {
      out->op = Op::kInSegment;
      return true;
    }
    out->op = Op::kIn;
    return sc.List(&out->args, "in");
  }
  if (w == "not") {
    if (!sc.Expect("in", "not")) return false;
    if (sc.Accept("segment")) {
      out->op = Op::kNotInSegment;
      return true;
    }
    out->op = Op::kNotIn;
    return sc.List(&out->args, "not in");
  }
  if (w == "contains" || w == "starts" || w == "ends") {
    if (w != "contains" && !sc.Expect("with", w)) return false;
    out->op = w == "contains" ? Op::kContains : w == "starts" ? Op::kStartsWith : Op::kEndsWith;
    out->args.emplace_back();
    return sc.Value(&out->args.back(), OpName(out->op));
  }
  if (w == "matches") {
    out->op = Op::kMatches;
    return sc.Regex(&out->regex, &out->regex_offset);
  }
  if (w == "is") {
    sc.SkipSpace();
    int at = sc.pos();
    if (sc.Accept("empty")) out->op = Op::kIsEmpty;
    else if (sc.Accept("true")) out->op = Op::kIsTrue;
    else if (sc.Accept("false")) out->op = Op::kIsFalse;
    else if (sc.Accept("not")) {
      if (!sc.Expect("empty", "is not")) return false;
      out->op = Op::kIsNotEmpty;
    } else {
      return sc.Fail(at, "expected 'empty', 'not empty', 'true' or 'false' after 'is'");
    }
    return true;
  }
  if (w == "within") {
    sc.SkipSpace();
    int at = sc.pos();
    if (sc.Accept("last")) out->op = Op::kWithinLast;
    else if (sc.Accept("next")) out->op = Op::kWithinNext;
    else return sc.Fail(at, "expected 'last' or 'next' after 'within'");
    return sc.Days(&out->days, &out->days_offset, OpName(out->op));
  }
  if (w == "more") {
    if (!sc.Expect("than", "more")) return false;
    out->op = Op::kMoreThanDaysAgo;
    if (!sc.Days(&out->days, &out->days_offset, "more than")) return false;
    return sc.Expect("ago", "days");
  }
  if (w == "before" || w == "after") {
    out->op = w == "before" ? Op::kBefore : Op::kAfter;
    out->args.emplace_back();
    return sc.DateArg(&out->args.back(), w);
  }
  if (w == "between") {
    out->op = Op::kBetween;
    out->args.resize(2);
    return sc.DateArg(&out->args[0], "between") && sc.Expect("and", out->args[0].text) &&
           sc.DateArg(&out->args[1], "and");
  }
  std::vector<std::string> words;
  for (const auto& [word, phrase] : OperatorWords()) words.push_back(word);
  std::string hint = DidYouMean(w, words);
  for (const auto& [word, phrase] : OperatorWords())
    if (hint == fmt::format("did you mean '{}'?", word)) hint = fmt::format("did you mean '{}'?", phrase);
  return sc.Fail(out->op_offset, fmt::format("unknown operator '{}'", w), hint);
}

}  // namespace

const char* OpName(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kIn: return "in";
    case Op::kNotIn: return "not in";
    case Op::kContains: return "contains";
    case Op::kStartsWith: return "starts with";
    case Op::kEndsWith: return "ends with";
    case Op::kMatches: return "matches";
    case Op::kIsEmpty: return "is empty";
    case Op::kIsNotEmpty: return "is not empty";
    case Op::kIsTrue: return "is true";
    case Op::kIsFalse: return "is false";
    case Op::kWithinLast: return "within last";
    case Op::kWithinNext: return "within next";
    case Op::kMoreThanDaysAgo: return "more than";
    case Op::kBefore: return "before";
    case Op::kAfter: return "after";
    case Op::kBetween: return "between";
    case Op::kInSegment: return "in segment";
    case Op::kNotInSegment: return "not in segment";
  }
  return "?";
}

std::string DescribeLiteral(const Literal& lit) {
  switch (lit.kind) {
    case LiteralKind::kNumber: return fmt::format("the number {}", lit.text);
    case LiteralKind::kDate: return fmt::format("the date {}", lit.text);
    case LiteralKind::kToday: return "the date today";
    case LiteralKind::kString:
    case LiteralKind::kWord: return fmt::format("the string \"{}\"", lit.text);
  }
  return lit.text;
}

bool ParsePredicate(std::string_view text, PredicateAst* out, PredicateError* error) {
  *out = PredicateAst{};
  Scanner sc(text, error);
  if (text.size() > kMaxPredicateBytes)
    return sc.Fail(0, fmt::format("predicate too long ({} bytes, at most {})", text.size(),
                                  kMaxPredicateBytes));
  sc.SkipSpace();
  out->field_offset = sc.pos();
  // `in segment ID` and `not in segment ID` name no field.
  std::string_view first = sc.PeekWord();
  bool segment_ref = false;
  if (first == "in" || first == "not") {
    Scanner probe = sc;
    probe.Word();
    if (first == "not") probe.Accept("in");
    segment_ref = probe.Accept("segment");
  }
  if (!segment_ref) {
    out->field = std::string(sc.Word());
    if (out->field.empty()) {
      if (sc.AtEnd()) return sc.Fail(out->field_offset, "empty predicate: expected FIELD OP VALUE");
      return sc.Fail(out->field_offset, "expected a field name");
    }
  }
  if (!ParseOperator(sc, out->field, out)) return false;
  if (out->op == Op::kInSegment || out->op == Op::kNotInSegment) {
    sc.SkipSpace();
    out->segment_offset = sc.pos();
    out->segment = std::string(sc.Word());
    if (out->segment.empty())
      return sc.Fail(out->segment_offset, fmt::format("expected a segment id after '{}'", OpName(out->op)));
  }
  if (!sc.AtEnd()) {
    int at = sc.pos();
    auto w = sc.PeekWord();
    return sc.Fail(at, fmt::format("unexpected '{}' after the predicate",
                                   w.empty() ? sc.rest().substr(0, 1) : w));
  }
  return true;
}

}  // namespace segsync

// The predicate language of spec §4: one `FIELD OP VALUE` string, parsed by a small
// hand-written scanner into a PredicateAst. The parser knows no schema: field names and
// types are checked when the predicate is compiled (compile.h).
//
// Errors carry a 0-based byte offset into the predicate text; the rule loader turns it
// into a FILE:LINE:COL inside the YAML scalar.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mapper/profile.h"

namespace segsync {

enum class Op : uint8_t {
  kEq, kNe, kLt, kLe, kGt, kGe,           // compare
  kIn, kNotIn,                            // lists
  kContains, kStartsWith, kEndsWith, kMatches,  // text
  kIsEmpty, kIsNotEmpty,                  // presence
  kIsTrue, kIsFalse,                      // booleans
  kWithinLast, kWithinNext, kMoreThanDaysAgo, kBefore, kAfter, kBetween,  // dates
  kInSegment, kNotInSegment,              // other segments
};

// The operator as written in rules ("starts with", "within last").
const char* OpName(Op op);

enum class LiteralKind : uint8_t {
  kString,  // quoted: "x" or 'x'
  kWord,    // bare word that is not a number or a date (Affiliate, true)
  kNumber,  // bare 13, -2, 3.5
  kDate,    // bare YYYY-MM-DD
  kToday,   // bare `today`: the as-of date
};

struct Literal {
  LiteralKind kind = LiteralKind::kWord;
  std::string text;       // unquoted text
  double number = 0;      // kNumber
  bool is_int = false;    // kNumber written without a fraction or exponent
  int64_t integer = 0;    // kNumber && is_int
  Date date;              // kDate
  int offset = 0;         // where the literal starts in the predicate text
};

struct PredicateAst {
  std::string field;       // empty for `in segment` / `not in segment`
  int field_offset = 0;
  Op op = Op::kEq;
  int op_offset = 0;
  std::vector<Literal> args;  // compare/text: 1; in/not in: the items; before/after: 1; between: 2
  int64_t days = 0;           // within last/next, more than N days ago
  int days_offset = 0;
  std::string regex;          // matches
  int regex_offset = 0;
  std::string segment;        // in segment / not in segment
  int segment_offset = 0;
};

struct PredicateError {
  int offset = 0;
  std::string message;
  std::string hint;  // "did you mean 'contains'?" or empty
};

// Caps on one predicate: longer text or more list items is an error, not a slow parse.
inline constexpr size_t kMaxPredicateBytes = 8192;
inline constexpr size_t kMaxListItems = 5000;
inline constexpr int64_t kMaxDays = 36500;

// Parses one predicate. Returns false and fills *error on the first problem.
bool ParsePredicate(std::string_view text, PredicateAst* out, PredicateError* error);

// "the number 5", "the date 2027-01-01", "the string \"abc\"": for type errors.
std::string DescribeLiteral(const Literal& lit);

}  // namespace segsync

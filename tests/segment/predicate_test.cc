#include "segment/predicate.h"

#include <doctest/doctest.h>

#include "affiliate_schema.h"
#include "segment/compile.h"

namespace segsync {

namespace {

// A compact rendering of an AST for table-driven checks: field|op|args...
std::string Render(const PredicateAst& a) {
  std::string out = a.field + "|" + OpName(a.op);
  for (const auto& lit : a.args) {
    const char* kind = lit.kind == LiteralKind::kString ? "s" : lit.kind == LiteralKind::kWord ? "w"
                       : lit.kind == LiteralKind::kNumber ? "n" : lit.kind == LiteralKind::kDate ? "d" : "t";
    out += std::string("|") + kind + ":" + lit.text;
  }
  if (a.days) out += "|days:" + std::to_string(a.days);
  if (!a.regex.empty()) out += "|re:" + a.regex;
  if (!a.segment.empty()) out += "|seg:" + a.segment;
  return out;
}

}  // namespace

TEST_CASE("every operator of spec §4 parses") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"status = \"Affiliate\"", "status|=|s:Affiliate"},
      {"status == Affiliate", "status|=|w:Affiliate"},
      {"status != 'Lapsed'", "status|!=|s:Lapsed"},
      {"exams_passed < 13", "exams_passed|<|n:13"},
      {"exams_passed<=13", "exams_passed|<=|n:13"},
      {"per_months > -2", "per_months|>|n:-2"},
      {"per_months >= 3.5", "per_months|>=|n:3.5"},
      {"paid_until < today", "paid_until|<|t:today"},
      {"paid_until >= 2027-01-01", "paid_until|>=|d:2027-01-01"},
      {"city in [Shanghai, Beijing, \"Hong Kong\"]", "city|in|w:Shanghai|w:Beijing|s:Hong Kong"},
      {"city not in ['a b',c]", "city|not in|s:a b|w:c"},
      {"employer contains \"KPMG\"", "employer|contains|s:KPMG"},
      {"employer starts with \"Deloitte\"", "employer|starts with|s:Deloitte"},
      {"employer ends with LLP", "employer|ends with|w:LLP"},
      {"employer matches /^(?i)pwc/", "employer|matches|re:^(?i)pwc"},
      {"employer matches /a\\/b\\d/", "employer|matches|re:a/b\\d"},
      {"city is empty", "city|is empty"},
      {"city is not empty", "city|is not empty"},
      {"ethics_done is true", "ethics_done|is true"},
      {"ethics_done is false", "ethics_done|is false"},
      {"last_exam within last 90 days", "last_exam|within last|days:90"},
      {"paid_until within next 60 days", "paid_until|within next|days:60"},
      {"paid_until more than 30 days ago", "paid_until|more than|days:30"},
      {"last_exam before 2027-01-01", "last_exam|before|d:2027-01-01"},
      {"last_exam after today", "last_exam|after|t:today"},
      {"last_exam between 2026-01-01 and today", "last_exam|between|d:2026-01-01|t:today"},
      {"in segment lapsed", "|in segment|seg:lapsed"},
      {"not in segment ready_to_convert", "|not in segment|seg:ready_to_convert"},
      {"  status   =   x  ", "status|=|w:x"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    PredicateAst ast;
    PredicateError err;
    REQUIRE_MESSAGE(ParsePredicate(c.text, &ast, &err), err.message);
    CHECK(Render(ast) == c.want);
  }
}

TEST_CASE("parse errors name the problem and its offset") {
  struct Case {
    const char* text;
    int offset;
    const char* message;
    const char* hint;
  };
  const Case cases[] = {
      {"city contians \"x\"", 5, "unknown operator 'contians'", "did you mean 'contains'?"},
      {"employer strats with \"x\"", 9, "unknown operator 'strats'", "did you mean 'starts with'?"},
      {"city", 4, "expected an operator after 'city'", ""},
      {"", 0, "empty predicate: expected FIELD OP VALUE", ""},
      {"exams_passed >=", 15, "expected a value after '>='", ""},
      {"city = \"Shang", 7, "unterminated string", ""},
      {"city in [a, b", 13, "expected ',' or ']': the list is not closed", ""},
      {"city in []", 8, "empty list", ""},
      {"city in a", 8, "expected a list [a, b, ...] after 'in'", ""},
      {"last_exam within last ninety days", 22, "expected a number of days (0..36500), got 'ninety'", ""},
      {"last_exam within 9 days", 17, "expected 'last' or 'next' after 'within'", ""},
      {"last_exam within last 9 weeks", 24, "expected 'days' after '9'", ""},
      {"paid_until more than 30 days", 28, "expected 'ago' after 'days'", ""},
      {"last_exam before soon", 17, "expected a date (YYYY-MM-DD or today) after 'before', got 'soon'", ""},
      {"last_exam between today or 2027-01-01", 24, "expected 'and' after 'today'", ""},
      {"ethics_done is maybe", 15, "expected 'empty', 'not empty', 'true' or 'false' after 'is'", ""},
      {"employer matches pwc", 17, "expected /regex/ after 'matches'", ""},
      {"employer matches /pwc", 17, "unterminated /regex/: the closing '/' is missing", ""},
      {"city = a b", 9, "unexpected 'b' after the predicate", ""},
      {"in segment", 10, "expected a segment id after 'in segment'", ""},
      {"city ! x", 5, "unknown operator '!'", "did you mean '!='?"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    PredicateAst ast;
    PredicateError err;
    REQUIRE_FALSE(ParsePredicate(c.text, &ast, &err));
    CHECK(err.message == c.message);
    CHECK(err.offset == c.offset);
    CHECK(err.hint == c.hint);
  }
}

TEST_CASE("type checks reject impossible comparisons") {
  Schema schema = testing::AffiliateSchema();
  struct Case {
    const char* text;
    int offset;
    const char* message;
  };
  const Case cases[] = {
      {"last_exam = 5", 12, "cannot compare date field 'last_exam' with the number 5"},
      {"last_exam < Monday", 12, "cannot compare date field 'last_exam' with the string \"Monday\""},
      {"exams_passed >= \"13\"", 16, "cannot compare int field 'exams_passed' with the string \"13\""},
      {"exams_passed = today", 15, "cannot compare int field 'exams_passed' with the date today"},
      {"city < 5", 7, "cannot compare string field 'city' with the number 5"},
      {"city > 2027-01-01", 7, "cannot compare string field 'city' with the date 2027-01-01"},
      {"ethics_done = 1", 14, "cannot compare bool field 'ethics_done' with the number 1"},
      {"ethics_done < true", 12, "cannot use '<' on bool field 'ethics_done'"},
      {"exams_passed contains \"1\"", 13, "cannot use 'contains' on int field 'exams_passed'"},
      {"status is true", 7, "cannot use 'is true' on string field 'status'"},
      {"per_months within last 3 days", 11, "cannot use 'within last' on int field 'per_months'"},
      {"city before today", 5, "cannot use 'before' on string field 'city'"},
      {"interests = Audit", 10, "cannot use '=' on list field 'interests'"},
      {"exams_passed in [1, two]", 20, "cannot compare int field 'exams_passed' with the string \"two\""},
      {"employer matches /(unclosed/", 18, "invalid regular expression: missing ): (unclosed"},
      {"stauts = x", 0, "unknown field 'stauts'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    PredicateAst ast;
    PredicateError err;
    CompiledPred pred;
    REQUIRE_MESSAGE(ParsePredicate(c.text, &ast, &err), err.message);
    REQUIRE_FALSE(CompilePredicate(ast, schema, &pred, &err));
    CHECK(err.message == c.message);
    CHECK(err.offset == c.offset);
  }
}

TEST_CASE("allowed mixes compile: numbers as text in string equality, decimals against ints") {
  Schema schema = testing::AffiliateSchema();
  for (const char* text : {"city = 200000", "exams_passed >= 12.5", "registered_at >= today",
                           "ethics_done != false", "last_exam in [2027-01-01, today]",
                           "interests contains Audit", "interests in [Audit, Tax]"}) {
    CAPTURE(text);
    PredicateAst ast;
    PredicateError err;
    CompiledPred pred;
    REQUIRE(ParsePredicate(text, &ast, &err));
    CHECK_MESSAGE(CompilePredicate(ast, schema, &pred, &err), err.message);
  }
}

}  // namespace segsync

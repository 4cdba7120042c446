#include "segment/compile.h"

#include <fmt/format.h>
#include <re2/re2.h>

namespace segsync {

namespace {

bool Fail(PredicateError* e, int offset, std::string message, std::string hint = {}) {
  *e = PredicateError{offset, std::move(message), std::move(hint)};
  return false;
}

bool IsDateType(FieldType t) { return t == FieldType::kDate || t == FieldType::kDateTime; }

std::string ShowLiteral(const Literal& lit) {
  return lit.kind == LiteralKind::kString ? fmt::format("\"{}\"", lit.text) : lit.text;
}

std::string CannotCompare(const FieldDef& f, const Literal& lit) {
  return fmt::format("cannot compare {} field '{}' with {}", FieldTypeName(f.type), f.name,
                     DescribeLiteral(lit));
}

std::string CannotUse(const FieldDef& f, Op op) {
  return fmt::format("cannot use '{}' on {} field '{}'", OpName(op), FieldTypeName(f.type), f.name);
}

bool IsBoolWord(const Literal& lit) {
  return (lit.kind == LiteralKind::kWord || lit.kind == LiteralKind::kString) &&
         (lit.text == "true" || lit.text == "false");
}

// Checks that `lit` can stand for a value of field `f` under operator `op` (a comparison or
// a list item) and stores it in `out`'s matching member.
bool CompileConstant(const FieldDef& f, Op op, const Literal& lit, bool list_item, CompiledPred* out,
                     PredicateError* e) {
  bool ordering = op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
  switch (f.type) {
    case FieldType::kString:
    case FieldType::kList:
      // Bare numbers and dates are fine as text for equality (a postcode, an ISO date in a
      // string column), but ordering a string against a number is a mistake.
      if (ordering && lit.kind != LiteralKind::kString && lit.kind != LiteralKind::kWord)
        return Fail(e, lit.offset, CannotCompare(f, lit));
      if (lit.kind == LiteralKind::kToday)
        return Fail(e, lit.offset, CannotCompare(f, lit));
      if (list_item) out->strs.push_back(lit.text);
      else out->str = lit.text;
      return true;
    case FieldType::kInt:
    case FieldType::kNumber:
      if (lit.kind != LiteralKind::kNumber) return Fail(e, lit.offset, CannotCompare(f, lit));
      if (list_item) {
        out->nums.push_back(lit.number);
      } else {
        out->number = lit.number;
        out->integer = lit.integer;
        out->num_is_int = lit.is_int && f.type == FieldType::kInt;
      }
      return true;
    case FieldType::kBool:
      if (ordering) return Fail(e, lit.offset, CannotUse(f, op));
      if (!IsBoolWord(lit)) return Fail(e, lit.offset, CannotCompare(f, lit));
      if (list_item) out->strs.push_back(lit.text);
      else out->boolean = lit.text == "true";
      return true;
    case FieldType::kDate:
    case FieldType::kDateTime: {
      if (lit.kind != LiteralKind::kDate && lit.kind != LiteralKind::kToday)
        return Fail(e, lit.offset, CannotCompare(f, lit));
      DateConst d{lit.kind == LiteralKind::kToday ? 0 : lit.date.days, lit.kind == LiteralKind::kToday};
      if (list_item) out->dates.push_back(d);
      else out->date = d;
      return true;
    }
  }
  return Fail(e, lit.offset, CannotCompare(f, lit));
}

}  // namespace

bool CompilePredicate(const PredicateAst& ast, const Schema& schema, CompiledPred* out,
                      PredicateError* e) {
  out->op = ast.op;
  out->days = ast.days;
  if (ast.op == Op::kInSegment || ast.op == Op::kNotInSegment) {
    out->segment_id = ast.segment;
    out->constant = ast.segment;
    return true;
  }
  out->field = schema.IndexOf(ast.field);
  if (out->field < 0)
    return Fail(e, ast.field_offset, fmt::format("unknown field '{}'", ast.field),
                DidYouMean(ast.field, schema.Names()));
  const FieldDef& f = schema.fields[out->field];
  out->type = f.type;
  switch (ast.op) {
    case Op::kEq: case Op::kNe: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe:
      if (f.type == FieldType::kList)
        return Fail(e, ast.op_offset, CannotUse(f, ast.op), "use 'contains' or 'in [...]' on a list");
      if (f.type == FieldType::kBool && ast.op != Op::kEq && ast.op != Op::kNe)
        return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      out->constant = ShowLiteral(ast.args[0]);
      return CompileConstant(f, ast.op, ast.args[0], false, out, e);
    case Op::kIn:
    case Op::kNotIn: {
      std::string shown;
      for (const auto& lit : ast.args) {
        if (!CompileConstant(f, Op::kEq, lit, true, out, e)) return false;
        shown += (shown.empty() ? "" : ", ") + ShowLiteral(lit);
      }
      out->constant = "[" + shown + "]";
      return true;
    }
    case Op::kContains: case Op::kStartsWith: case Op::kEndsWith:
      if (f.type != FieldType::kString && f.type != FieldType::kList)
        return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      out->str = ast.args[0].text;
      out->constant = ShowLiteral(ast.args[0]);
      return true;
    case Op::kMatches: {
      if (f.type != FieldType::kString && f.type != FieldType::kList)
        return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(8 << 20);
      auto re = std::make_shared<const RE2>(ast.regex, options);
      if (!re->ok())
        return Fail(e, ast.regex_offset, fmt::format("invalid regular expression: {}", re->error()));
      out->re = std::move(re);
      out->constant = "/" + ast.regex + "/";
      return true;
    }
    case Op::kIsEmpty:
    case Op::kIsNotEmpty:
      return true;
    case Op::kIsTrue:
    case Op::kIsFalse:
      if (f.type != FieldType::kBool) return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      return true;
    case Op::kWithinLast: case Op::kWithinNext: case Op::kMoreThanDaysAgo:
      if (!IsDateType(f.type)) return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      out->constant = fmt::format("{} days{}", ast.days, ast.op == Op::kMoreThanDaysAgo ? " ago" : "");
      return true;
    case Op::kBefore: case Op::kAfter: case Op::kBetween: {
      if (!IsDateType(f.type)) return Fail(e, ast.op_offset, CannotUse(f, ast.op));
      auto dc = [](const Literal& l) {
        return DateConst{l.kind == LiteralKind::kToday ? 0 : l.date.days, l.kind == LiteralKind::kToday};
      };
      out->date = dc(ast.args[0]);
      out->constant = ast.args[0].text;
      if (ast.op == Op::kBetween) {
        out->date2 = dc(ast.args[1]);
        out->constant += " and " + ast.args[1].text;
      }
      return true;
    }
    case Op::kInSegment:
    case Op::kNotInSegment:
      break;
  }
  return true;
}

}  // namespace segsync

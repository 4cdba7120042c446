// Fuzzes the predicate parser (spec §4 `when:` strings). Errors must point inside the text.
#include <cstdint>
#include <string_view>

#include "segment/predicate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace segsync;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  PredicateAst ast;
  PredicateError error;
  if (!ParsePredicate(text, &ast, &error)) {
    if (error.offset < 0 || static_cast<size_t>(error.offset) > text.size()) __builtin_trap();
    if (error.message.empty()) __builtin_trap();
    return 0;
  }
  for (const Literal& lit : ast.args) (void)DescribeLiteral(lit);
  return 0;
}

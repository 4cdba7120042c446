// Type-checks a parsed predicate against the mapping's schema and compiles it into the
// compact form the evaluator runs (rules.h CompiledPred).
//
// Errors (unknown field, impossible comparison, bad regex) carry a 0-based byte offset into
// the predicate text, like parse errors. Segment references are resolved later, once every
// rule file is loaded.
#pragma once

#include "mapper/profile.h"
#include "segment/predicate.h"
#include "segment/rules.h"

namespace segsync {

bool CompilePredicate(const PredicateAst& ast, const Schema& schema, CompiledPred* out,
                      PredicateError* error);

}  // namespace segsync

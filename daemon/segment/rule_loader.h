// Loads rules/*.yaml (spec §4) into a RuleSet, checked against the mapping's schema.
//
// Every problem goes to the DiagSink as FILE:LINE:COL (1-based; inside a predicate the
// column points at the offending word) and loading carries on, so `validate` shows them
// all. A RuleSet loaded with any error is not usable: the caller checks sink.ok().
#pragma once

#include <string>
#include <vector>

#include "base/diag.h"
#include "mapper/profile.h"
#include "segment/rules.h"

namespace segsync {

// The `rules:` setting: a directory gives its *.yaml and *.yml files sorted by name; a file
// gives itself. A missing path or an empty directory is an error in the sink.
std::vector<std::string> ExpandRulePath(const std::string& path, DiagSink& sink);

// Reads and loads the files, in order. Segment ids are unique across all files; `in segment`
// and campaign touches may name a segment of any file.
RuleSet LoadRules(const std::vector<std::string>& files, const Schema& schema, DiagSink& sink);

// One rule file already in memory (tests, stdin). `file` is the name used in diagnostics.
struct RuleSource {
  std::string file;
  std::string text;
};
RuleSet LoadRuleSources(const std::vector<RuleSource>& sources, const Schema& schema,
                        DiagSink& sink);

}  // namespace segsync

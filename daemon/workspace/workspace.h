// A workspace is everything the CRM team and the operator edit, loaded and checked together:
// segsync.yaml, the mapping it names, and the rule files. Commands and the daemon work on an
// immutable Workspace; a SIGHUP reload builds a new one and swaps it in only when it has no
// error (spec §4: a rule set with any error is never loaded).
#pragma once

#include <memory>
#include <string>

#include "base/diag.h"
#include "config/config.h"
#include "mapper/mapping.h"
#include "segment/rules.h"

namespace segsync {

struct Workspace {
  Config config;
  Mapping mapping;
  RuleSet rules;
};

// Loads the config at `config_path`, then its mapping and rules. Every problem in every file
// goes to `sink` (rules are still checked when the mapping has errors, against what could be
// read, so one `validate` shows as much as possible). Null when any file has an error.
std::shared_ptr<const Workspace> LoadWorkspace(const std::string& config_path, DiagSink& sink);

}  // namespace segsync

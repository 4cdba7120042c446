#include "workspace/workspace.h"

#include "segment/campaign_check.h"
#include "segment/rule_loader.h"

namespace segsync {

std::shared_ptr<const Workspace> LoadWorkspace(const std::string& config_path, DiagSink& sink) {
  std::optional<Config> config = LoadConfig(config_path, sink);
  if (!config) return nullptr;
  std::optional<Mapping> mapping = LoadMapping(config->mapping_path, sink);
  // Without a mapping the rules cannot be type-checked; stop here rather than bury the
  // mapping's errors under "unknown field" errors that are only its consequence.
  if (!mapping) return nullptr;
  std::vector<std::string> files = ExpandRulePath(config->rules_path, sink);
  RuleSet rules = LoadRules(files, mapping->schema, sink);
  CheckTouchQuota(rules, config->wecom.receive_quota_per_month, sink);
  if (!sink.ok()) return nullptr;
  auto ws = std::make_shared<Workspace>();
  ws->config = std::move(*config);
  ws->mapping = std::move(*mapping);
  ws->rules = std::move(rules);
  return ws;
}

}  // namespace segsync

// Internal to the rule loader (rule_loader.cc, rule_parts.cc, rule_check.cc): the state
// shared while one LoadRules call walks its files. Not part of the module's API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/diag.h"
#include "segment/rules.h"

namespace segsync::rules_internal {

// One rule file being read: its name and lines, for positions and caret lines.
struct FileCtx {
  std::string file;
  std::string text;
  std::vector<std::string> lines;
};

struct PendingCampaign {
  int file = -1;
  YAML::Node node;
};

class Loader {
 public:
  Loader(const Schema& schema, DiagSink& sink) : schema_(schema), sink_(sink) {
    rs_.schema = schema;
  }

  void LoadFile(std::string file, std::string text);
  // After every file: segment references, cycles, campaigns.
  RuleSet Finish();

  // --- helpers shared by the parts ---
  SourcePos Pos(const YAML::Node& n) const;
  // Position of byte `offset` inside scalar `n` (its quotes and block indentation skipped).
  SourcePos ScalarPos(const YAML::Node& n, int offset) const;
  void Error(const SourcePos& pos, std::string message, std::string hint = {});
  void Warning(const SourcePos& pos, std::string message, std::string hint = {});
  // Reports every key of map `n` not in `allowed`, with a did-you-mean hint.
  void CheckKeys(const YAML::Node& n, const std::vector<std::string>& allowed, std::string_view where);
  bool GetString(const YAML::Node& n, std::string_view key, std::string* out);
  bool GetInt(const YAML::Node& n, std::string_view key, int64_t lo, int64_t hi, int64_t* out);
  bool GetBool(const YAML::Node& n, std::string_view key, bool* out);
  bool GetDate(const YAML::Node& n, std::string_view key, Date* out);

 private:
  void ParseGroup(const YAML::Node& n);
  void ParseSegment(const YAML::Node& n, int group);
  void ParseTagFrom(const YAML::Node& n, Segment* seg);
  int ParseWhen(const YAML::Node& n, int depth);
  int ParsePredicateNode(const YAML::Node& n);
  void ParseExamples(const YAML::Node& n, Segment* seg);
  bool ParseExampleValue(const YAML::Node& key, const YAML::Node& value, Example* ex);
  void ParseGroupChat(const YAML::Node& n, Segment* seg);
  void ParseCampaign(const YAML::Node& n);
  void ResolveReferences();
  void CheckCycles();
  void CheckCampaignCoverage();

  const Schema& schema_;
  DiagSink& sink_;
  RuleSet rs_;
  std::vector<FileCtx> files_;
  int cur_ = -1;  // index of the file being parsed
  std::vector<PendingCampaign> campaigns_;
  std::vector<SourcePos> segment_pos_;  // first definition of each segment id
};

}  // namespace segsync::rules_internal

// Small helpers for reading user YAML files with positions (config, mapping).
//
// yaml-cpp marks are 0-based; every SourcePos made here is 1-based (spec §1). A YamlFile
// pushes each problem into the DiagSink it was given and carries on, so a loader can
// report every problem of a file at once. Getters return false (and leave *out alone)
// when the node has the wrong type, after reporting it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/diag.h"

namespace segsync {

// User YAML files are small: anything larger than this is refused, not parsed.
inline constexpr size_t kMaxYamlFileBytes = 4 << 20;

class YamlFile {
 public:
  YamlFile(std::string path, DiagSink& sink) : path_(std::move(path)), sink_(sink) {}

  // Reads and parses the file. On a missing file or a syntax error reports it (with the
  // position yaml-cpp gives) and returns false.
  bool Load();
  // Parses `text` as if it were the file's content (tests, and rule examples).
  bool LoadString(const std::string& text);

  const YAML::Node& root() const { return root_; }
  const std::string& path() const { return path_; }
  DiagSink& sink() { return sink_; }

  SourcePos Pos(const YAML::Node& node) const;
  void Error(const YAML::Node& node, std::string message, std::string hint = {});
  void Warning(const YAML::Node& node, std::string message, std::string hint = {});

  // True if `node` is a map; otherwise reports "`what` must be a map".
  bool ExpectMap(const YAML::Node& node, const std::string& what);
  // Reports each key of `map` that is not in `known` as an error with a did-you-mean hint.
  // `where` names the section ("wecom") for the message; empty at the top level.
  void CheckKeys(const YAML::Node& map, const std::vector<std::string>& known,
                 const std::string& where);

  // Typed scalars. `what` is the key's dotted name, used in messages.
  bool GetString(const YAML::Node& node, const std::string& what, std::string* out);
  bool GetInt(const YAML::Node& node, const std::string& what, int64_t min, int64_t max,
              int64_t* out);
  bool GetDouble(const YAML::Node& node, const std::string& what, double min, double max,
                 double* out);
  bool GetBool(const YAML::Node& node, const std::string& what, bool* out);
  // A sequence of scalars, or one scalar (taken as a list of one).
  bool GetStringList(const YAML::Node& node, const std::string& what,
                     std::vector<std::string>* out);

 private:
  std::string path_;
  DiagSink& sink_;
  YAML::Node root_;
};

// "a/b.yaml" + "c" -> "a/c"; absolute `p` and empty `p` are returned as they are.
std::string ResolvePath(const std::string& base_dir, const std::string& p);

// The directory part of `path` ("." when it has none).
std::string DirName(const std::string& path);

}  // namespace segsync

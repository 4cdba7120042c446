#include "config/yaml_util.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace segsync {

namespace {

const char* KindName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "empty";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "undefined";
  }
}

}  // namespace

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string ResolvePath(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p.front() == '/' || base_dir.empty() || base_dir == ".") return p;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

bool YamlFile::Load() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    sink_.Error({path_, 0, 0}, "cannot read file (does it exist?)");
    return false;
  }
  std::string text;
  text.resize(kMaxYamlFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxYamlFileBytes) {
    sink_.Error({path_, 0, 0}, fmt::format("file is larger than the {} MiB cap for YAML files",
                                           kMaxYamlFileBytes >> 20));
    return false;
  }
  return LoadString(text);
}

bool YamlFile::LoadString(const std::string& text) {
  try {
    root_ = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    sink_.Error({path_, e.mark.line + 1, e.mark.column + 1}, fmt::format("YAML syntax: {}", e.msg));
    return false;
  } catch (const YAML::Exception& e) {
    sink_.Error({path_, 0, 0}, fmt::format("YAML: {}", e.what()));
    return false;
  }
  return true;
}

SourcePos YamlFile::Pos(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.line < 0) return {path_, 0, 0};
  return {path_, m.line + 1, m.column + 1};
}

void YamlFile::Error(const YAML::Node& node, std::string message, std::string hint) {
  sink_.Error(Pos(node), std::move(message), std::move(hint));
}

void YamlFile::Warning(const YAML::Node& node, std::string message, std::string hint) {
  sink_.Warning(Pos(node), std::move(message), std::move(hint));
}

bool YamlFile::ExpectMap(const YAML::Node& node, const std::string& what) {
  if (node.IsMap()) return true;
  Error(node, fmt::format("'{}' must be a map, not {}", what, KindName(node)));
  return false;
}

void YamlFile::CheckKeys(const YAML::Node& map, const std::vector<std::string>& known,
                         const std::string& where) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    bool found = false;
    for (const auto& k : known) found = found || k == key;
    if (found) continue;
    std::string msg = where.empty() ? fmt::format("unknown key '{}'", key)
                                    : fmt::format("unknown key '{}' in '{}'", key, where);
    Error(it->first, msg, DidYouMean(key, known));
  }
}

bool YamlFile::GetString(const YAML::Node& node, const std::string& what, std::string* out) {
  if (!node.IsScalar()) {
    Error(node, fmt::format("'{}' must be a string, not {}", what, KindName(node)));
    return false;
  }
  *out = node.Scalar();
  return true;
}

bool YamlFile::GetInt(const YAML::Node& node, const std::string& what, int64_t min, int64_t max,
                      int64_t* out) {
  if (!node.IsScalar()) {
    Error(node, fmt::format("'{}' must be an integer, not {}", what, KindName(node)));
    return false;
  }
  const std::string& s = node.Scalar();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    Error(node, fmt::format("'{}' must be an integer, got '{}'", what, s));
    return false;
  }
  if (v < min || v > max) {
    Error(node, fmt::format("'{}' must be between {} and {}, got {}", what, min, max, v));
    return false;
  }
  *out = v;
  return true;
}

bool YamlFile::GetDouble(const YAML::Node& node, const std::string& what, double min, double max,
                         double* out) {
  if (!node.IsScalar()) {
    Error(node, fmt::format("'{}' must be a number, not {}", what, KindName(node)));
    return false;
  }
  const std::string& s = node.Scalar();
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    Error(node, fmt::format("'{}' must be a number, got '{}'", what, s));
    return false;
  }
  if (v < min || v > max) {
    Error(node, fmt::format("'{}' must be between {} and {}, got {}", what, min, max, s));
    return false;
  }
  *out = v;
  return true;
}

bool YamlFile::GetBool(const YAML::Node& node, const std::string& what, bool* out) {
  bool v = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v)) {
    Error(node, fmt::format("'{}' must be true or false", what));
    return false;
  }
  *out = v;
  return true;
}

bool YamlFile::GetStringList(const YAML::Node& node, const std::string& what,
                             std::vector<std::string>* out) {
  if (node.IsScalar()) {
    *out = {node.Scalar()};
    return true;
  }
  if (!node.IsSequence()) {
    Error(node, fmt::format("'{}' must be a list, not {}", what, KindName(node)));
    return false;
  }
  std::vector<std::string> items;
  bool ok = true;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      Error(item, fmt::format("items of '{}' must be strings, not {}", what, KindName(item)));
      ok = false;
      continue;
    }
    items.push_back(item.Scalar());
  }
  if (ok) *out = std::move(items);
  return ok;
}

}  // namespace segsync

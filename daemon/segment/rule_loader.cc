#include "segment/rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "segment/compile.h"
#include "segment/loader_internal.h"

namespace segsync {

namespace fs = std::filesystem;
using rules_internal::Loader;

int Utf8Length(std::string_view s) {
  int n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

int RuleSet::IndexOf(std::string_view id) const {
  for (size_t i = 0; i < segments.size(); ++i)
    if (segments[i].id == id) return static_cast<int>(i);
  return -1;
}

std::string RuleSet::GroupTag(int segment, std::string_view tag) const {
  return fmt::format("{}/{}", groups[segments[segment].group].name, tag);
}

std::vector<std::string> ExpandRulePath(const std::string& path, DiagSink& sink) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      auto ext = entry.path().extension();
      if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml"))
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) sink.Error({path, 0, 0}, "no *.yaml rule files in this directory");
    return files;
  }
  if (!fs::exists(path, ec)) {
    sink.Error({path, 0, 0}, "rules: no such file or directory");
    return files;
  }
  files.push_back(path);
  return files;
}

RuleSet LoadRuleSources(const std::vector<RuleSource>& sources, const Schema& schema,
                        DiagSink& sink) {
  Loader loader(schema, sink);
  for (const auto& src : sources) loader.LoadFile(src.file, src.text);
  return loader.Finish();
}

RuleSet LoadRules(const std::vector<std::string>& files, const Schema& schema, DiagSink& sink) {
  Loader loader(schema, sink);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      sink.Error({file, 0, 0}, "cannot read rule file");
      continue;
    }
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (!ec && size > kMaxRuleFileBytes) {
      sink.Error({file, 0, 0}, fmt::format("rule file too large ({} bytes, at most {})", size,
                                           kMaxRuleFileBytes));
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    loader.LoadFile(file, text.str());
  }
  return loader.Finish();
}

namespace rules_internal {

SourcePos Loader::Pos(const YAML::Node& n) const {
  YAML::Mark m = n.Mark();
  if (m.is_null()) return {files_[cur_].file, 0, 0};
  return {files_[cur_].file, m.line + 1, m.column + 1};
}

SourcePos Loader::ScalarPos(const YAML::Node& n, int offset) const {
  SourcePos pos = Pos(n);
  YAML::Mark m = n.Mark();
  const FileCtx& f = files_[cur_];
  if (m.is_null() || m.pos < 0 || static_cast<size_t>(m.pos) >= f.text.size()) return pos;
  char c = f.text[m.pos];
  if (c == '"' || c == '\'') {
    pos.col += 1 + offset;
    return pos;
  }
  if (c == '|' || c == '>') {
    // A block scalar: its text starts on the next line, indented. Walk its lines (a folded
    // scalar joins them with one space, a literal one with a newline: both one byte).
    int indent = -1;
    int remaining = offset;
    for (size_t line = m.line + 1; line < f.lines.size(); ++line) {
      const std::string& l = f.lines[line];
      size_t lead = l.find_first_not_of(' ');
      if (indent < 0) {
        if (lead == std::string::npos) continue;
        indent = static_cast<int>(lead);
      }
      int len = static_cast<int>(l.size()) - indent;
      if (len < 0) len = 0;
      if (remaining <= len) return {f.file, static_cast<int>(line) + 1, indent + remaining + 1};
      remaining -= len + 1;
    }
    return pos;
  }
  pos.col += offset;
  return pos;
}

void Loader::Error(const SourcePos& pos, std::string message, std::string hint) {
  std::string line;
  if (cur_ >= 0 && pos.file == files_[cur_].file && pos.line > 0 &&
      static_cast<size_t>(pos.line) <= files_[cur_].lines.size())
    line = files_[cur_].lines[pos.line - 1];
  else
    for (const auto& f : files_)
      if (f.file == pos.file && pos.line > 0 && static_cast<size_t>(pos.line) <= f.lines.size())
        line = f.lines[pos.line - 1];
  sink_.Add(Diagnostic{pos, Severity::kError, std::move(message), std::move(hint),
                       std::move(line)});
}

void Loader::Warning(const SourcePos& pos, std::string message, std::string hint) {
  std::string line;
  for (const auto& f : files_)
    if (f.file == pos.file && pos.line > 0 && static_cast<size_t>(pos.line) <= f.lines.size())
      line = f.lines[pos.line - 1];
  sink_.Add(Diagnostic{pos, Severity::kWarning, std::move(message), std::move(hint),
                       std::move(line)});
}

void Loader::CheckKeys(const YAML::Node& n, const std::vector<std::string>& allowed,
                       std::string_view where) {
  std::vector<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    YAML::Node key = it->first;  // a copy: the iterator's pair is a temporary
    std::string k = key.IsScalar() ? key.Scalar() : std::string("?");
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      Error(Pos(key), fmt::format("unknown key '{}' in {}", k, where), DidYouMean(k, allowed));
    else if (std::find(seen.begin(), seen.end(), k) != seen.end())
      // yaml-cpp keeps the first of two equal keys: the second would be silently ignored.
      Error(Pos(key), fmt::format("duplicate key '{}' in {}", k, where));
    seen.push_back(std::move(k));
  }
}

bool Loader::GetString(const YAML::Node& n, std::string_view key, std::string* out) {
  if (!n.IsScalar()) {
    Error(Pos(n), fmt::format("'{}' must be a string", key));
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool Loader::GetInt(const YAML::Node& n, std::string_view key, int64_t lo, int64_t hi, int64_t* out) {
  int64_t v = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v) || v < lo || v > hi) {
    Error(Pos(n), fmt::format("'{}' must be a whole number from {} to {}", key, lo, hi));
    return false;
  }
  *out = v;
  return true;
}

bool Loader::GetBool(const YAML::Node& n, std::string_view key, bool* out) {
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, *out)) {
    Error(Pos(n), fmt::format("'{}' must be true or false", key));
    return false;
  }
  return true;
}

bool Loader::GetDate(const YAML::Node& n, std::string_view key, Date* out) {
  auto d = n.IsScalar() ? ParseIsoDate(n.Scalar()) : std::nullopt;
  if (!d) {
    Error(Pos(n), fmt::format("'{}' must be a date YYYY-MM-DD", key));
    return false;
  }
  *out = *d;
  return true;
}

void Loader::LoadFile(std::string file, std::string text) {
  FileCtx ctx{std::move(file), std::move(text), {}};
  std::istringstream lines(ctx.text);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    ctx.lines.push_back(std::move(l));
  }
  files_.push_back(std::move(ctx));
  cur_ = static_cast<int>(files_.size()) - 1;
  rs_.files.push_back(files_[cur_].file);
  YAML::Node root;
  try {
    root = YAML::Load(files_[cur_].text);
  } catch (const YAML::ParserException& e) {
    Error({files_[cur_].file, e.mark.line + 1, e.mark.column + 1},
          fmt::format("invalid YAML: {}", e.msg));
    return;
  } catch (const YAML::Exception& e) {
    Error({files_[cur_].file, 0, 0}, fmt::format("invalid YAML: {}", e.what()));
    return;
  }
  if (root.IsNull()) return;  // an empty file is allowed (everything commented out)
  if (!root.IsMap()) {
    Error(Pos(root), "a rule file is a map with 'tag_groups:' and/or 'campaigns:'");
    return;
  }
  CheckKeys(root, {"tag_groups", "campaigns"}, "the rule file");
  if (auto groups = root["tag_groups"]) {
    if (!groups.IsSequence()) Error(Pos(groups), "'tag_groups' must be a list");
    else
      for (const auto& g : groups) ParseGroup(g);
  }
  if (auto campaigns = root["campaigns"]) {
    if (!campaigns.IsSequence()) Error(Pos(campaigns), "'campaigns' must be a list");
    else
      for (const auto& c : campaigns) campaigns_.push_back({cur_, c});
  }
}

void Loader::ParseGroup(const YAML::Node& n) {
  if (!n.IsMap()) {
    Error(Pos(n), "a tag group is a map with 'name:' and 'segments:'");
    return;
  }
  CheckKeys(n, {"name", "exclusive", "segments", "description"}, "tag group");
  TagGroup g;
  g.pos = Pos(n);
  if (!n["name"]) Error(Pos(n), "tag group without 'name:'");
  else if (GetString(n["name"], "name", &g.name)) {
    g.pos = Pos(n["name"]);
    int len = Utf8Length(g.name);
    if (g.name.empty()) Error(g.pos, "empty tag group name");
    else if (len > kMaxTagChars)
      Error(g.pos, fmt::format("tag group name '{}' is too long ({} characters, at most {})", g.name,
                               len, kMaxTagChars));
    for (const auto& other : rs_.groups)
      if (other.name == g.name)
        Error(g.pos, fmt::format("duplicate tag group '{}' (first defined at {}:{}:{})", g.name,
                                 other.pos.file, other.pos.line, other.pos.col));
  }
  if (n["exclusive"]) GetBool(n["exclusive"], "exclusive", &g.exclusive);
  int index = static_cast<int>(rs_.groups.size());
  rs_.groups.push_back(std::move(g));
  auto segs = n["segments"];
  if (!segs || !segs.IsSequence() || segs.size() == 0) {
    Error(segs ? Pos(segs) : Pos(n), "a tag group needs a non-empty 'segments:' list");
    return;
  }
  for (const auto& s : segs) ParseSegment(s, index);
}

}  // namespace rules_internal
}  // namespace segsync

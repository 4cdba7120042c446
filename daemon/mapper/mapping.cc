#include "mapper/mapping.h"

#include <fmt/format.h>

#include "config/yaml_util.h"

namespace segsync {

namespace {

const std::vector<std::string> kTypeNames = {"string", "int", "number", "bool",
                                             "date", "datetime", "list"};
// Names people write for a type, for the "did you mean" hint.
const std::pair<const char*, const char*> kTypeAliases[] = {
    {"integer", "int"},   {"long", "int"},        {"boolean", "bool"},   {"float", "number"},
    {"double", "number"}, {"decimal", "number"},  {"text", "string"},    {"str", "string"},
    {"timestamp", "datetime"}, {"time", "datetime"}, {"array", "list"}};

std::string TypeHint(const std::string& type) {
  std::vector<std::string> words = kTypeNames;
  for (const auto& [alias, name] : kTypeAliases) words.push_back(alias);
  std::string hint = DidYouMean(type, words);
  for (const auto& [alias, name] : kTypeAliases)
    if (type == alias || hint == fmt::format("did you mean '{}'?", alias))
      return fmt::format("did you mean '{}'?", name);
  return hint;
}

const std::vector<std::string> kIdentityNames = {"unionid", "state", "mobile"};

bool IsFieldName(const std::string& s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_'))
      return false;
  return true;
}

void ParseField(YamlFile& f, const YAML::Node& name_node, const YAML::Node& spec,
                Mapping& m) {
  FieldDef field;
  field.name = name_node.Scalar();
  field.pos = f.Pos(name_node);
  std::string what = "fields." + field.name;
  if (field.name == "id") {
    f.Error(name_node, "the field name 'id' is reserved for the key column",
            "the key column becomes field 'id' by itself; remove this field or rename it");
    return;
  }
  if (!IsFieldName(field.name)) {
    f.Error(name_node, fmt::format("field name '{}' must be lower case letters, digits and _, "
                                   "starting with a letter",
                                   field.name));
    return;
  }
  if (m.schema.IndexOf(field.name) >= 0) {
    f.Error(name_node, fmt::format("duplicate field '{}'", field.name));
    return;
  }
  if (spec.IsScalar()) {  // `status: Status` is short for {column: Status, type: string}
    field.column = spec.Scalar();
    m.schema.fields.push_back(std::move(field));
    return;
  }
  if (!f.ExpectMap(spec, what)) return;
  f.CheckKeys(spec, {"column", "type", "true", "false", "format", "separator"}, what);
  field.column = field.name;
  if (auto c = spec["column"]) f.GetString(c, what + ".column", &field.column);
  if (auto t = spec["type"]) {
    std::string type;
    if (f.GetString(t, what + ".type", &type)) {
      if (auto ft = ParseFieldType(type)) field.type = *ft;
      else
        f.Error(t, fmt::format("unknown type '{}' (string, int, number, bool, date, datetime or list)", type),
                TypeHint(type));
    }
  }
  auto only_for = [&](const char* key, bool allowed, const char* types) {
    if (spec[key] && !allowed)
      f.Error(spec[key], fmt::format("'{}' only applies to {} fields", key, types));
  };
  bool is_bool = field.type == FieldType::kBool;
  bool is_date = field.type == FieldType::kDate || field.type == FieldType::kDateTime;
  only_for("true", is_bool, "bool");
  only_for("false", is_bool, "bool");
  only_for("format", is_date, "date and datetime");
  only_for("separator", field.type == FieldType::kList, "list");
  if (auto v = spec["true"]; v && is_bool) f.GetStringList(v, what + ".true", &field.true_values);
  if (auto v = spec["false"]; v && is_bool) f.GetStringList(v, what + ".false", &field.false_values);
  for (const auto& t : field.true_values)
    for (const auto& fv : field.false_values)
      if (t == fv) f.Error(spec, fmt::format("'{}' is both a true and a false value of {}", t, field.name));
  if (auto v = spec["format"]; v && is_date) f.GetString(v, what + ".format", &field.format);
  if (auto v = spec["separator"]; v && field.type == FieldType::kList) {
    if (f.GetString(v, what + ".separator", &field.separator) && field.separator.empty())
      f.Error(v, "a list separator must not be empty");
  }
  m.schema.fields.push_back(std::move(field));
}

void ParseIdentity(YamlFile& f, const YAML::Node& list, Mapping& m) {
  if (!list.IsSequence()) {
    f.Error(list, "'identity' must be a list such as [{unionid: WeChatUnionId}, {mobile: Mobile}]");
    return;
  }
  for (const auto& item : list) {
    if (!item.IsMap() || item.size() != 1) {
      f.Error(item, "each identity entry is one of {unionid: COLUMN}, {state: COLUMN}, {mobile: COLUMN}");
      continue;
    }
    auto it = item.begin();
    std::string kind = it->first.Scalar();
    IdentityKey key;
    key.pos = f.Pos(it->first);
    if (kind == "unionid") key.kind = IdentityKind::kUnionId;
    else if (kind == "state") key.kind = IdentityKind::kState;
    else if (kind == "mobile") key.kind = IdentityKind::kMobile;
    else {
      f.Error(it->first, fmt::format("unknown identity '{}' (unionid, state or mobile)", kind),
              DidYouMean(kind, kIdentityNames));
      continue;
    }
    if (!f.GetString(it->second, "identity." + kind, &key.column)) continue;
    bool dup = false;
    for (const auto& k : m.identity) dup = dup || k.kind == key.kind;
    if (dup) {
      f.Error(it->first, fmt::format("identity '{}' is listed twice", kind));
      continue;
    }
    m.identity.push_back(std::move(key));
  }
}

std::optional<Mapping> ParseLoaded(YamlFile& f, int errors_before) {
  Mapping m;
  m.path = f.path();
  const YAML::Node& root = f.root();
  if (!root.IsMap()) {
    f.Error(root, "a mapping file is a map with 'key:', 'fields:' and 'identity:'");
    return std::nullopt;
  }
  f.CheckKeys(root, {"key", "fields", "identity"}, "");
  FieldDef id;
  id.name = "id";
  if (auto k = root["key"]) {
    if (f.GetString(k, "key", &m.key_column) && m.key_column.empty()) f.Error(k, "'key' must not be empty");
    m.key_pos = f.Pos(k);
    id.pos = m.key_pos;
  } else {
    f.Error(root, "missing required key 'key' (the CRM's primary key column)");
  }
  id.column = m.key_column;
  m.schema.fields.push_back(std::move(id));
  if (auto fields = root["fields"]) {
    if (f.ExpectMap(fields, "fields")) {
      for (auto it = fields.begin(); it != fields.end(); ++it) ParseField(f, it->first, it->second, m);
    }
  } else {
    f.Error(root, "missing required key 'fields'");
  }
  if (auto identity = root["identity"]) ParseIdentity(f, identity, m);
  if (m.identity.empty())
    f.sink().Warning(f.Pos(root), "no 'identity' columns: no profile can be matched to a WeCom customer");
  if (f.sink().error_count() > errors_before) return std::nullopt;
  return m;
}

}  // namespace

std::vector<std::string> Mapping::Columns() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    for (const auto& o : out)
      if (o == c) return;
    out.push_back(c);
  };
  for (const auto& f : schema.fields) add(f.column);
  for (const auto& k : identity) add(k.column);
  return out;
}

std::optional<Mapping> LoadMapping(const std::string& path, DiagSink& sink) {
  int before = sink.error_count();
  YamlFile f(path, sink);
  if (!f.Load()) return std::nullopt;
  return ParseLoaded(f, before);
}

std::optional<Mapping> ParseMapping(const std::string& path, const std::string& text,
                                    DiagSink& sink) {
  int before = sink.error_count();
  YamlFile f(path, sink);
  if (!f.LoadString(text)) return std::nullopt;
  return ParseLoaded(f, before);
}

const char* IdentityKindName(IdentityKind k) {
  switch (k) {
    case IdentityKind::kUnionId: return "unionid";
    case IdentityKind::kState: return "state";
    case IdentityKind::kMobile: return "mobile";
  }
  return "unionid";
}

}  // namespace segsync

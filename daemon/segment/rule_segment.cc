// The rule loader, part 2: one segment and its `when` tree.
#include <fmt/format.h>

#include "segment/compile.h"
#include "segment/loader_internal.h"

namespace segsync::rules_internal {

namespace {

bool ValidSegmentId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

void Loader::ParseSegment(const YAML::Node& n, int group) {
  if (!n.IsMap()) {
    Error(Pos(n), "a segment is a map with 'id:', 'tag:' and 'when:'");
    return;
  }
  if (rs_.segments.size() >= kMaxSegments) {
    Error(Pos(n), fmt::format("too many segments (at most {})", kMaxSegments));
    return;
  }
  CheckKeys(n,
            {"id", "tag", "when", "tag_from", "values", "max_tags", "examples", "group_chat",
             "description"},
            "segment");
  Segment seg;
  seg.group = group;
  seg.pos = Pos(n);
  if (!n["id"]) {
    Error(Pos(n), "segment without 'id:'");
  } else if (GetString(n["id"], "id", &seg.id)) {
    seg.pos = Pos(n["id"]);
    if (!ValidSegmentId(seg.id))
      Error(seg.pos, fmt::format("segment id '{}' may contain only letters, digits, '_', '-' and '.'",
                                 seg.id));
    int dup = rs_.IndexOf(seg.id);
    if (dup >= 0) {
      const SourcePos& first = rs_.segments[dup].pos;
      Error(seg.pos, fmt::format("duplicate segment id '{}' (first defined at {}:{}:{})", seg.id,
                                 first.file, first.line, first.col));
    }
  }
  const bool has_tag = static_cast<bool>(n["tag"]), has_from = static_cast<bool>(n["tag_from"]);
  if (has_tag && has_from) {
    Error(Pos(n["tag_from"]), "a segment has either 'tag:' or 'tag_from:', not both");
  } else if (!has_tag && !has_from) {
    Error(seg.pos, fmt::format("segment '{}' needs 'tag:' or 'tag_from:'", seg.id));
  }
  if (has_tag && GetString(n["tag"], "tag", &seg.tag)) {
    int len = Utf8Length(seg.tag);
    if (seg.tag.empty()) Error(Pos(n["tag"]), "empty tag");
    else if (len > kMaxTagChars)
      Error(Pos(n["tag"]), fmt::format("tag '{}' is too long ({} characters, at most {})", seg.tag,
                                       len, kMaxTagChars));
    for (int other : rs_.groups[group].segments)
      if (rs_.segments[other].tag == seg.tag)
        Error(Pos(n["tag"]), fmt::format("duplicate tag '{}' in group '{}' (also segment '{}')", seg.tag,
                                         rs_.groups[group].name, rs_.segments[other].id));
  }
  if (has_from) ParseTagFrom(n, &seg);
  else if (n["values"]) Error(Pos(n["values"]), "'values:' applies only to a 'tag_from:' segment");
  else if (n["max_tags"]) Error(Pos(n["max_tags"]), "'max_tags:' applies only to a 'tag_from:' segment");
  if (auto when = n["when"]) {
    seg.root = ParseWhen(when, 0);
  } else if (!has_from) {
    Error(seg.pos, fmt::format("segment '{}' needs 'when:'", seg.id));
  }
  if (auto chat = n["group_chat"]) ParseGroupChat(chat, &seg);
  if (auto ex = n["examples"]) ParseExamples(ex, &seg);
  rs_.groups[group].segments.push_back(static_cast<int>(rs_.segments.size()));
  rs_.segments.push_back(std::move(seg));
}

void Loader::ParseTagFrom(const YAML::Node& n, Segment* seg) {
  std::string field;
  auto from = n["tag_from"];
  if (!GetString(from, "tag_from", &field)) return;
  seg->tag_from = schema_.IndexOf(field);
  if (seg->tag_from < 0) {
    Error(Pos(from), fmt::format("unknown field '{}'", field), DidYouMean(field, schema_.Names()));
  } else {
    FieldType t = schema_.fields[seg->tag_from].type;
    if (t != FieldType::kString && t != FieldType::kList && t != FieldType::kInt)
      Error(Pos(from), fmt::format("tag_from needs a string, list or int field; '{}' is a {} field",
                                   field, FieldTypeName(t)));
  }
  auto values = n["values"];
  auto max_tags = n["max_tags"];
  if (!values && !max_tags) {
    Error(Pos(from), fmt::format("tag_from '{}' needs 'values:' (an allow-list) or 'max_tags:'", field));
    return;
  }
  if (values && max_tags) {
    Error(Pos(max_tags), "give either 'values:' or 'max_tags:', not both");
    return;
  }
  if (max_tags) {
    int64_t v = 0;
    if (GetInt(max_tags, "max_tags", 1, 1000, &v)) seg->max_tags = static_cast<int>(v);
    return;
  }
  if (!values.IsSequence() || values.size() == 0) {
    Error(Pos(values), "'values:' must be a non-empty list");
    return;
  }
  for (const auto& v : values) {
    std::string s;
    if (!GetString(v, "values", &s)) continue;
    int len = Utf8Length(s);
    if (s.empty()) Error(Pos(v), "empty value: a tag needs a name");
    else if (len > kMaxTagChars)
      Error(Pos(v), fmt::format("tag '{}' is too long ({} characters, at most {})", s, len, kMaxTagChars));
    else if (std::find(seg->values.begin(), seg->values.end(), s) != seg->values.end())
      Error(Pos(v), fmt::format("duplicate value '{}'", s));
    else
      seg->values.push_back(std::move(s));
  }
}

int Loader::ParseWhen(const YAML::Node& n, int depth) {
  if (depth > kMaxWhenDepth) {
    Error(Pos(n), fmt::format("'when' nested too deeply (at most {} levels)", kMaxWhenDepth));
    return -1;
  }
  if (n.IsScalar()) return ParsePredicateNode(n);
  if (!n.IsMap() || n.size() != 1) {
    Error(Pos(n), n.IsSequence()
                      ? "a list of conditions needs 'all:' or 'any:' before it"
                      : "a 'when' is a predicate string or a map with one key: all, any or not");
    return -1;
  }
  auto it = n.begin();
  std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
  CondNode node;
  node.pos = Pos(it->first);
  if (key == "all" || key == "any") {
    node.kind = key == "all" ? CondNode::Kind::kAll : CondNode::Kind::kAny;
    YAML::Node list = it->second;  // a copy: the iterator's pair is a temporary
    if (!list.IsSequence() || list.size() == 0) {
      Error(Pos(list), fmt::format("'{}:' needs a non-empty list of conditions", key));
      return -1;
    }
    bool ok = true;
    for (const auto& child : list) {
      int c = ParseWhen(child, depth + 1);
      ok = ok && c >= 0;
      node.children.push_back(c);
    }
    if (!ok) return -1;
  } else if (key == "not") {
    node.kind = CondNode::Kind::kNot;
    int c = ParseWhen(it->second, depth + 1);
    if (c < 0) return -1;
    node.children.push_back(c);
  } else {
    Error(node.pos, fmt::format("unknown key '{}' in when", key), DidYouMean(key, {"all", "any", "not"}));
    return -1;
  }
  rs_.nodes.push_back(std::move(node));
  return static_cast<int>(rs_.nodes.size()) - 1;
}

int Loader::ParsePredicateNode(const YAML::Node& n) {
  const std::string& text = n.Scalar();
  PredicateAst ast;
  PredicateError err;
  CompiledPred pred;
  if (!ParsePredicate(text, &ast, &err) || !CompilePredicate(ast, schema_, &pred, &err)) {
    Error(ScalarPos(n, err.offset), err.message, err.hint);
    return -1;
  }
  size_t b = text.find_first_not_of(" \t\r\n"), e = text.find_last_not_of(" \t\r\n");
  pred.text = b == std::string::npos ? text : text.substr(b, e - b + 1);
  pred.pos = ScalarPos(n, b == std::string::npos ? 0 : static_cast<int>(b));
  if (!ast.segment.empty()) pred.segment_pos = ScalarPos(n, ast.segment_offset);
  rs_.preds.push_back(std::move(pred));
  CondNode node;
  node.kind = CondNode::Kind::kPred;
  node.pred = static_cast<int>(rs_.preds.size()) - 1;
  node.pos = rs_.preds.back().pos;
  rs_.nodes.push_back(std::move(node));
  return static_cast<int>(rs_.nodes.size()) - 1;
}

}  // namespace segsync::rules_internal

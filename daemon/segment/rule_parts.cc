// The rule loader, part 3: examples, group chats and the campaign calendar.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "segment/loader_internal.h"

namespace segsync::rules_internal {

namespace {

// "today", "today+60", "today-30" (days): example dates that stay valid as time passes.
bool ParseRelativeDate(std::string_view s, int32_t* offset) {
  if (s.substr(0, 5) != "today") return false;
  s.remove_prefix(5);
  if (s.empty()) {
    *offset = 0;
    return true;
  }
  bool neg = s.front() == '-';
  if (!neg && s.front() != '+') return false;
  s.remove_prefix(1);
  int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > kMaxDays) return false;
  *offset = neg ? -v : v;
  return true;
}

}  // namespace

void Loader::ParseExamples(const YAML::Node& n, Segment* seg) {
  if (!n.IsSequence()) {
    Error(Pos(n), "'examples:' must be a list");
    return;
  }
  for (const auto& e : n) {
    if (!e.IsMap()) {
      Error(Pos(e), "an example is a map with 'expect:' and 'profile:'");
      continue;
    }
    CheckKeys(e, {"expect", "profile", "tag", "description"}, "example");
    Example ex;
    ex.pos = Pos(e);
    ex.profile.values.resize(schema_.fields.size());
    ex.profile.line = ex.pos.line;
    std::string expect;
    if (!e["expect"]) {
      Error(ex.pos, "example without 'expect: in' or 'expect: out'");
    } else if (GetString(e["expect"], "expect", &expect)) {
      if (expect != "in" && expect != "out")
        Error(Pos(e["expect"]), fmt::format("expect must be 'in' or 'out', not '{}'", expect));
      ex.expect_in = expect == "in";
    }
    if (e["tag"]) {
      GetString(e["tag"], "tag", &ex.tag);
      if (seg->tag_from < 0 && ex.tag != seg->tag)
        Error(Pos(e["tag"]), fmt::format("this segment's only tag is '{}'", seg->tag));
    }
    auto profile = e["profile"];
    if (!profile || !profile.IsMap()) {
      Error(profile ? Pos(profile) : ex.pos, "an example needs 'profile:', a map of field: value");
    } else {
      for (auto it = profile.begin(); it != profile.end(); ++it) ParseExampleValue(it->first, it->second, &ex);
    }
    seg->examples.push_back(std::move(ex));
  }
}

bool Loader::ParseExampleValue(const YAML::Node& key, const YAML::Node& value, Example* ex) {
  std::string name = key.IsScalar() ? key.Scalar() : "?";
  int index = schema_.IndexOf(name);
  if (index < 0) {
    Error(Pos(key), fmt::format("unknown field '{}' in example", name), DidYouMean(name, schema_.Names()));
    return false;
  }
  const FieldDef& f = schema_.fields[index];
  Value& out = ex->profile.values[index];
  if (value.IsNull()) return true;  // missing
  if (value.IsSequence()) {
    if (f.type != FieldType::kList) {
      Error(Pos(value), fmt::format("field '{}' is a {} field: give one value, not a list", name,
                                    FieldTypeName(f.type)));
      return false;
    }
    std::vector<std::string> items;
    for (const auto& item : value) {
      if (!item.IsScalar()) {
        Error(Pos(item), "a list item must be a string");
        return false;
      }
      items.push_back(item.Scalar());
    }
    out = std::move(items);
    return true;
  }
  if (!value.IsScalar()) {
    Error(Pos(value), fmt::format("field '{}' needs a value, not a map", name));
    return false;
  }
  const std::string& text = value.Scalar();
  if (index == 0) ex->profile.id = text;
  int32_t rel = 0;
  if ((f.type == FieldType::kDate || f.type == FieldType::kDateTime) && ParseRelativeDate(text, &rel)) {
    out = Value{};
    ex->relative_dates.push_back({index, rel});
    return true;
  }
  bool b = false;
  if (f.type == FieldType::kBool && YAML::convert<bool>::decode(value, b)) {
    // YAML's true/false, whatever the mapping's CRM spelling ("Y"/"N") is.
    out = b;
    return true;
  }
  std::string why;
  auto v = ParseCell(f, text, nullptr, &why);
  if (!v) {
    Error(Pos(value), fmt::format("example value '{}' for {} field '{}': {}", text,
                                  FieldTypeName(f.type), name, why));
    return false;
  }
  out = std::move(*v);
  return true;
}

namespace {
constexpr size_t kMaxLinkTitleBytes = 128;  // add_msg_template's link title (wecom-api.md §7.1)
}  // namespace

void Loader::ParseGroupChat(const YAML::Node& n, Segment* seg) {
  if (!n.IsMap()) {
    Error(Pos(n), "'group_chat:' must be a map with 'chat_ids:' and 'invitation:'");
    return;
  }
  CheckKeys(n, {"chat_ids", "invitation", "link_title", "reinvite_after_days"}, "group_chat");
  GroupChat gc;
  gc.pos = Pos(n);
  auto ids = n["chat_ids"];
  if (!ids || !ids.IsSequence() || ids.size() < 1 || ids.size() > kMaxChatIds) {
    Error(ids ? Pos(ids) : gc.pos, fmt::format("group_chat needs 1 to {} chat_ids, got {}", kMaxChatIds,
                                               ids && ids.IsSequence() ? ids.size() : 0));
  } else {
    for (const auto& id : ids) {
      std::string s;
      if (!GetString(id, "chat_ids", &s)) continue;
      if (s.empty() || s.size() > 128) Error(Pos(id), "a chat id is 1 to 128 characters");
      else if (std::find(gc.chat_ids.begin(), gc.chat_ids.end(), s) != gc.chat_ids.end())
        Error(Pos(id), fmt::format("chat id {} is listed twice", s));
      else gc.chat_ids.push_back(std::move(s));
    }
  }
  if (!n["invitation"]) {
    Error(gc.pos, "group_chat needs an 'invitation:' text");
  } else if (GetString(n["invitation"], "invitation", &gc.invitation)) {
    if (gc.invitation.empty()) Error(Pos(n["invitation"]), "empty invitation");
    if (gc.invitation.size() > kMaxInvitationBytes)
      Error(Pos(n["invitation"]), fmt::format("invitation is too long ({} bytes, at most {})",
                                              gc.invitation.size(), kMaxInvitationBytes));
  }
  // The invitation's link attachment: WeCom allows a title of at most 128 bytes (§7.1).
  if (n["link_title"] && GetString(n["link_title"], "link_title", &gc.link_title) &&
      gc.link_title.size() > kMaxLinkTitleBytes)
    Error(Pos(n["link_title"]), fmt::format("link_title is too long ({} bytes, at most {})",
                                            gc.link_title.size(), kMaxLinkTitleBytes));
  int64_t days = 30;
  if (n["reinvite_after_days"] && GetInt(n["reinvite_after_days"], "reinvite_after_days", 1, 3650, &days))
    gc.reinvite_after_days = static_cast<int>(days);
  seg->group_chat = std::move(gc);
}

void Loader::ParseCampaign(const YAML::Node& n) {
  if (!n.IsMap()) {
    Error(Pos(n), "a campaign is a map with 'name:', 'from:', 'to:' and 'touches:'");
    return;
  }
  CheckKeys(n, {"name", "from", "to", "touches", "description"}, "campaign");
  Campaign c;
  c.pos = Pos(n);
  bool dates_ok = true;
  if (!n["name"] || !GetString(n["name"], "name", &c.name) || c.name.empty())
    Error(c.pos, "campaign without a 'name:'");
  for (const auto& other : rs_.campaigns)
    if (!c.name.empty() && other.name == c.name)
      Error(Pos(n["name"]), fmt::format("duplicate campaign '{}'", c.name));
  if (!n["from"] || !n["to"]) {
    Error(c.pos, fmt::format("campaign '{}' needs 'from:' and 'to:' dates", c.name));
    dates_ok = false;
  } else {
    dates_ok = GetDate(n["from"], "from", &c.from) & GetDate(n["to"], "to", &c.to);
    if (dates_ok && c.to < c.from) {
      Error(Pos(n["to"]), fmt::format("campaign '{}' ends ({}) before it starts ({})", c.name,
                                      FormatDate(c.to), FormatDate(c.from)));
      dates_ok = false;
    }
  }
  auto touches = n["touches"];
  if (!touches || !touches.IsSequence() || touches.size() == 0) {
    Error(touches ? Pos(touches) : c.pos, "a campaign needs a non-empty 'touches:' list");
  } else {
    for (const auto& t : touches) {
      if (!t.IsMap()) {
        Error(Pos(t), "a touch is a map with 'date:', 'segments:' and 'message:'");
        continue;
      }
      CheckKeys(t, {"date", "segments", "message", "link"}, "touch");
      Touch touch;
      touch.pos = Pos(t);
      if (!t["date"]) Error(touch.pos, "touch without 'date:'");
      else if (GetDate(t["date"], "date", &touch.date) && dates_ok &&
               (touch.date < c.from || c.to < touch.date))
        Error(Pos(t["date"]), fmt::format("touch date {} is outside campaign '{}' ({} to {})",
                                          FormatDate(touch.date), c.name, FormatDate(c.from),
                                          FormatDate(c.to)));
      auto segs = t["segments"];
      if (!segs || !segs.IsSequence() || segs.size() == 0) {
        Error(segs ? Pos(segs) : touch.pos, "a touch needs a non-empty 'segments:' list");
      } else {
        std::vector<std::string> ids;
        for (const auto& s : rs_.segments) ids.push_back(s.id);
        for (const auto& s : segs) {
          std::string id;
          if (!GetString(s, "segments", &id)) continue;
          int index = rs_.IndexOf(id);
          if (index < 0) Error(Pos(s), fmt::format("unknown segment '{}'", id), DidYouMean(id, ids));
          else touch.segments.push_back(index);
        }
      }
      if (!t["message"] || !GetString(t["message"], "message", &touch.message) || touch.message.empty())
        Error(touch.pos, "a touch needs a 'message:'");
      else if (touch.message.size() > kMaxInvitationBytes)
        Error(Pos(t["message"]), fmt::format("message is too long ({} bytes, at most {})",
                                             touch.message.size(), kMaxInvitationBytes));
      if (auto link = t["link"]) {
        if (!link.IsMap()) {
          Error(Pos(link), "'link:' must be a map with 'title:' and 'url:'");
        } else {
          CheckKeys(link, {"title", "url"}, "link");
          if (link["title"]) GetString(link["title"], "title", &touch.link_title);
          if (!link["url"]) Error(Pos(link), "a link needs a 'url:'");
          else if (GetString(link["url"], "url", &touch.link_url) &&
                   touch.link_url.rfind("https://", 0) != 0 && touch.link_url.rfind("http://", 0) != 0)
            Error(Pos(link["url"]), fmt::format("link url '{}' must start with https://", touch.link_url));
        }
      }
      c.touches.push_back(std::move(touch));
    }
  }
  rs_.campaigns.push_back(std::move(c));
}

}  // namespace segsync::rules_internal

// Request bodies. Keys that WeCom treats as "given" are only sent when set (an empty
// group_id is an error there).
#include <boost/json/serialize.hpp>

#include "wecom/codec.h"

namespace segsync::wecom {

namespace json = boost::json;

namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

std::string UrlEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Serialize(const json::object& o) { return json::serialize(o); }

json::object EncodeAddCorpTag(const AddCorpTagRequest& r) {
  json::object o;
  if (!r.group_id.empty()) {
    o["group_id"] = r.group_id;
  } else {
    o["group_name"] = r.group_name;
    if (r.group_order) o["order"] = *r.group_order;
  }
  json::array tags;
  for (const auto& t : r.tags) {
    json::object to{{"name", t.name}};
    if (t.order) to["order"] = *t.order;
    tags.push_back(std::move(to));
  }
  o["tag"] = std::move(tags);
  return o;
}

json::object EncodeMarkTag(const MarkTagRequest& r) {
  json::object o{{"userid", r.userid}, {"external_userid", r.external_userid}};
  if (!r.add_tag.empty()) o["add_tag"] = ToArray(r.add_tag);
  if (!r.remove_tag.empty()) o["remove_tag"] = ToArray(r.remove_tag);
  return o;
}

json::object EncodeGroupChatList(const GroupChatListRequest& r) {
  return json::object{{"status_filter", r.status_filter},
                      {"owner_filter", json::object{{"userid_list", ToArray(r.owner_userids)}}},
                      {"cursor", r.cursor},
                      {"limit", r.limit}};
}

json::object EncodeJoinWay(const JoinWay& w, bool with_config_id) {
  json::object o;
  if (with_config_id) o["config_id"] = w.config_id;
  o["scene"] = w.scene;
  if (!w.remark.empty()) o["remark"] = w.remark;
  o["auto_create_room"] = w.auto_create_room;
  if (!w.room_base_name.empty()) o["room_base_name"] = w.room_base_name;
  if (w.room_base_id != 0) o["room_base_id"] = w.room_base_id;
  o["chat_id_list"] = ToArray(w.chat_id_list);
  if (!w.state.empty()) o["state"] = w.state;
  return o;
}

json::object EncodeContactWay(const ContactWay& w) {
  json::object o{{"type", w.type}, {"scene", w.scene}, {"skip_verify", w.skip_verify}};
  if (w.style != 0) o["style"] = w.style;
  if (!w.remark.empty()) o["remark"] = w.remark;
  if (!w.state.empty()) o["state"] = w.state;
  if (!w.user.empty()) o["user"] = ToArray(w.user);
  if (!w.party.empty()) {
    json::array parties;
    for (int p : w.party) parties.emplace_back(p);
    o["party"] = std::move(parties);
  }
  return o;
}

json::object EncodeMsgTemplate(const MsgTemplate& m) {
  json::object o{{"chat_type", m.chat_type}};
  if (!m.external_userid.empty()) o["external_userid"] = ToArray(m.external_userid);
  if (!m.chat_id_list.empty()) o["chat_id_list"] = ToArray(m.chat_id_list);
  if (!m.tag_filter.empty()) {
    json::array groups;
    for (const auto& g : m.tag_filter) groups.push_back(json::object{{"tag_list", ToArray(g)}});
    o["tag_filter"] = json::object{{"group_list", std::move(groups)}};
  }
  if (!m.sender.empty()) o["sender"] = m.sender;
  o["allow_select"] = m.allow_select;
  if (!m.text.empty()) o["text"] = json::object{{"content", m.text}};
  if (!m.links.empty()) {
    json::array attachments;
    for (const auto& l : m.links) {
      json::object link{{"title", l.title}, {"url", l.url}};
      if (!l.picurl.empty()) link["picurl"] = l.picurl;
      if (!l.desc.empty()) link["desc"] = l.desc;
      attachments.push_back(json::object{{"msgtype", "link"}, {"link", std::move(link)}});
    }
    o["attachments"] = std::move(attachments);
  }
  return o;
}

}  // namespace segsync::wecom

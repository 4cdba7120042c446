#include "api_error.h"

namespace segsync::fake {

std::string_view ErrorText(int errcode) {
  switch (errcode) {
    case kSystemBusy: return "system busy";
    case kInvalidSecret: return "invalid credential";
    case kInvalidUserid: return "invalid userid";
    case kInvalidCorpid: return "invalid corpid";
    case kInvalidToken: return "invalid access_token";
    case kInvalidChatId: return "invalid chatid";
    case kInvalidParameter: return "invalid Request Parameter";
    case kInvalidTagId: return "invalid tagid";
    case kTagNameExists: return "tag name already exists";
    case kInvalidTagName: return "invalid tag name";
    case kTagLimit: return "tag count exceed limit";
    case kInvalidExternalUserid: return "invalid external userid";
    case kMissingToken: return "access_token missing";
    case kMissingCorpid: return "corpid missing";
    case kMissingSecret: return "secret missing";
    case kTokenExpired: return "access_token expired";
    case kFreqLimit: return "api freq out of limit";
    case kConcurrencyLimit: return "api concurrent out of limit";
    case kBadJson: return "data format error";
    case kNoSuchUser: return "userid not found";
    case kOwnerFilterRequired: return "owner_filter required: too many members in visible range";
    case kNotExternalContact: return "not external contact";
    case kNoPermission: return "no privilege to access/modify this tag";
    case 48002: return "api forbidden";
    case 60020: return "not allow to access from your ip";
    default: return "error";
  }
}

std::string ErrorMessage(int errcode, std::string_view detail, std::string_view hint) {
  std::string m(ErrorText(errcode));
  if (!detail.empty()) {
    m += ": ";
    m += detail;
  }
  m += ", hint: [";
  m += hint;
  m += "], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=";
  m += std::to_string(errcode);
  return m;
}

namespace {
[[noreturn]] void BadType(std::string_view key, std::string_view want) {
  throw ApiError{kInvalidParameter, "field `" + std::string(key) + "` must be " + std::string(want)};
}
}  // namespace

bool Has(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && !it->value().is_null();
}

std::string GetString(const json::object& o, std::string_view key, std::string fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  if (!it->value().is_string()) BadType(key, "a string");
  return std::string(it->value().get_string());
}

std::int64_t GetInt(const json::object& o, std::string_view key, std::int64_t fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<std::int64_t>(v.get_double());
  if (v.is_string()) {  // WeCom is lenient with numbers sent as strings
    try {
      return std::stoll(std::string(v.get_string()));
    } catch (...) {
    }
  }
  BadType(key, "an integer");
}

bool GetBool(const json::object& o, std::string_view key, bool fallback) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return fallback;
  if (it->value().is_bool()) return it->value().get_bool();
  if (it->value().is_int64()) return it->value().get_int64() != 0;
  BadType(key, "a boolean");
}

std::vector<std::string> GetStringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) BadType(key, "an array of strings");
  for (const auto& v : it->value().get_array()) {
    if (!v.is_string()) BadType(key, "an array of strings");
    out.emplace_back(v.get_string());
  }
  return out;
}

const json::object* GetObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  if (!it->value().is_object()) BadType(key, "an object");
  return &it->value().get_object();
}

const json::array* GetArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  if (!it->value().is_array()) BadType(key, "an array");
  return &it->value().get_array();
}

std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

json::array ToJsonArray(const std::vector<std::string>& v, json::storage_ptr sp) {
  json::array a(std::move(sp));
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace segsync::fake

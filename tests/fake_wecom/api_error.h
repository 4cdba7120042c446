// The WeCom error envelope and the helpers every handler uses to read a JSON body.
//
// Handlers signal a business error by throwing ApiError{errcode}; the App turns it into
// HTTP 200 + {"errcode":N,"errmsg":"<text>, hint: [...], from ip: 127.0.0.1, more info at ..."}
// (wecom-api.md §1). Reading a field of the wrong type is a parameter error (40058).
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace segsync::fake {

namespace json = boost::json;

// Error codes the fake server answers with (wecom-api.md §8).
inline constexpr int kSystemBusy = -1;
inline constexpr int kInvalidSecret = 40001;
inline constexpr int kInvalidUserid = 40003;
inline constexpr int kInvalidCorpid = 40013;
inline constexpr int kInvalidToken = 40014;
inline constexpr int kInvalidChatId = 40050;
inline constexpr int kInvalidParameter = 40058;
inline constexpr int kInvalidTagId = 40068;
inline constexpr int kTagNameExists = 40071;
inline constexpr int kInvalidTagName = 40072;
inline constexpr int kInvalidExternalUserid = 40096;
inline constexpr int kMissingToken = 41001;
inline constexpr int kMissingCorpid = 41002;
inline constexpr int kMissingSecret = 41004;
inline constexpr int kTokenExpired = 42001;
inline constexpr int kFreqLimit = 45009;
inline constexpr int kConcurrencyLimit = 45033;
inline constexpr int kBadJson = 47001;
inline constexpr int kNoSuchUser = 60111;
inline constexpr int kOwnerFilterRequired = 81017;
inline constexpr int kNotExternalContact = 84061;
inline constexpr int kTagLimit = 40074;  // our choice: more than 3000 corp tags
inline constexpr int kNoPermission = 301002;

struct ApiError {
  int errcode;
  std::string detail;  // appended to the short English text, e.g. the offending field
};

// The short English text WeCom uses for a code ("invalid access_token", ...).
std::string_view ErrorText(int errcode);

// The full errmsg: "<text>[: detail], hint: [<hint>], from ip: 127.0.0.1, more info at ...".
std::string ErrorMessage(int errcode, std::string_view detail, std::string_view hint);

// Typed field access on a request body. Absent fields give the fallback; a field of the
// wrong type throws ApiError{40058}.
std::string GetString(const json::object& o, std::string_view key, std::string fallback = {});
bool Has(const json::object& o, std::string_view key);
std::int64_t GetInt(const json::object& o, std::string_view key, std::int64_t fallback);
bool GetBool(const json::object& o, std::string_view key, bool fallback);
std::vector<std::string> GetStringList(const json::object& o, std::string_view key);
const json::object* GetObject(const json::object& o, std::string_view key);
const json::array* GetArray(const json::object& o, std::string_view key);

// Number of Unicode code points in a UTF-8 string (names are limited in characters).
std::size_t Utf8Length(std::string_view s);

json::array ToJsonArray(const std::vector<std::string>& v, json::storage_ptr sp = {});

}  // namespace segsync::fake

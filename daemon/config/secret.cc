// Where the WeCom secret and other credentials come from. Nothing here logs, and no
// message contains a credential: messages name the file or the variable only.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "config/config.h"

namespace segsync {

namespace {

constexpr size_t kMaxCredentialBytes = 64 * 1024;

std::string TrimSpace(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::string> ReadCredentialFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Error{ErrorCode::kFatal, fmt::format("cannot read credential file {}: no such file", path)};
  if (!S_ISREG(st.st_mode))
    return Error{ErrorCode::kFatal, fmt::format("credential file {} is not a regular file", path)};
  if (st.st_mode & (S_IRGRP | S_IROTH))
    return Error{ErrorCode::kFatal,
                 fmt::format("refusing credential file {}: it is readable by group or others; "
                             "run: chmod 600 {}",
                             path, path)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kFatal, fmt::format("cannot open credential file {}", path)};
  std::string text(kMaxCredentialBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxCredentialBytes)
    return Error{ErrorCode::kFatal, fmt::format("credential file {} is larger than 64 KiB", path)};
  text = TrimSpace(std::move(text));
  if (text.empty()) return Error{ErrorCode::kFatal, fmt::format("credential file {} is empty", path)};
  return text;
}

Result<std::string> ReadSecret(const Config& config) {
  if (!config.wecom.secret_file.empty()) return ReadCredentialFile(config.wecom.secret_file);
  if (const char* env = std::getenv("SEGSYNC_WECOM_SECRET"); env && *env) {
    std::string s = TrimSpace(env);
    if (!s.empty()) return s;
  }
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
    std::string path = std::string(dir) + "/wecom-secret";
    if (Exists(path)) return ReadCredentialFile(path);
  }
  return Error{ErrorCode::kFatal,
               "no WeCom secret: set wecom.secret_file (a file with mode 600), env "
               "SEGSYNC_WECOM_SECRET, or a systemd credential named wecom-secret"};
}

Result<std::string> ReadExportToken(const CrmConfig& crm) {
  if (!crm.token_file.empty()) return ReadCredentialFile(crm.token_file);
  if (crm.token_env.empty()) return std::string();
  const char* env = std::getenv(crm.token_env.c_str());
  std::string token = env ? TrimSpace(env) : std::string();
  if (token.empty())
    return Error{ErrorCode::kFatal,
                 fmt::format("crm.token_env names {}, but that variable is not set", crm.token_env)};
  return token;
}

std::string FindConfigPath(const std::string& explicit_path,
                           const std::vector<std::string>& candidates) {
  if (!explicit_path.empty()) return explicit_path;
  for (const auto& c : candidates)
    if (Exists(c)) return c;
  return candidates.empty() ? std::string() : candidates.front();
}

std::string FindConfigPath(const std::string& explicit_path) {
  return FindConfigPath(explicit_path, {"segsync.yaml", "/etc/segsync/segsync.yaml"});
}

}  // namespace segsync

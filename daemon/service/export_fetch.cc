#include "service/export_fetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "net/http_client.h"

namespace segsync {

bool IsExportUrl(const std::string& spec) { return spec.rfind("https://", 0) == 0 || spec.rfind("http://", 0) == 0; }

Result<std::string> LocalExportPath(const Config& config, const std::string& override_spec, Logger& log) {
  const std::string& spec = override_spec.empty() ? config.crm.export_source : override_spec;
  if (!IsExportUrl(spec)) return spec;
  if (spec.rfind("http://", 0) == 0) {
    return Error{ErrorCode::kInvalidInput,
                 "crm.export is a plain http:// URL: the export holds personal data, use https://"};
  }
  std::string token;
  if (!config.crm.token_file.empty() || !config.crm.token_env.empty()) {
    Result<std::string> t = ReadExportToken(config.crm);
    if (!t) return t.error();
    token = *t;
    log.Redact(token);
  }
  // Keep the URL path's extension so that the format is detected as for a file.
  std::string path_part = spec.substr(0, spec.find_first_of("?#"));
  std::string ext = std::filesystem::path(path_part).extension().string();
  if (ext != ".jsonl" && ext != ".ndjson") ext = ".csv";
  std::filesystem::path dir = std::filesystem::path(config.ledger_path).parent_path();
  if (dir.empty()) dir = ".";
  std::string target = (dir / ("export-download" + ext)).string();
  // The client downloads into TARGET.part and renames it when complete. Creating that file
  // 0600 first keeps it private from the first byte (the client reopens it, keeping the mode):
  // the export names people.
  std::string partial = target + ".part";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return Error{ErrorCode::kIo, fmt::format("cannot create {} to download the export: {}", partial,
                                             std::strerror(errno))};
  }
  ::close(fd);
  net::FetchOptions fo;
  fo.bearer_token = token;
  fo.ca_file = config.wecom.ca_file;
  // Only a complete download replaces the previous one.
  Result<std::uint64_t> bytes = net::FetchToFile(spec, target, fo);
  if (!bytes) {
    ::unlink(partial.c_str());
    return bytes.error();
  }
  log.Info("downloaded the export", {{"bytes", std::to_string(*bytes)}, {"file", target}});
  return target;
}

}  // namespace segsync

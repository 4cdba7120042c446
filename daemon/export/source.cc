#include "export/source.h"

#include <glob.h>
#include <sys/stat.h>

#include <fmt/format.h>

namespace segsync {

Result<ExportSource> ResolveExportSource(const std::string& spec) {
  if (spec.rfind("https://", 0) == 0)
    return Error{ErrorCode::kInvalidInput,
                 "https exports need the net module: fetch the URL to a file first (net::FetchExport)"};
  if (spec.find_first_of("*?[") == std::string::npos) {
    struct stat st;
    if (::stat(spec.c_str(), &st) != 0)
      return Error{ErrorCode::kIo, fmt::format("export {} does not exist", spec)};
    if (!S_ISREG(st.st_mode))
      return Error{ErrorCode::kIo, fmt::format("export {} is not a regular file", spec)};
    return ExportSource{spec, static_cast<int64_t>(st.st_mtim.tv_sec), false};
  }
  glob_t g{};
  int rc = ::glob(spec.c_str(), 0, nullptr, &g);
  ExportSource best;
  struct timespec best_time {};
  bool found = false;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {  // glob sorts names: a later one wins a tie
      struct stat st;
      if (::stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
      bool newer = st.st_mtim.tv_sec > best_time.tv_sec ||
                   (st.st_mtim.tv_sec == best_time.tv_sec && st.st_mtim.tv_nsec >= best_time.tv_nsec);
      if (!found || newer) {
        best = ExportSource{g.gl_pathv[i], static_cast<int64_t>(st.st_mtim.tv_sec), false};
        best_time = st.st_mtim;
        found = true;
      }
    }
  }
  ::globfree(&g);
  if (!found) return Error{ErrorCode::kIo, fmt::format("no file matches the export pattern {}", spec)};
  return best;
}

}  // namespace segsync

// Which file is "the export": crm.export (or --export) may be a path, a glob whose newest
// match wins, or an https:// URL.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace segsync {

struct ExportSource {
  std::string path;       // the local file to read
  int64_t mtime = 0;      // its modification time, Unix seconds
  bool from_url = false;  // fetched from an https:// URL into `path`
};

// Resolves `spec`. A glob (containing * ? or [) picks the matching regular file with the
// newest mtime (ties: the lexically last name). An https:// URL needs the net module, which
// fetches it into a file first; here it is an Error (kInvalidInput) saying so.
Result<ExportSource> ResolveExportSource(const std::string& spec);

}  // namespace segsync

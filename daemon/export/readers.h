// Internal to daemon/export: the concrete readers behind ExportReader::Open.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "export/stream_reader.h"

namespace segsync {

std::unique_ptr<ExportReader> OpenCsvReader(const std::string& path, const ReaderOptions& options,
                                            DiagSink& sink);
std::unique_ptr<ExportReader> OpenJsonlReader(const std::string& path,
                                              const ReaderOptions& options, DiagSink& sink);

// Fatal header problems: no columns, too many, an empty or duplicate column name.
bool CheckHeader(const std::vector<std::string>& header, const std::string& name,
                 const ReaderOptions& options, DiagSink& sink);

}  // namespace segsync

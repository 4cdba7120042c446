// crm.export may be an https:// URL (spec §2): the export is downloaded into a private file
// (mode 0600) beside the ledger, then read like any local file. TLS is verified against the
// system CA store, or wecom.ca_file for a private CA; the bearer token comes from
// crm.token_file or crm.token_env.
#pragma once

#include <string>

#include "base/error.h"
#include "base/log.h"
#include "config/config.h"

namespace segsync {

bool IsExportUrl(const std::string& spec);

// The export to read: `override_spec` (--export) or crm.export. A URL is fetched first and the
// downloaded file's path returned; a file or glob is returned unchanged.
Result<std::string> LocalExportPath(const Config& config, const std::string& override_spec,
                                    Logger& log);

}  // namespace segsync

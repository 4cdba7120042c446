// The WeCom client's options from the main config (spec §2 `wecom:`), one place for every
// kind of run (scheduled, one-customer callback) so that all call WeCom with the same limits.
#pragma once

#include <string>

#include "config/config.h"
#include "wecom/wecom_client.h"

namespace segsync {

wecom::Options WecomOptionsFor(const Config& config, std::string secret);

}  // namespace segsync

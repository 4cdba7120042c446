#include "service/wecom_options.h"

#include <chrono>
#include <utility>

namespace segsync {

wecom::Options WecomOptionsFor(const Config& c, std::string secret) {
  wecom::Options o;
  o.base_url = c.wecom.base_url;
  o.corpid = c.wecom.corpid;
  o.secret = std::move(secret);
  o.ca_file = c.wecom.ca_file;
  o.max_in_flight = c.wecom.max_in_flight;
  o.default_rate_per_minute = c.wecom.rate.per_minute;
  o.rate_per_minute = c.wecom.rate.endpoints;
  o.timeout = std::chrono::milliseconds(c.wecom.timeout_ms);
  o.block_seconds = std::chrono::seconds(c.wecom.block_seconds);
  return o;
}

}  // namespace segsync

// The command line of fake-wecom (see README.md in this folder):
//   fake-wecom [--port 0] [--corpid ID] [--secret S] [--token-ttl SECONDS] [--state FILE.json]
//              [--generate customers=N,members=M,seed=S] [--large-corp]
//              [--tls-cert FILE --tls-key FILE] [--threads N] [--dump-state-on-exit FILE]
//              [--max-tags N] [--verbose]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace segsync::fake {

struct GenerateSpec {
  int customers = 0;
  int members = 1;
  std::uint64_t seed = 1;
};

struct Flags {
  int port = 0;
  std::string corpid = "wwfakecorp0000001";
  std::string secret = "fake-secret-do-not-use";
  std::int64_t token_ttl = 7200;
  std::string state_file;
  std::optional<GenerateSpec> generate;
  bool large_corp = false;
  std::string tls_cert;
  std::string tls_key;
  int threads = 2;
  std::string dump_state_file;
  int max_tags = 3000;
  bool verbose = false;
};

// Parses argv[1..]; an Error (kInvalidInput) names the bad flag.
Result<Flags> ParseFlags(const std::vector<std::string>& args);
Result<GenerateSpec> ParseGenerateSpec(const std::string& text);

}  // namespace segsync::fake

#include "flags.h"

#include <charconv>

namespace segsync::fake {

namespace {

Error Bad(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

bool ParseInt(const std::string& s, std::int64_t lo, std::int64_t hi, std::int64_t* out) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

Result<GenerateSpec> ParseGenerateSpec(const std::string& text) {
  GenerateSpec spec;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = item.find('=');
    if (eq == std::string::npos) return Bad("--generate: expected key=value, got '" + item + "'");
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    std::int64_t v = 0;
    if (key == "customers" && ParseInt(value, 0, 10'000'000, &v)) spec.customers = static_cast<int>(v);
    else if (key == "members" && ParseInt(value, 1, 100'000, &v)) spec.members = static_cast<int>(v);
    else if (key == "seed" && ParseInt(value, 0, INT64_MAX, &v)) spec.seed = static_cast<std::uint64_t>(v);
    else return Bad("--generate: bad item '" + item + "' (customers=0..10000000, members=1..100000, seed=N)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return spec;
}

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags f;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) -> bool {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    std::int64_t n = 0;
    if (a == "--large-corp") { f.large_corp = true; continue; }
    if (a == "--verbose") { f.verbose = true; continue; }
    if (a == "--help" || a == "-h") return Bad("usage");
    if (!value(&v)) return Bad(a.starts_with("--") ? a + " needs a value" : "unexpected argument '" + a + "'");
    if (a == "--port") {
      if (!ParseInt(v, 0, 65535, &n)) return Bad("--port must be 0..65535");
      f.port = static_cast<int>(n);
    } else if (a == "--corpid") {
      f.corpid = v;
    } else if (a == "--secret") {
      f.secret = v;
    } else if (a == "--token-ttl") {
      if (!ParseInt(v, 1, 365LL * 86400, &n)) return Bad("--token-ttl must be 1..31536000 seconds");
      f.token_ttl = n;
    } else if (a == "--state") {
      f.state_file = v;
    } else if (a == "--generate") {
      auto spec = ParseGenerateSpec(v);
      if (!spec) return spec.error();
      f.generate = *spec;
    } else if (a == "--tls-cert") {
      f.tls_cert = v;
    } else if (a == "--tls-key") {
      f.tls_key = v;
    } else if (a == "--threads") {
      if (!ParseInt(v, 1, 64, &n)) return Bad("--threads must be 1..64");
      f.threads = static_cast<int>(n);
    } else if (a == "--dump-state-on-exit") {
      f.dump_state_file = v;
    } else if (a == "--max-tags") {
      if (!ParseInt(v, 1, 1'000'000, &n)) return Bad("--max-tags must be 1..1000000");
      f.max_tags = static_cast<int>(n);
    } else {
      return Bad("unknown flag '" + a + "'");
    }
  }
  if (f.tls_cert.empty() != f.tls_key.empty()) return Bad("--tls-cert and --tls-key go together");
  return f;
}

}  // namespace segsync::fake

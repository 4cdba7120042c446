// fake-wecom: a faithful fake of the WeCom customer-contact API for tests and benchmarks.
// See README.md in this folder for the flags, endpoints and admin API.
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "app.h"
#include "base/log.h"
#include "flags.h"
#include "generator.h"
#include "server.h"

namespace segsync::fake {
namespace {

constexpr const char* kUsage =
    "usage: fake-wecom [--port 0] [--corpid ID] [--secret S] [--token-ttl SECONDS] [--state FILE.json]\n"
    "                  [--generate customers=N,members=M,seed=S] [--large-corp]\n"
    "                  [--tls-cert FILE --tls-key FILE] [--threads N] [--dump-state-on-exit FILE]\n"
    "                  [--max-tags N] [--verbose]\n";

bool LoadStateFile(const std::string& path, World& world, Logger& log) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    log.Error("cannot read the state file", {{"file", path}});
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object()) {
    log.Error("the state file is not a JSON object", {{"file", path}, {"error", ec.message()}});
    return false;
  }
  try {
    world.LoadState(v.get_object());
  } catch (const std::exception& e) {
    log.Error("bad state file", {{"file", path}, {"error", e.what()}});
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Logger log(stderr);
  auto flags = ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags) {
    if (flags.error().message != "usage") std::fprintf(stderr, "fake-wecom: %s\n", flags.error().message.c_str());
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!flags->verbose) log.set_min_level(LogLevel::kNotice);
  log.Redact(flags->secret);
  AppConfig config;
  config.corpid = flags->corpid;
  config.secret = flags->secret;
  config.token_ttl = flags->token_ttl;
  config.world.id_seed = std::random_device{}();
  config.world.max_tags = flags->max_tags;
  config.world.large_corp = flags->large_corp;
  App app(config, log);
  if (!flags->state_file.empty() && !LoadStateFile(flags->state_file, app.world(), log)) return 1;
  if (flags->generate) Generate(app.world(), *flags->generate);

  int rc = Serve({flags->port, flags->threads, flags->tls_cert, flags->tls_key}, app, log);
  if (rc == 0 && !flags->dump_state_file.empty()) {
    std::ofstream out(flags->dump_state_file, std::ios::binary | std::ios::trunc);
    out << boost::json::serialize(app.StateSnapshot()) << "\n";
    if (!out) {
      log.Error("cannot write the state dump", {{"file", flags->dump_state_file}});
      return 1;
    }
  }
  return rc;
}

}  // namespace
}  // namespace segsync::fake

int main(int argc, char** argv) { return segsync::fake::Main(argc, argv); }

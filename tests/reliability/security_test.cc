// Security (issue 8): the WeCom secret leaks nowhere (logs, outputs, the ledger, any file a
// full run leaves), secret_file is refused when group- or world-readable, every file segsync
// creates is 0600 and the user's files (config, rules, mapping, export) are only read, TLS
// verification has no off switch, and the daemon's metrics server (loopback by default, GET
// only, header/body/connection limits) survives a slow-loris crowd.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "campaign.h"
#include "config/config.h"
#include "sync/fixture.h"

namespace segsync::reliability {
namespace {

namespace fs = std::filesystem;
using e2e::Fake;
using segsync::testing::ChildProcess;
using segsync::testing::ReadFile;
using segsync::testing::WriteFile;

constexpr const char* kSecret = "Zq9-segsync-SECRET-7f3Kx";

// All files under `dir`, recursively.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path().string());
  return out;
}

// The port of the daemon's "metrics server listening ... port=N" log line; 0 if none yet.
int MetricsPort(const ChildProcess& daemon, int timeout_ms) {
  int port = 0;
  WaitFor(
      [&] {
        std::smatch m;
        std::string log = ReadFile(daemon.stderr_path());
        static const std::regex re("metrics server listening[^\\n]*port=([0-9]+)");
        if (std::regex_search(log, m, re)) port = std::stoi(m[1].str());
        return port > 0;
      },
      timeout_ms);
  return port;
}

// A raw TCP client for what an HTTP library would not send.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{0, 100 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Raw() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Reads until the server closes (or timeout_ms); returns what arrived and whether it closed.
  std::pair<std::string, bool> ReadUntilClose(int timeout_ms) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return {out, true};
      if (n > 0) out.append(buf, static_cast<size_t>(n));
    }
    return {out, false};
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Runs in the ledger while a daemon may hold its write lock: -1 when it is busy.
int64_t RunCount(const std::string& ledger) {
  try {
    return e2e::LedgerCount(ledger, "SELECT count(*) FROM run");
  } catch (const std::exception&) {
    return -1;
  }
}

int StatusOf(const std::string& response) {
  return response.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(response.c_str() + 9) : 0;
}

// One request on a fresh connection; the status, or 0 when the server closed without one.
int RawRequest(int port, const std::string& method, const std::string& path) {
  Raw c(port);
  if (!c.connected()) return 0;
  c.Send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return StatusOf(c.ReadUntilClose(3000).first);
}

TEST_CASE("security: the secret is in no log, output, ledger or file of a full run (sync, plan, runs, daemon)") {
  World w(e2e::kSmallState, {"--secret", kSecret}, "  max_removals: 100000\n  max_removal_ratio: 1.0\n", kSecret);
  WriteConfig(w, ConfigKnobs{.timeout_ms = 600, .every = "1s", .extra = "metrics:\n  listen: 127.0.0.1:0\n"});
  w.WriteExport(e2e::SmallRows());
  std::string everything;
  auto keep = [&](const RunResult& r) { everything += r.out + r.err; };
  // Error paths log the most: failed token fetches (the URL carries the secret), a slow
  // answer past the timeout, transient and permanent mark_tag failures, a revoked token.
  w.fake().Admin("fault", {{"endpoint", "gettoken"}, {"count", 1}, {"http_status", 500}});
  w.fake().Admin("fault", {{"endpoint", "gettoken"}, {"count", 1}, {"delay_ms", 1500}});
  w.fake().Admin("fault", {{"endpoint", "gettoken"}, {"count", 1}, {"errcode", -1}});
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 2}, {"errcode", -1}});
  w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 1}, {"errcode", 84061}});
  for (const char* cmd : {"validate", "segments"}) keep(w.Segsync(cmd));
  keep(w.Segsync("plan", {"-v"}));
  keep(w.Segsync("plan", {"--format", "json"}));
  RunResult first = w.Segsync("sync", {"-v"});
  keep(first);
  CHECK_MESSAGE((first.exit_code == 0 || first.exit_code == 5), first.out << first.err);
  w.fake().Admin("tokens", {{"action", "revoke"}});
  keep(w.Segsync("sync", {"-v"}));
  keep(w.Segsync("runs"));
  keep(w.Segsync("runs", {"--format", "json"}));
  keep(w.Segsync("explain", {"C1000001"}));
  // A wrong secret: the error names the problem, not the secret.
  RunResult wrong = segsync::testing::RunSegsync({"plan", "--config", w.config()},
                                                 {{"SEGSYNC_WECOM_SECRET", std::string(kSecret) + "x"}}, w.dir());
  CHECK(wrong.exit_code == 4);
  keep(wrong);
  int64_t runs_before = RunCount(w.ledger());
  {
    w.fake().Admin("fault", {{"endpoint", "mark_tag"}, {"count", 1}, {"http_status", 503}});
    ChildProcess daemon({SEGSYNC_BIN, "daemon", "--config", w.config(), "-v"},
                        {{"SEGSYNC_WECOM_SECRET", kSecret}}, w.dir());
    int port = MetricsPort(daemon, 15000);
    REQUIRE(port > 0);
    std::vector<e2e::Row> fewer = e2e::SmallRows();
    fewer.resize(4);
    w.WriteExport(fewer);  // the next run has work
    CHECK(WaitFor([&] { return RunCount(w.ledger()) > runs_before; }, 20000));
    for (const char* path : {"/metrics", "/healthz", "/"}) everything += e2e::Http(port, "GET", path).body;
    daemon.Signal(SIGTERM);
    CHECK(daemon.Wait(20000) == 0);
    everything += ReadFile(daemon.stderr_path());
  }
  CHECK(everything.size() > 2000);  // the outputs were really collected
  CHECK_MESSAGE(everything.find(kSecret) == std::string::npos, "the secret is in an output");
  // Every file in the workspace: the ledger and its -wal/-shm, the config, anything written.
  int files = 0;
  for (const auto& f : FilesUnder(w.dir())) {
    CAPTURE(f);
    ++files;
    CHECK(ReadFile(f).find(kSecret) == std::string::npos);
  }
  CHECK(files >= 4);
}

TEST_CASE("security: secret_file is refused when group- or world-readable - accepted at 0600") {
  World w(e2e::kSmallState, {"--secret", kSecret});
  std::string secret_file = w.dir() + "/wecom.secret";
  WriteConfig(w, ConfigKnobs{.extra = ""});
  std::string cfg = ReadFile(w.config());
  cfg.replace(cfg.find("  corpid:"), 0, "  secret_file: wecom.secret\n");
  WriteFile(w.config(), cfg);
  w.WriteExport(e2e::SmallRows());
  WriteFile(secret_file, std::string(kSecret) + "\n");
  for (mode_t mode : {0640, 0604, 0644, 0660}) {
    CAPTURE(mode);
    REQUIRE(::chmod(secret_file.c_str(), mode) == 0);
    RunResult r = segsync::testing::RunSegsync({"plan", "--config", w.config()}, {}, w.dir());
    CHECK(r.exit_code == 4);
    std::string all = r.out + r.err;
    CHECK_MESSAGE(all.find("readable by group or others") != std::string::npos, all);
    CHECK_MESSAGE(all.find("chmod 600") != std::string::npos, all);
    CHECK(all.find(kSecret) == std::string::npos);
    CHECK(Fake::Calls(w.fake().Stats(), "gettoken") == 0);  // refused before any call
  }
  REQUIRE(::chmod(secret_file.c_str(), 0600) == 0);
  RunResult ok = segsync::testing::RunSegsync({"plan", "--config", w.config()}, {}, w.dir());
  CHECK_MESSAGE(ok.exit_code == 0, ok.out << ok.err);
  CHECK(Fake::Calls(w.fake().Stats(), "gettoken") == 1);
}

struct FileId {
  ino_t ino = 0;
  int64_t mtime_ns = 0;
  std::string content;
  bool operator==(const FileId&) const = default;
};
FileId Identify(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, ReadFile(path)};
}

TEST_CASE("security: files segsync creates are 0600 - config, rules, mapping and export are only read") {
  mode_t old_umask = ::umask(022);  // a usual umask: anything not created 0600 on purpose shows
  World w(e2e::kSmallState);
  std::string mapping = w.dir() + "/mapping.yaml";
  WriteFile(mapping, ReadFile(std::string(SEGSYNC_SOURCE_DIR) + "/mapping/affiliates.yaml"));
  WriteConfig(w, ConfigKnobs{.every = "1s", .mapping = mapping, .extra = "metrics:\n  listen: 127.0.0.1:0\n"});
  w.WriteExport(e2e::SmallRows());
  std::set<std::string> inputs{w.config(), w.dir() + "/rules.yaml", mapping, w.dir() + "/export.csv",
                               w.dir() + "/state.json"};
  std::map<std::string, FileId> before;
  for (const auto& f : inputs) before[f] = Identify(f);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a write would move the mtime

  for (const char* cmd : {"validate", "segments", "plan", "sync", "runs"}) {
    RunResult r = w.Segsync(cmd);
    CHECK_MESSAGE(r.exit_code == 0, cmd << ": " << r.out << r.err);
  }
  RunResult report = w.Segsync("plan", {"--format", "json", "--output", w.dir() + "/plan.json"});
  CHECK(report.exit_code == 0);
  {
    ChildProcess daemon({SEGSYNC_BIN, "daemon", "--config", w.config()},
                        {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
    REQUIRE(MetricsPort(daemon, 15000) > 0);
    WaitFor([&] { return RunCount(w.ledger()) >= 3; }, 15000);
    daemon.Signal(SIGHUP);  // a reload reads the files again
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    daemon.Signal(SIGTERM);
    CHECK(daemon.Wait(20000) == 0);
  }
  for (const auto& f : inputs) {
    CAPTURE(f);
    CHECK(Identify(f) == before[f]);
  }
  int created = 0;
  for (const auto& f : FilesUnder(w.dir())) {
    if (inputs.count(f)) continue;
    CAPTURE(f);
    ++created;
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  CHECK(created >= 2);  // the ledger (and its -wal/-shm) and plan.json
  ::umask(old_umask);
}

TEST_CASE("security: TLS verification has no off switch in the config") {
  for (const char* key : {"tls_verify: false", "insecure: true", "verify_tls: false", "insecure_skip_verify: true"}) {
    CAPTURE(key);
    DiagSink sink;
    auto c = ParseConfig("/tmp/x/segsync.yaml",
                         fmt::format("crm:\n  export: e.csv\nmapping: m.yaml\nrules: r\nwecom:\n  corpid: c\n  {}\n", key), sink);
    CHECK_FALSE(c.has_value());
    CHECK(sink.FormatAll().find("unknown") != std::string::npos);
  }
}

TEST_CASE("security: the daemon's metrics server - loopback by default - GET only - limits - slow-loris crowd") {
  DiagSink sink;
  auto defaults = ParseConfig("/tmp/x/segsync.yaml", "crm:\n  export: e.csv\nmapping: m.yaml\nrules: r\n", sink);
  REQUIRE(defaults);
  CHECK(defaults->metrics.listen == "127.0.0.1:9464");

  World w(e2e::kSmallState);
  WriteConfig(w, ConfigKnobs{.every = "1s", .extra = "metrics:\n  listen: 127.0.0.1:0\n"});
  w.WriteExport(e2e::SmallRows());
  ChildProcess daemon({SEGSYNC_BIN, "daemon", "--config", w.config()},
                      {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
  int port = MetricsPort(daemon, 15000);
  REQUIRE(port > 0);
  CHECK(RawRequest(port, "GET", "/healthz") == 200);
  CHECK(RawRequest(port, "GET", "/metrics") == 200);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    CAPTURE(method);
    CHECK(RawRequest(port, method, "/metrics") == 405);
  }
  CHECK(RawRequest(port, "GET", "/admin") == 404);
  {
    Raw big(port);
    big.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    CHECK(StatusOf(big.ReadUntilClose(3000).first) == 431);
    Raw body(port);
    body.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(4000, 'b'));
    CHECK(StatusOf(body.ReadUntilClose(3000).first) == 413);
  }
  // A slow-loris crowd: 40 connections that send half a request line and stall. Those over
  // the cap are closed at once; the rest are dropped when the request deadline passes; then
  // the server answers again. The daemon goes on running syncs meanwhile.
  int64_t runs_before = -1;
  REQUIRE(WaitFor([&] { return (runs_before = RunCount(w.ledger())) >= 0; }, 10000));
  std::vector<std::unique_ptr<Raw>> crowd;
  for (int i = 0; i < 40; ++i) {
    crowd.push_back(std::make_unique<Raw>(port));
    crowd.back()->Send("GET /metr");
  }
  auto t0 = std::chrono::steady_clock::now();
  bool back = WaitFor([&] { return RawRequest(port, "GET", "/healthz") == 200; }, 30000);
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(back);
  int dropped = 0;
  for (auto& c : crowd) dropped += c->ReadUntilClose(200).second ? 1 : 0;
  MESSAGE("slow-loris crowd of 40: served again after " << waited << " s; connections the server closed: " << dropped);
  CHECK(dropped == 40);  // every stalled connection was closed by the server
  CHECK(RunCount(w.ledger()) > runs_before);  // syncs went on
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait(20000) == 0);
}

}  // namespace
}  // namespace segsync::reliability

// End-to-end `segsync daemon`: SIGHUP with a broken rule file keeps the running rules (error
// with FILE:LINE:COL, segsync_reload_failures_total, runs go on with the old tags); SIGHUP with
// a fixed file that renames a tag applies it from the next run. And the sd_notify messages
// (READY, STATUS, RELOADING, STOPPING) on a NOTIFY_SOCKET of the test's own.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "harness.h"

namespace segsync::daemon_e2e {
namespace {

size_t Finished(const ChildProcess& d) { return LogLines(DaemonLog(d), "run finished").size(); }

// Lines of the log after the last line containing `marker`.
std::string LogAfter(const ChildProcess& d, const std::string& marker) {
  std::string log = DaemonLog(d);
  auto at = log.rfind(marker);
  return at == std::string::npos ? "" : log.substr(at);
}

TEST_CASE("daemon e2e - SIGHUP with a broken rule file keeps the old rules and a fixed one applies") {
  World w;
  const std::string member = "staff001|wmC1000001", learner = "staff001|wmC1000002";
  auto d = w.StartDaemon();
  int port = MetricsPort(*d);
  REQUIRE_MESSAGE(port > 0, DaemonLog(*d));
  REQUIRE(WaitFor([&] { return Finished(*d) >= 1; }, 10000));
  auto tags = RelTags(w.fake().State());
  CHECK(tags[member] == std::set<std::string>{"会籍阶段/会员"});
  CHECK(tags[learner] == std::set<std::string>{"会籍阶段/学员"});

  // Line 7 of RulesYaml is `        when: status = "Member"`; the operator is at column 22.
  // `=~` is not usable here: it parses as `=` then fails at the value (col 25).
  std::string broken = RulesYaml("正式会员");
  auto op = broken.find("status = \"Member\"");
  REQUIRE(op != std::string::npos);
  broken.replace(op, std::strlen("status = \"Member\""), "status equals \"Member\"");
  segsync::testing::WriteFile(w.rules(), broken);
  RunResult v = w.Segsync("validate");
  CHECK(v.exit_code == 1);
  MESSAGE("validate on the broken file: " << v.err << v.out);

  d->Signal(SIGHUP);
  REQUIRE_MESSAGE(WaitFor([&] { return DaemonLog(*d).find("keeping the running configuration") != std::string::npos; }, 10000),
                  DaemonLog(*d));
  std::string log = DaemonLog(*d);
  auto errors = LogLines(log, w.rules() + ":7:");
  CHECK_MESSAGE(errors.size() >= 1, log);
  if (!errors.empty()) {
    CHECK_MESSAGE(errors[0].find(w.rules() + ":7:22: error: unknown operator 'equals'") != std::string::npos, errors[0]);
    CHECK(errors[0].rfind("<3>", 0) == 0);
  }
  CHECK(LogLines(log, "reload refused: configuration has errors").size() == 1);
  CHECK(MetricValue(Http(port, "GET", "/metrics").body, "segsync_reload_failures_total") == 1);
  CHECK(MetricValue(Http(port, "GET", "/metrics").body, "segsync_reloads_total") <= 0);  // absent or 0
  CHECK(Http(port, "GET", "/healthz").status == 200);

  // Runs go on with the old rules: two more runs, still 会员, no changes.
  size_t before = Finished(*d);
  CHECK(WaitFor([&] { return Finished(*d) >= before + 2; }, 6000));
  tags = RelTags(w.fake().State());
  CHECK(tags[member] == std::set<std::string>{"会籍阶段/会员"});
  for (const auto& line : LogLines(LogAfter(*d, "keeping the running configuration"), "run finished"))
    CHECK_MESSAGE(line.find("outcome=success") != std::string::npos, line);

  // Fixed, with the member tag renamed: applies from the next run.
  segsync::testing::WriteFile(w.rules(), RulesYaml("正式会员"));
  d->Signal(SIGHUP);
  REQUIRE_MESSAGE(WaitFor([&] { return DaemonLog(*d).find("configuration reloaded") != std::string::npos; }, 10000),
                  DaemonLog(*d));
  // A run that started after the reload has finished.
  REQUIRE(WaitFor([&] { return !LogLines(LogAfter(*d, "configuration reloaded"), "run finished").empty() &&
                               !LogLines(LogAfter(*d, "configuration reloaded"), "run started").empty(); },
                  6000));
  REQUIRE(WaitFor([&] { return LogLines(LogAfter(*d, "configuration reloaded"), "run finished").size() >= 2; }, 6000));
  tags = RelTags(w.fake().State());
  CHECK(tags[member] == std::set<std::string>{"会籍阶段/正式会员"});
  CHECK(tags[learner] == std::set<std::string>{"会籍阶段/学员"});
  std::string metrics = Http(port, "GET", "/metrics").body;
  CHECK(MetricValue(metrics, "segsync_reload_failures_total") == 1);
  CHECK(MetricValue(metrics, "segsync_reloads_total") == 1);
  CHECK(MetricValue(metrics, "segsync_segment_size{segment=\"member\",tag=\"正式会员\"}") == 1);
  CHECK(MetricValue(metrics, "segsync_segment_size{segment=\"member\",tag=\"会员\"}") == -1);
  d->Signal(SIGTERM);
  CHECK(d->Wait(10000) == 0);
}

// A datagram socket the daemon's sd_notify writes to.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Reads datagrams until one contains `needle` (returns true) or timeout_ms passes.
  bool WaitFor(const std::string& needle, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (size_t i = seen_; i < messages_.size(); ++i)
      if (messages_[i].find(needle) != std::string::npos) return seen_ = i + 1, true;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      messages_.emplace_back(buf, static_cast<size_t>(n));
      if (messages_.back().find(needle) != std::string::npos) return seen_ = messages_.size(), true;
    }
  }
  const std::vector<std::string>& messages() const { return messages_; }
  std::string All() const {
    std::string out;
    for (const auto& m : messages_) out += "[" + m + "] ";
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
  size_t seen_ = 0;  // WaitFor looks at messages after the last one it matched
};

TEST_CASE("daemon e2e - sd_notify sends READY then STATUS then RELOADING after SIGHUP and STOPPING after SIGTERM") {
  World w;
  NotifySocket sock(w.dir() + "/notify.sock");
  auto d = w.StartDaemon({{"NOTIFY_SOCKET", w.dir() + "/notify.sock"}});
  CHECK_MESSAGE(sock.WaitFor("READY=1", 10000), sock.All() << "\n" << DaemonLog(*d));
  CHECK_MESSAGE(sock.WaitFor("STATUS=", 5000), sock.All());
  REQUIRE(WaitFor([&] { return Finished(*d) >= 1; }, 10000));
  CHECK_MESSAGE(sock.WaitFor("STATUS=idle", 5000), sock.All());

  d->Signal(SIGHUP);
  CHECK_MESSAGE(sock.WaitFor("RELOADING=1", 5000), sock.All());
  CHECK_MESSAGE(sock.WaitFor("READY=1", 5000), sock.All());  // after the reload
  bool monotonic = false;
  for (const auto& m : sock.messages())
    if (m.find("RELOADING=1") != std::string::npos) monotonic = m.find("MONOTONIC_USEC=") != std::string::npos;
  CHECK_MESSAGE(monotonic, sock.All());

  d->Signal(SIGTERM);
  CHECK_MESSAGE(sock.WaitFor("STOPPING=1", 5000), sock.All());
  CHECK(d->Wait(10000) == 0);
  MESSAGE("notifications: " << sock.All().substr(0, 600));
  for (const auto& m : sock.messages()) CHECK_MESSAGE(m.find(kSecret) == std::string::npos, m);
}

}  // namespace
}  // namespace segsync::daemon_e2e

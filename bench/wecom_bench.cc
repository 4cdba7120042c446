// WecomClient throughput and rate-limit accuracy against fake-wecom on loopback.
//
//   wecom_bench FAKE_WECOM_BIN [calls=20000] [rate_seconds=90]
//
// Phase 1: `calls` mark_tag calls launched at once, max_in_flight 5, no rate limit, keep-alive:
//          calls/s, client CPU per call (getrusage), connections opened, server peak in flight.
// Phase 2: mark_tag at rate_per_minute 600 for `rate_seconds`: the measured rate (from call
//          completions), the busiest 60 s window, and the server's peak in flight.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "wecom/wecom_client.h"

using namespace segsync;
using Clock = std::chrono::steady_clock;

namespace {

struct FakeProcess {
  pid_t pid = -1;
  int port = 0;
  ~FakeProcess() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

bool StartFake(const std::string& bin, FakeProcess& fake) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  fake.pid = fork();
  if (fake.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execl(bin.c_str(), bin.c_str(), "--port", "0", "--corpid", "wwbench", "--secret", "bench-secret", "--generate",
          "customers=2000,members=20,seed=3", "--threads", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  close(fds[0]);
  fake.port = std::atoi(line.c_str());
  return fake.port > 0;
}

template <class T>
T Run(boost::asio::io_context& io, boost::asio::awaitable<T> aw) {
  std::optional<T> out;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(aw)); },
                        boost::asio::detached);
  io.restart();
  io.run();
  return std::move(*out);
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

boost::json::value Admin(boost::asio::io_context& io, net::HttpClient& admin, const std::string& path,
                         const std::string& body = "") {
  auto r = Run(io, admin.Request(body.empty() ? "GET" : "POST", path, body));
  if (!r || r->status != 200) return nullptr;
  return boost::json::parse(r->body);
}

// Launches n mark_tag calls at once; returns completion times.
std::vector<Clock::time_point> MarkMany(boost::asio::io_context& io, wecom::WecomClient& client,
                                        const std::vector<wecom::Relationship>& rels, const std::string& tag,
                                        int n, int& failures) {
  std::vector<Clock::time_point> done;
  done.reserve(n);
  failures = 0;
  for (int i = 0; i < n; ++i) {
    const auto& rel = rels[i % rels.size()];
    wecom::MarkTagRequest req{rel.userid, rel.external_userid, {}, {}};
    (i / static_cast<int>(rels.size()) % 2 == 0 ? req.add_tag : req.remove_tag).push_back(tag);
    boost::asio::co_spawn(
        io,
        [&, req]() -> boost::asio::awaitable<void> {
          auto r = co_await client.MarkTag(req);
          if (!r) ++failures;
          done.push_back(Clock::now());
        },
        boost::asio::detached);
  }
  io.restart();
  io.run();
  return done;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: wecom_bench FAKE_WECOM_BIN [calls=20000] [rate_seconds=90]\n");
    return 2;
  }
  int calls = argc > 2 ? std::atoi(argv[2]) : 20000;
  int rate_seconds = argc > 3 ? std::atoi(argv[3]) : 90;
  FakeProcess fake;
  if (!StartFake(argv[1], fake)) {
    std::fprintf(stderr, "cannot start %s\n", argv[1]);
    return 1;
  }
  std::string url = "http://127.0.0.1:" + std::to_string(fake.port);
  Logger log(stderr, LogLevel::kWarning);
  boost::asio::io_context io;
  net::HttpOptions ho;
  ho.base_url = url;
  auto admin = std::move(*net::HttpClient::Create(io, ho));

  wecom::Options o;
  o.base_url = url;
  o.corpid = "wwbench";
  o.secret = "bench-secret";
  o.max_in_flight = 5;
  o.default_rate_per_minute = 0;
  auto client = std::move(*wecom::WecomClient::Create(io, o, log));
  auto users = Run(io, client->GetFollowUserList());
  auto rels = Run(io, client->GetAllRelationships(*users));
  auto group = Run(io, client->AddCorpTag({"", "bench", std::nullopt, {{"t1", std::nullopt}}}));
  if (!users || !rels || !group) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  std::string tag = group->tags.at(0).id;
  std::printf("setup: %zu relationships\n", rels->size());

  // Phase 1: throughput.
  Admin(io, *admin, "/admin/reset_stats", "{}");
  int failures = 0;
  double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  MarkMany(io, *client, *rels, tag, calls, failures);
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  auto stats = Admin(io, *admin, "/admin/stats");
  auto cs = client->stats();
  std::printf("throughput: %d mark_tag calls, 5 in flight, keep-alive: %.0f calls/s, %.1f us CPU/call (client), "
              "%d failed, connections opened %llu, client peak in flight %d, server peak in flight %s\n",
              calls, calls / wall, cpu / calls * 1e6, failures, static_cast<unsigned long long>(cs.connections_opened),
              cs.peak_in_flight, boost::json::serialize(stats.at("peak_in_flight").at("mark_tag")).c_str());

  // Phase 2: rate accuracy at 600/minute.
  o.rate_per_minute["mark_tag"] = 600;
  boost::asio::io_context io2;
  auto limited = std::move(*wecom::WecomClient::Create(io2, o, log));
  Run(io2, limited->AccessToken());
  Admin(io, *admin, "/admin/reset_stats", "{}");
  int n = rate_seconds * 10 + 1;
  auto done = MarkMany(io2, *limited, *rels, tag, n, failures);
  std::sort(done.begin(), done.end());
  double span = std::chrono::duration<double>(done.back() - done.front()).count();
  double per_minute = (n - 1) / span * 60;
  std::size_t busiest = 0;
  for (std::size_t i = 0, j = 0; i < done.size(); ++i) {
    while (done[i] - done[j] >= std::chrono::seconds(60)) ++j;
    busiest = std::max(busiest, i - j + 1);
  }
  stats = Admin(io, *admin, "/admin/stats");
  std::printf("rate: %d calls at 600/min configured: measured %.1f calls/min (%+.2f%%), busiest 60 s window %zu "
              "calls (limit 600), %d failed, server peak in flight %s\n",
              n, per_minute, (per_minute - 600) / 6, busiest, failures,
              boost::json::serialize(stats.at("peak_in_flight").at("mark_tag")).c_str());
  return 0;
}

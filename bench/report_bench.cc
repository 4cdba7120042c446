// The KPI report on a synthetic ledger: RUNS weekly snapshots of PROFILES profiles in 10
// segments, with 2% of Affiliates converting and 5% moving segment each run; then the time
// of BuildReport (every query) and of the HTML and CSV renderers.
//
//   report_bench [PROFILES=100000] [RUNS=12] [DIR=/tmp]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>

#include <date/tz.h>

#include "base/log.h"
#include "ledger/ledger.h"
#include "report/report_data.h"
#include "report/report_render.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
double CpuNow() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

template <typename T>
T Must(segsync::Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "report_bench: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace segsync;
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 12;
  std::string dir = argc > 3 ? argv[3] : "/tmp";
  std::string path = dir + "/report_bench.db";
  std::remove(path.c_str());
  Logger log(stderr, LogLevel::kWarning);
  auto ledger = Must(Ledger::Open(path, log));

  Snapshot snap;
  for (int s = 0; s < 7; ++s) snap.segments.push_back({"stage" + std::to_string(s), "阶段" + std::to_string(s)});
  for (const char* city : {"Shanghai", "Beijing"}) snap.segments.push_back({"city", city});
  snap.segments.push_back({"member", "会员"});
  std::vector<std::string> status(n, "Affiliate");
  std::vector<uint32_t> stage(n);
  for (size_t i = 0; i < n; ++i) stage[i] = static_cast<uint32_t>(i % 7);
  int64_t base = 1798732800;  // 2027-01-01 00:00 +08:00 as UTC seconds (approximately)
  auto t0 = Clock::now();
  uint64_t rng = 42;
  auto next = [&rng] { return (rng = rng * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  for (int r = 0; r < runs; ++r) {
    RunRecord run;
    run.as_of = base + r * 7 * 86400;
    run.outcome = RunOutcome::kOk;
    run.profiles = static_cast<int64_t>(n);
    run.matched = static_cast<int64_t>(n * 7 / 10);
    int64_t id = Must(ledger->StartRun(run));
    run.id = id;
    Must(ledger->FinishRun(run));
    snap.profiles.clear();
    for (size_t i = 0; i < n; ++i) {
      if (r > 0 && status[i] == "Affiliate" && next() % 100 < 2) status[i] = "Member";
      if (r > 0 && next() % 100 < 5) stage[i] = static_cast<uint32_t>(next() % 7);
      ProfileState p{"C" + std::to_string(1000000 + i), status[i], {}};
      if (status[i] == "Member") p.segments.push_back(9);
      else p.segments.push_back(stage[i]);
      if (i % 3 != 2) p.segments.push_back(static_cast<uint32_t>(7 + i % 3));
      snap.profiles.push_back(std::move(p));
    }
    Must(ledger->RecordSnapshot(id, snap));
  }
  std::printf("ledger: %zu profiles x %d runs written in %.1f s\n", n, runs, Seconds(t0));

  ReportRequest rq;
  rq.tz = date::locate_zone("Asia/Shanghai");
  rq.timezone = "Asia/Shanghai";
  rq.conversion = KpiConversion{"status", {"Affiliate"}, {"Member"}};
  rq.from = ParseIsoDate("2026-12-01");
  rq.to = ParseIsoDate("2027-06-30");
  rq.now = base + runs * 7 * 86400;
  KpiWindow w{0, INT64_MAX};
  auto timed = [&](const char* what, auto&& f) {
    auto t = Clock::now();
    f();
    std::printf("  %-22s %.3f s\n", what, Seconds(t));
  };
  timed("LoadSegmentSizesIn", [&] { Must(ledger->LoadSegmentSizesIn(w)); });
  timed("LoadConversions", [&] { Must(ledger->LoadConversions(w, {"Affiliate"}, {"Member"})); });
  timed("LoadSegmentAudiences", [&] { Must(ledger->LoadSegmentAudiences(w)); });
  timed("LoadRunsIn", [&] { Must(ledger->LoadRunsIn(w)); });
  timed("LoadFailureCounts", [&] { Must(ledger->LoadFailureCounts(w)); });
  auto t1 = Clock::now();
  double c1 = CpuNow();
  ReportData d = Must(BuildReport(*ledger, rq));
  std::printf("BuildReport: %.2f s wall, %.2f s cpu (%zu size rows, %zu conversion rows, %lld conversions)\n",
              Seconds(t1), CpuNow() - c1, d.sizes.size(), d.conversions.size(),
              static_cast<long long>(d.converted_profiles));
  auto t2 = Clock::now();
  std::string html = RenderReportHtml(d);
  std::printf("RenderReportHtml: %.3f s, %zu bytes\n", Seconds(t2), html.size());
  auto t3 = Clock::now();
  std::ostringstream csv;
  RenderReportCsv(d, csv);
  std::printf("RenderReportCsv: %.3f s, %zu bytes\n", Seconds(t3), csv.str().size());
  std::remove(path.c_str());
  return 0;
}

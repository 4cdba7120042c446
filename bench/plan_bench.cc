// plan_bench: builds a plan for a generated corp of N profiles (default 1,000,000) with the
// identities of the shared data contract (unionid / state / mobile / unmatched by i % 10, a
// second relationship for every fifth profile, N/20 customers without a profile), a ledger that
// owns every tag segsync placed, and 5% of the profiles moving to another stage (an exclusive
// swap: one add and one remove). Prints the time of each step and the peak RSS (VmHWM).
//
//   plan_bench [N] [MEMBERS] [first]   ("first": a first run, nothing tagged yet: all adds)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <streambuf>
#include <string>

#include <fmt/format.h>

#include "plan/guard.h"
#include "plan/plan.h"
#include "plan/plan_print.h"

namespace {

using segsync::TagIndex;

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// Counts bytes instead of keeping them: measures the printers, not a string's growth.
class CountingBuf : public std::streambuf {
 public:
  size_t bytes = 0;

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) ++bytes;
    return c;
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<size_t>(n);
    return n;
  }
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  const int members = argc > 2 ? std::atoi(argv[2]) : 200;
  const bool first_run = argc > 3 && std::string(argv[3]) == "first";
  auto t0 = std::chrono::steady_clock::now();

  segsync::PlanInput in;
  in.as_of = "2026-12-01T00:00:00+08:00";
  in.catalog.AddGroup("会籍阶段", true);
  std::vector<TagIndex> stage, city, lang, interest;
  for (const char* s : {"在读学员", "待转会员", "已转会员", "订阅逾期"}) stage.push_back(in.catalog.AddTag("会籍阶段", s));
  for (const char* s : {"Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu"})
    city.push_back(in.catalog.AddTag("城市", s));
  for (const char* s : {"zh", "en"}) lang.push_back(in.catalog.AddTag("语言", s));
  for (const char* s : {"Audit", "Tax", "FinTech", "ESG", "Careers"}) interest.push_back(in.catalog.AddTag("兴趣", s));
  for (TagIndex t = 0; t < in.catalog.size(); ++t) in.catalog.SetTagId(t, fmt::format("etBENCH{:022}", t));

  auto userid = [&](int m) { return fmt::format("staff{:03}", m); };
  for (int m = 1; m <= members; ++m) in.members.push_back(userid(m));

  in.profiles.reserve(n);
  in.relationships.reserve(n + n / 5 + n / 20);
  in.owned.reserve(n + n / 5);
  std::vector<TagIndex> today, yesterday;
  for (int i = 1; i <= n; ++i) {
    const std::string id = fmt::format("C{:07}", 1000000 + i);
    const std::string mobile = fmt::format("138{:08}", i);
    const int k = i % 10;
    const unsigned h = static_cast<unsigned>(i) * 2654435761u;
    today = {stage[(h >> 8) % 4], city[i % 6], lang[(h >> 4) % 2]};
    if (i % 3 == 0) today.push_back(interest[(h >> 12) % 5]);
    yesterday = today;
    if ((h >> 16) % 20 == 0) yesterday[0] = stage[((h >> 8) + 1) % 4];  // 5% changed stage
    in.profiles.push_back({id, k <= 5 ? "oU" + id : "", id, mobile, today});

    auto add_rel = [&](int member, int64_t createtime) {
      segsync::PlanRelationship r;
      r.userid = userid(member);
      r.external_userid = "wm" + id;
      if (k <= 5) r.unionid = "oU" + id;
      if (k == 6 || k == 7) r.state = id;
      if (k == 8) r.remark_mobiles.push_back(fmt::format("+86 138-{}-{}", mobile.substr(3, 4), mobile.substr(7)));
      r.createtime = createtime;
      if (k != 9 && !first_run) {  // the unmatched profiles' customers were never tagged
        r.tags = yesterday;
        in.owned.push_back({r.userid, r.external_userid, yesterday});
      }
      in.relationships.push_back(std::move(r));
    };
    add_rel((i - 1) % members + 1, 1700000000 + int64_t{i} * 60);
    if (i % 5 == 0) add_rel(i % members + 1, 1700000000 + int64_t{i} * 60 + 86400);
  }
  for (int x = 1; x <= n / 20; ++x) {
    segsync::PlanRelationship r;
    r.userid = userid(x % members + 1);
    r.external_userid = fmt::format("wmX{:07}", x);
    r.createtime = 1700000000;
    in.relationships.push_back(std::move(r));
  }
  const double gen_s = Seconds(t0);
  const long rss_input = PeakRssKb();

  auto t1 = std::chrono::steady_clock::now();
  segsync::Result<segsync::Plan> result = segsync::BuildPlan(in);
  const double plan_s = Seconds(t1);
  if (!result.ok()) {
    std::fprintf(stderr, "plan failed: %s\n", result.error().message.c_str());
    return 1;
  }
  segsync::Plan& plan = result.value();
  segsync::ApplyGuard({}, {static_cast<int64_t>(n), {}, -1}, &plan);
  const long rss_plan = PeakRssKb();

  auto t2 = std::chrono::steady_clock::now();
  CountingBuf json_buf;
  std::ostream json_out(&json_buf);
  segsync::PrintPlanJson(plan, json_out);
  const double json_s = Seconds(t2);
  auto t3 = std::chrono::steady_clock::now();
  CountingBuf csv_buf;
  std::ostream csv_out(&csv_buf);
  segsync::PrintPlanCsv(plan, csv_out);
  const double csv_s = Seconds(t3);

  const auto& s = plan.summary;
  fmt::print("profiles {} relationships {} owned {}\n", in.profiles.size(), in.relationships.size(),
             in.owned.size());
  fmt::print("matched {} unmatched {} relations {} changed {} +{} -{} managed {} api_calls {} ({})\n",
             s.matched, s.unmatched, s.relations, s.relations_changed, s.tags_added, s.tags_removed,
             s.managed_tags, s.api_calls, segsync::FormatDuration(plan.api.seconds));
  fmt::print("blocked {}{}\n", s.blocked, s.reasons.empty() ? "" : ": " + s.reasons[0]);
  fmt::print("generate {:.2f}s  plan {:.2f}s  json {:.2f}s ({} bytes)  csv {:.2f}s ({} bytes)\n", gen_s,
             plan_s, json_s, json_buf.bytes, csv_s, csv_buf.bytes);
  fmt::print("peak RSS (VmHWM): after input {} MB, after plan {} MB\n", rss_input / 1024, rss_plan / 1024);
  return 0;
}

// Microbenchmark of the rules evaluator: predicate evaluations per second and profiles per
// second over synthetic affiliate profiles (shared data contract schema).
//
//   eval_bench [RULES_DIR] [PROFILES]     (defaults: rules 200000; run from the repo root)
//
// Part 1 loads one segment per predicate (no short-circuit, no references), so each profile
// costs exactly K predicate evaluations. Part 2 evaluates the example rules in RULES_DIR.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <date/tz.h>

#include "segment/evaluator.h"
#include "segment/rule_loader.h"

namespace {

using namespace segsync;

Schema AffiliateSchema() {
  Schema s;
  auto add = [&](const char* name, FieldType type) {
    FieldDef f;
    f.name = name;
    f.type = type;
    s.fields.push_back(f);
  };
  add("id", FieldType::kString);
  add("status", FieldType::kString);
  add("exams_passed", FieldType::kInt);
  add("per_months", FieldType::kInt);
  add("ethics_done", FieldType::kBool);
  add("last_exam", FieldType::kDate);
  add("paid_until", FieldType::kDate);
  add("member_since", FieldType::kDate);
  add("country", FieldType::kString);
  add("region", FieldType::kString);
  add("city", FieldType::kString);
  add("employer", FieldType::kString);
  add("language", FieldType::kString);
  add("channel", FieldType::kString);
  add("registered_at", FieldType::kDateTime);
  add("interests", FieldType::kList);
  return s;
}

std::vector<Profile> Synthetic(const Schema& schema, int n, Date today) {
  const char* statuses[] = {"Affiliate", "Member", "Lapsed", "Student"};
  const char* cities[] = {"Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan"};
  const char* regions[] = {"East China", "North China", "South China", "West China", "Overseas"};
  const char* employers[] = {"KPMG Huazhen LLP", "Deloitte", "Acme Trading", "PwC China", "Bank of X"};
  const char* channels[] = {"event_qr", "email_link", "sms_link", "oa_menu", "referral"};
  uint64_t x = 42;
  auto next = [&](uint64_t m) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % m;
  };
  std::vector<Profile> out(n);
  for (int i = 0; i < n; ++i) {
    Profile& p = out[i];
    p.id = "C" + std::to_string(1000000 + i + 1);
    p.values.resize(schema.fields.size());
    p.values[0] = p.id;
    p.values[1] = std::string(statuses[next(4)]);
    p.values[2] = static_cast<int64_t>(next(14));
    if (next(10)) p.values[3] = static_cast<int64_t>(next(61));
    p.values[4] = next(2) == 0;
    if (next(4)) p.values[5] = Date{today.days - static_cast<int32_t>(next(400))};
    p.values[6] = Date{today.days - 200 + static_cast<int32_t>(next(400))};
    p.values[9] = std::string(regions[next(5)]);
    p.values[10] = std::string(cities[next(7)]);
    p.values[11] = std::string(employers[next(5)]);
    p.values[12] = std::string(next(3) ? "zh" : "en");
    p.values[13] = std::string(channels[next(5)]);
    p.values[14] = DateTime{int64_t{today.days} * 86400 - static_cast<int64_t>(next(90 * 86400))};
    p.values[15] = std::vector<std::string>{"Audit", next(2) ? "Tax" : "Finance"};
  }
  return out;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string rules_dir = argc > 1 ? argv[1] : "rules";
  int n = argc > 2 ? std::atoi(argv[2]) : 200000;
  Schema schema = AffiliateSchema();
  EvalContext ctx = MakeEvalContext(DateTime{1800000000}, date::locate_zone("Asia/Shanghai"));
  std::vector<Profile> profiles = Synthetic(schema, n, ctx.as_of_date);

  const char* preds[] = {
      "status = \"Affiliate\"", "exams_passed >= 13", "per_months >= 36", "ethics_done is true",
      "status in [Affiliate, Student]", "paid_until within next 60 days",
      "paid_until more than 30 days ago", "paid_until < today", "last_exam within last 90 days",
      "city in [Shanghai, Beijing, Shenzhen]", "employer contains \"KPMG\"",
      "employer matches /(?i)\\b(deloitte|pwc|kpmg)\\b/", "language starts with \"en\"",
      "registered_at within last 30 days", "interests contains Tax", "channel != referral"};
  std::string yaml = "tag_groups:\n  - name: G\n    segments:\n";
  int k = 0;
  for (const char* p : preds) {
    yaml += "      - id: s" + std::to_string(k) + "\n        tag: T" + std::to_string(k) +
            "\n        when: '" + p + "'\n";
    ++k;
  }
  DiagSink sink;
  RuleSet micro = LoadRuleSources({{"bench.yaml", yaml}}, schema, sink);
  if (!sink.ok()) {
    std::fputs(sink.FormatAll().c_str(), stderr);
    return 1;
  }
  std::vector<Membership> m;
  size_t tags = 0;
  {
    Evaluator eval(micro, ctx);
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& p : profiles) {
      eval.Evaluate(p, &m);
      tags += m.size();
    }
    double s = Seconds(t0);
    std::printf("predicates: %d profiles x %d predicates in %.3f s = %.2f M evaluations/s (%zu tags)\n", n, k,
                s, n * double(k) / s / 1e6, tags);
  }
  auto files = ExpandRulePath(rules_dir, sink);
  RuleSet rules = LoadRules(files, schema, sink);
  if (!sink.ok()) {
    std::fputs(sink.FormatAll().c_str(), stderr);
    return 1;
  }
  ValueCounter counter(rules, ctx);
  auto t1 = std::chrono::steady_clock::now();
  for (const auto& p : profiles) counter.Add(p);
  ValueCaps caps = counter.Finish();
  double count_s = Seconds(t1);
  Evaluator eval(rules, ctx, &caps);
  tags = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& p : profiles) {
    eval.Evaluate(p, &m);
    tags += m.size();
  }
  double s = Seconds(t0);
  std::printf("rules/: %zu segments, %d profiles in %.3f s = %.0f profiles/s (%zu tags; max_tags pass %.3f s)\n",
              rules.segments.size(), n, s, n / s, tags, count_s);
  return 0;
}

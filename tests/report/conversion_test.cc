// Conversions and movement over a sequence of synthetic exports: the real sync runs against
// fake-wecom with --as-of, four weeks apart by a week; known profiles change status. The
// report's tables are checked against the scenario and against SQL computed directly on the
// ledger (independent queries: membership is rebuilt per snapshot run here).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "report/report_page.h"
#include "report_world.h"
#include "workspace/workspace.h"

namespace segsync::report_test {

namespace {

const char* const kDays[] = {"2027-01-01", "2027-01-08", "2027-01-15", "2027-01-22"};

// The exports: C1 converts at run 2, C2 at run 3, C6 (Lapsed -> Affiliate at 3) and C5 at
// run 4; C3 lapses (not a conversion); C4 is a Member throughout; C7 has no WeCom customer.
std::vector<std::vector<Person>> Exports() {
  std::vector<Person> r1 = {{"C1000001", "Affiliate", "Shanghai"}, {"C1000002", "Affiliate", "Beijing"},
                            {"C1000003", "Affiliate", "Shanghai"}, {"C1000004", "Member", "Beijing"},
                            {"C1000005", "Affiliate", ""},         {"C1000006", "Lapsed", "Beijing"},
                            {"C1000007", "Affiliate", "Shanghai"}};
  auto r2 = r1;
  r2[0].status = "Member";
  auto r3 = r2;
  r3[1].status = "Member";
  r3[2].status = "Lapsed";
  r3[5].status = "Affiliate";
  auto r4 = r3;
  r4[5].status = "Member";
  r4[4].status = "Member";
  return {r1, r2, r3, r4};
}

void RunAll(World& w) {
  auto exports = Exports();
  for (size_t i = 0; i < exports.size(); ++i) {
    w.WriteExport(exports[i]);
    w.Segsync("sync", {"--as-of", kDays[i]});
  }
}

ReportData Load(const World& w, const std::string& from = "2027-01-01", const std::string& to = "2027-01-31") {
  DiagSink sink;
  auto ws = LoadWorkspace(w.config(), sink);
  REQUIRE_MESSAGE(ws, sink.FormatAll());
  Logger log(stderr, LogLevel::kWarning);
  ReportOptions o;
  o.from = ParseIsoDate(from);
  o.to = ParseIsoDate(to);
  auto data = LoadReport(*ws, o, log);
  REQUIRE_MESSAGE(data, data.error().message);
  return std::move(*data);
}

const ConversionKpi* Find(const ReportData& d, const std::string& seg, const std::string& tag) {
  for (const auto& k : d.conversions)
    if (k.segment_id == seg && k.tag == tag) return &k;
  return nullptr;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

TEST_CASE("report: conversions per segment over four exports with known status changes") {
  World w;
  RunAll(w);
  ReportData d = Load(w);
  CHECK(d.converted_profiles == 4);  // C1, C2, C5, C6; C3's lapse is not a conversion
  const ConversionKpi* learner = Find(d, "learner", "学员");
  REQUIRE(learner);
  CHECK(learner->conversions == 4);
  CHECK(learner->audience == 6);  // C1 C2 C3 C5 C6 C7 were Affiliates in some snapshot
  CHECK(learner->rate == doctest::Approx(4.0 / 6));
  REQUIRE(learner->median_days);
  CHECK(*learner->median_days == doctest::Approx(10.5));  // 7 (C1), 14 (C2), 7 (C6), 21 (C5)
  const ConversionKpi* shanghai = Find(d, "city", "Shanghai");
  REQUIRE(shanghai);
  CHECK(shanghai->conversions == 1);
  CHECK(shanghai->audience == 3);
  const ConversionKpi* beijing = Find(d, "city", "Beijing");
  REQUIRE(beijing);
  CHECK(beijing->conversions == 2);
  CHECK(*beijing->median_days == doctest::Approx(17.5));  // C2 14 days, C6 21 days
  const ConversionKpi* member = Find(d, "member", "会员");
  REQUIRE(member);
  CHECK(member->conversions == 0);
  CHECK_FALSE(member->median_days);

  // A period holding only the first two runs sees only C1's conversion.
  ReportData early = Load(w, "2027-01-01", "2027-01-10");
  CHECK(early.converted_profiles == 1);
  CHECK(Find(early, "learner", "学员")->conversions == 1);

  // The CSV of the command has the same numbers.
  w.Segsync("report", {"--format", "csv", "--from", "2027-01-01", "--to", "2027-01-31", "--output", w.dir() + "/r.csv"});
  std::string csv = segsync::testing::ReadFile(w.dir() + "/r.csv");
  CHECK(csv.find("\r\nlearner,学员,6,4,0.6667,10.50\r\n") != std::string::npos);
  CHECK(csv.find("conversions\r\nsegment,tag,audience,conversions,rate,median_days\r\n") != std::string::npos);
}

TEST_CASE("report: tables equal SQL computed directly on the ledger") {
  World w;
  RunAll(w);
  ReportData d = Load(w);
  const std::string db = w.ledger();
  // Snapshot runs, and membership rebuilt per run: in at R when entered_run <= R < left_run.
  std::vector<std::string> runs = SqlRows(db, "SELECT DISTINCT run_id FROM segment_size ORDER BY run_id");
  REQUIRE(runs.size() == 4);
  std::vector<std::string> expected;
  for (const auto& r : runs) {
    for (const auto& row : SqlRows(db, fmt::format(
             "SELECT g.segment_id, g.tag, "
             " (SELECT count(*) FROM membership m WHERE m.segment_ref = g.id AND m.entered_run <= {0} "
             "  AND (m.left_run IS NULL OR m.left_run > {0})) "
             "FROM segment g WHERE g.id IN (SELECT segment_ref FROM segment_size WHERE run_id = {0}) "
             "ORDER BY g.segment_id, g.tag", r))) {
      expected.push_back(r + "|" + row);
    }
  }
  std::vector<std::string> got;
  for (const auto& s : d.sizes) got.push_back(fmt::format("{}|{}|{}|{}", s.run_id, s.segment.segment_id, s.segment.tag, s.size));
  CHECK(got == expected);

  // Entered and left per run: the difference of two consecutive rebuilt memberships.
  for (const auto& s : d.sizes) {
    auto prev = SqlRows(db, fmt::format("SELECT coalesce(max(run_id), 0) FROM segment_size WHERE run_id < {}", s.run_id));
    std::string in_at = "SELECT m.profile_ref FROM membership m JOIN segment g ON g.id = m.segment_ref "
                        "WHERE g.segment_id = '{0}' AND g.tag = '{1}' AND m.entered_run <= {2} "
                        "AND (m.left_run IS NULL OR m.left_run > {2})";
    std::string now = fmt::format(fmt::runtime(in_at), s.segment.segment_id, s.segment.tag, s.run_id);
    std::string before = fmt::format(fmt::runtime(in_at), s.segment.segment_id, s.segment.tag, prev[0]);
    CHECK_MESSAGE(s.entered == SqlInt(db, "SELECT count(*) FROM (" + now + " EXCEPT " + before + ")"),
                  s.segment.segment_id << "/" << s.segment.tag << " run " << s.run_id);
    CHECK(s.left == SqlInt(db, "SELECT count(*) FROM (" + before + " EXCEPT " + now + ")"));
  }

  // Conversions: status changes Affiliate -> Member, paired with the segments the profile was
  // in at the previous snapshot run; days from the run where that stay began.
  std::map<std::string, std::vector<double>> days;
  std::map<std::string, int64_t> conv;
  for (const auto& row : SqlRows(db,
           "SELECT c.run_id, c.profile_ref, r.as_of FROM status_change c JOIN run r ON r.id = c.run_id "
           "WHERE c.from_status = 'Affiliate' AND c.to_status = 'Member'")) {
    std::stringstream ss(row);
    std::string run, profile, as_of;
    std::getline(ss, run, '|');
    std::getline(ss, profile, '|');
    std::getline(ss, as_of, '|');
    std::string prev = SqlRows(db, "SELECT max(run_id) FROM segment_size WHERE run_id < " + run)[0];
    for (const auto& seg : SqlRows(db, fmt::format(
             "SELECT g.segment_id || '/' || g.tag, e.as_of FROM membership m JOIN segment g ON g.id = m.segment_ref "
             "JOIN run e ON e.id = m.entered_run WHERE m.profile_ref = {0} AND m.entered_run <= {1} "
             "AND (m.left_run IS NULL OR m.left_run > {1})", profile, prev))) {
      auto bar = seg.find('|');
      std::string key = seg.substr(0, bar);
      ++conv[key];
      days[key].push_back((std::stod(as_of) - std::stod(seg.substr(bar + 1))) / 86400);
    }
  }
  int checked = 0;
  for (const auto& k : d.conversions) {
    std::string key = k.segment_id + "/" + k.tag;
    CHECK_MESSAGE(k.conversions == conv[key], key);
    int64_t audience = SqlInt(db, fmt::format(
        "SELECT count(DISTINCT m.profile_ref) FROM membership m JOIN segment g ON g.id = m.segment_ref "
        "JOIN (SELECT DISTINCT run_id FROM segment_size) s ON m.entered_run <= s.run_id "
        "AND (m.left_run IS NULL OR m.left_run > s.run_id) WHERE g.segment_id = '{}' AND g.tag = '{}'",
        k.segment_id, k.tag));
    CHECK_MESSAGE(k.audience == audience, key);
    if (!days[key].empty()) {
      REQUIRE(k.median_days);
      CHECK(*k.median_days == doctest::Approx(Median(days[key])));
    }
    checked += k.conversions > 0;
  }
  CHECK(checked == 3);  // learner, city/Shanghai, city/Beijing

  // Identity match rate per run: matched / profiles of the run row.
  auto rates = SqlRows(db, "SELECT id, matched, profiles FROM run WHERE kind != 'dry-run' ORDER BY id");
  REQUIRE(rates.size() == d.runs.size());
  for (size_t i = 0; i < rates.size(); ++i) {
    CHECK(rates[i] == fmt::format("{}|{}|{}", d.runs[i].run_id, d.runs[i].matched, d.runs[i].profiles));
    CHECK(d.runs[i].match_rate == doctest::Approx(6.0 / 7));  // C7 has no WeCom customer
  }
  // Failures by reason: the failed audit rows of the period's runs.
  CHECK(static_cast<int64_t>(d.failures.size()) ==
        SqlInt(db, "SELECT count(*) FROM (SELECT DISTINCT action, reason FROM audit WHERE outcome = 'failed')"));
}

}  // namespace segsync::report_test

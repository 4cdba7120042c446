// The HTML page: self-contained (no external asset, no script), escaped, with empty states;
// and, where /usr/bin/chromium exists, rendered headless to a PNG screenshot.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "report/report_render.h"
#include "report_world.h"

namespace segsync::report_test {

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A month with conversions, one campaign touch sent (one reached), one touch missed.
void BuildHistory(World& w) {
  std::vector<Person> people = {{"C1000001", "Affiliate", "Shanghai"}, {"C1000002", "Affiliate", "Beijing"},
                                {"C1000003", "Affiliate", "Shanghai"}, {"C1000004", "Member", "Beijing"},
                                {"C1000005", "Affiliate", ""},         {"C1000006", "Lapsed", "Beijing"},
                                {"C1000007", "Affiliate", "Shanghai"}};
  const char* days[] = {"2027-01-01", "2027-01-08", "2027-01-15", "2027-01-22"};
  for (int i = 0; i < 4; ++i) {
    if (i == 1) people[0].status = "Member";
    if (i == 2) people[1].status = "Member", people[5].status = "Affiliate";
    if (i == 3) people[5].status = "Member";
    w.WriteExport(people);
    w.Segsync("sync", {"--as-of", days[i]});
    if (i == 1) {
      auto state = w.fake().State();
      std::string msgid(state.at("msg_templates").as_array().at(0).at("msgid").as_string());
      w.fake().Admin("send_result", {{"msgid", msgid}, {"userid", "staff001"}, {"external_userid", "wmC1000002"}, {"status", 1}});
    }
  }
}

const char* const kCampaigns =
    "campaigns:\n"
    "  - name: 2027 Q1 <转会员>\n    from: 2027-01-01\n    to: 2027-03-31\n    touches:\n"
    "      - date: 2027-01-08\n        segments: [learner]\n        message: \"新年转会员指南 & 常见问题\"\n"
    "      - date: 2027-01-20\n        segments: [city]\n        message: 城市沙龙报名\n";

}  // namespace

TEST_CASE("html: the report is one self-contained page with charts and escaped text and readable numbers") {
  World w(kCampaigns);
  BuildHistory(w);
  w.Segsync("report", {"--from", "2027-01-01", "--to", "2027-01-31", "--output", w.dir() + "/r.html"});
  std::string html = segsync::testing::ReadFile(w.dir() + "/r.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  // No asset can be fetched: no scheme-qualified or protocol-relative reference at all, no
  // script, no stylesheet link, no image or CSS url().
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)", std::regex::icase)));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(<script|<link|<img|<iframe|@import|url\()", std::regex::icase)));
  CHECK(html.find("<svg") != std::string::npos);
  // Sections people look for, and their figures.
  for (const char* title : {"Segment sizes over time", "Entered and left per run", "Conversions per segment",
                            "Group invitations and joins", "Campaigns: touches, reach and coverage",
                            "Sync failures by reason", "Identity match rate"})
    CHECK_MESSAGE(html.find(title) != std::string::npos, title);
  CHECK(html.find("2027-01-01 to 2027-01-31 (Asia/Shanghai)") != std::string::npos);
  CHECK(html.find("50.0%") != std::string::npos);  // learner: 3 conversions of 6 people
  CHECK(html.find("2027 Q1 &lt;转会员&gt;") != std::string::npos);  // escaped
  CHECK(html.find("<转会员>") == std::string::npos);
  CHECK(html.find("新年转会员指南 &amp; 常见问题") != std::string::npos);
  CHECK(html.find("No group invitation was sent in this period.") != std::string::npos);
  CHECK(html.find(">missed<") != std::string::npos);  // the city touch on 01-20 had no run
  CHECK(html.find("85.7%") != std::string::npos);     // 6 of 7 profiles found in WeCom
}

TEST_CASE("html: empty states when the period holds nothing") {
  World w;
  w.WriteExport({{"C1000001", "Affiliate", "Shanghai"}});
  w.Segsync("sync", {"--as-of", "2027-01-01"});
  auto r = w.Segsync("report", {"--from", "2026-06-01", "--to", "2026-06-30"});
  CHECK(r.out.find("No run recorded segment sizes in this period.") != std::string::npos);
  CHECK(r.out.find("No campaign in this period.") != std::string::npos);
  CHECK(r.out.find("No failure in this period.") != std::string::npos);
  CHECK(r.out.find("No conversion in this period.") != std::string::npos);
  // Bad periods are usage errors with a clear message.
  r = w.Segsync("report", {"--from", "2027-02-01", "--to", "2027-01-01"}, 2);
  CHECK(r.err.find("the report period ends (2027-01-01) before it starts (2027-02-01)") != std::string::npos);
  r = w.Segsync("report", {"--from", "01/02/2027"}, 2);
  CHECK(r.err.find("--from '01/02/2027' is not a date (YYYY-MM-DD)") != std::string::npos);
  // No ledger yet: the report says so and creates none.
  World fresh;
  r = fresh.Segsync("report", {}, -1);
  CHECK(r.exit_code != 0);
  CHECK_FALSE(Exists(fresh.ledger()));
}

TEST_CASE("html: number formats for people") {
  CHECK(FormatThousands(0) == "0");
  CHECK(FormatThousands(999) == "999");
  CHECK(FormatThousands(1000) == "1,000");
  CHECK(FormatThousands(1234567) == "1,234,567");
  CHECK(FormatThousands(-4200) == "−4,200");
  CHECK(FormatPercent(0.6667) == "66.7%");
  CHECK(FormatPercent(1) == "100.0%");
  CHECK(EscapeHtmlText("<a href='x'>&\"") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
}

TEST_CASE("html: the page renders in headless Chromium (screenshot)" *
          doctest::skip(!Exists("/usr/bin/chromium"))) {
  World w(kCampaigns);
  BuildHistory(w);
  std::string html = w.dir() + "/r.html", png = w.dir() + "/r.png";
  w.Segsync("report", {"--from", "2027-01-01", "--to", "2027-01-31", "--output", html});
  auto r = segsync::testing::Run({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                  "--hide-scrollbars", "--window-size=1200,3600", "--screenshot=" + png,
                                  "file://" + html},
                                 {{"HOME", w.dir()}});
  REQUIRE_MESSAGE(Exists(png), r.err);
  std::string bytes = segsync::testing::ReadFile(png);
  CHECK(bytes.size() > 20000);  // a blank page compresses to a few KB
  CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  // To look at it: SEGSYNC_REPORT_SCREENSHOT=/tmp/report.png keeps the PNG (and the page as .html).
  if (const char* keep = std::getenv("SEGSYNC_REPORT_SCREENSHOT")) {
    segsync::testing::WriteFile(keep, bytes);
    segsync::testing::WriteFile(std::string(keep) + ".html", segsync::testing::ReadFile(html));
  }
}

}  // namespace segsync::report_test

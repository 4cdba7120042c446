// The engagement calendar: coverage and quota warnings in `validate`, and touches sent by the
// sync on their date (once), with tag_filter on the segment's tags and send results read back.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include <fmt/format.h>

#include "report/report_page.h"
#include "report_world.h"
#include "segment/campaign_check.h"
#include "segment/rule_loader.h"
#include "workspace/workspace.h"

namespace segsync::report_test {

namespace {

RuleSet LoadText(const std::string& campaigns, DiagSink& sink) {
  Schema schema;
  for (const char* name : {"status", "city"}) {
    FieldDef f;
    f.name = name;
    f.column = name;
    schema.fields.push_back(f);
  }
  return LoadRuleSources({{"r.yaml", RulesYaml(campaigns)}}, schema, sink);
}

std::string Touch(const std::string& date, const std::string& segments) {
  return fmt::format("      - date: {}\n        segments: [{}]\n        message: hi\n", date, segments);
}

std::string CampaignYaml(const std::string& name, const std::string& from, const std::string& to,
                         const std::string& touches) {
  return fmt::format("  - name: {}\n    from: {}\n    to: {}\n    touches:\n{}", name, from, to, touches);
}

}  // namespace

TEST_CASE("calendar: every segment without a touch inside a campaign's period gets a warning") {
  DiagSink sink;
  // Q1 touches learner only; Q1b (inside Q1's period) touches city: both count for Q1.
  // Q2 touches member only.
  std::string yaml = "campaigns:\n" + CampaignYaml("Q1", "2027-01-01", "2027-03-31", Touch("2027-01-10", "learner")) +
                     CampaignYaml("Q1b", "2027-02-01", "2027-02-28", Touch("2027-02-10", "city")) +
                     CampaignYaml("Q2", "2027-04-01", "2027-06-30", Touch("2027-04-10", "member"));
  RuleSet rs = LoadText(yaml, sink);
  CHECK(sink.ok());
  std::string all = sink.FormatAll();
  auto has = [&](const std::string& seg, const std::string& campaign) {
    return all.find(fmt::format("segment '{}' of group", seg)) != std::string::npos &&
           all.find(fmt::format("segment '{}' of group '{}' has no touch in campaign '{}'", seg,
                                seg == "city" ? "城市" : "会籍阶段", campaign)) != std::string::npos;
  };
  CHECK(has("member", "Q1"));
  CHECK_FALSE(has("learner", "Q1"));
  CHECK_FALSE(has("city", "Q1"));  // Q1b's touch on 2027-02-10 is inside Q1's period
  CHECK(has("member", "Q1b"));
  CHECK(has("learner", "Q1b"));
  CHECK(has("learner", "Q2"));
  CHECK(has("city", "Q2"));
  CHECK_FALSE(has("member", "Q2"));
  CHECK(sink.warning_count() == 5);
  // Each warning points at its campaign's `name:` line.
  CHECK(all.find("r.yaml:17:5: warning: segment 'member' of group '会籍阶段' has no touch in campaign 'Q1' "
                 "(2027-01-01 to 2027-03-31)") != std::string::npos);
}

TEST_CASE("calendar: two touches of one campaign on the same day are an error") {
  DiagSink sink;
  LoadText("campaigns:\n" + CampaignYaml("Q1", "2027-01-01", "2027-03-31",
                                         Touch("2027-01-10", "learner") + Touch("2027-01-10", "member, city")),
           sink);
  CHECK_FALSE(sink.ok());
  CHECK(sink.FormatAll().find("r.yaml:24:9: error: campaign 'Q1' has two touches on 2027-01-10") != std::string::npos);
}

TEST_CASE("calendar: touches past the monthly receive quota are warned at the touch") {
  DiagSink sink;
  std::string touches = Touch("2027-01-03", "learner") + Touch("2027-01-10", "learner, city") +
                        Touch("2027-01-17", "learner") + Touch("2027-02-01", "learner");
  RuleSet rs = LoadText("campaigns:\n" + CampaignYaml("Q1", "2027-01-01", "2027-03-31", touches), sink);
  REQUIRE(sink.ok());
  DiagSink quota;
  CheckTouchQuota(rs, 2, quota);
  // learner: 3 in January (the third is over 2), 1 in February; city: 1 in January.
  REQUIRE(quota.warning_count() == 1);
  std::string text = quota.FormatAll();
  CHECK(text.find("touch of campaign 'Q1' on 2027-01-17 is message 3 in 2027-01 for segment 'learner', over "
                  "WeCom's receive quota of 2 per customer and month") != std::string::npos);
  CHECK(text.find("wecom.receive_quota_per_month") != std::string::npos);
  DiagSink fine;
  CheckTouchQuota(rs, 3, fine);
  CHECK(fine.diagnostics().empty());
}

TEST_CASE("calendar: validate reports quota warnings with the configured quota and refuses bad values") {
  std::string touches = Touch("2027-01-03", "learner, member, city") + Touch("2027-01-10", "learner, member, city");
  World w("campaigns:\n" + CampaignYaml("Q1", "2027-01-01", "2027-01-31", touches),
          "");
  auto r = w.Segsync("validate");
  CHECK(r.out.find("0 warnings") != std::string::npos);
  World tight("campaigns:\n" + CampaignYaml("Q1", "2027-01-01", "2027-01-31", touches));
  std::string cfg = segsync::testing::ReadFile(tight.config());
  auto pos = cfg.find("  rate_per_minute");
  segsync::testing::WriteFile(tight.config(), cfg.substr(0, pos) + "  receive_quota_per_month: 1\n" + cfg.substr(pos));
  r = tight.Segsync("validate");
  INFO(r.err);
  CHECK(r.err.find("rules.yaml:24:9: warning: touch of campaign 'Q1' on 2027-01-10 is message 2 in 2027-01 for segment 'learner'") != std::string::npos);
  CHECK(r.out.find("3 warnings") != std::string::npos);  // learner, member, city
  segsync::testing::WriteFile(tight.config(), cfg.substr(0, pos) + "  receive_quota_per_month: 0\n" + cfg.substr(pos));
  r = tight.Segsync("validate", {}, 1);
  CHECK(r.err.find("wecom.receive_quota_per_month") != std::string::npos);
}

TEST_CASE("calendar: the sync creates a due touch once with tag_filter and plan lists it and results are read back") {
  std::string campaigns = "campaigns:\n" +
                          CampaignYaml("Q1", "2027-01-01", "2027-01-31",
                                       Touch("2027-01-08", "learner") + Touch("2027-01-20", "member")) +
                          CampaignYaml("Q2", "2027-02-01", "2027-02-28", Touch("2027-02-05", "city"));
  World w(campaigns);
  std::vector<Person> people = {{"C1000001", "Affiliate", "Shanghai"}, {"C1000002", "Affiliate", "Beijing"},
                                {"C1000003", "Member", "Shanghai"}};
  w.WriteExport(people);
  w.Segsync("sync", {"--as-of", "2027-01-01"});
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == 0);  // nothing due on 01-01
  // plan on the touch's date lists it and creates nothing.
  auto plan = w.Segsync("plan", {"--as-of", "2027-01-08"});
  CHECK(plan.out.find("Campaign touches due on 2027-01-08:\n  Q1: a sync today creates the message task -> segments learner") !=
        std::string::npos);
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == 0);
  w.Segsync("sync", {"--as-of", "2027-01-08"});
  w.Segsync("sync", {"--as-of", "2027-01-08T18:00:00"});  // same day again: not sent twice
  auto stats = w.fake().Stats();
  CHECK(Fake::Calls(stats, "add_msg_template") == 1);
  auto state = w.fake().State();
  auto templates = state.at("msg_templates").as_array();
  REQUIRE(templates.size() == 1);
  auto msg = templates[0].as_object();
  std::string msgid(msg.at("msgid").as_string());
  // Sent to the learner customers only (C1, C2), each through their member.
  std::set<std::string> targets;
  for (const auto& r : msg.at("results").as_array()) targets.insert(std::string(r.at("external_userid").as_string()));
  CHECK(targets == std::set<std::string>{"wmC1000001", "wmC1000002"});
  CHECK(SqlRows(w.ledger(), "SELECT campaign, touch_date, segments, msgid IS NOT NULL FROM campaign_touch") ==
        std::vector<std::string>{"Q1|2027-01-08|learner|1"});
  plan = w.Segsync("plan", {"--as-of", "2027-01-08"});
  CHECK(plan.out.find("Q1: already created (msgid " + msgid + ")") != std::string::npos);

  // A member sends it to C1; the next run reads the results.
  w.fake().Admin("send_result", {{"msgid", msgid}, {"userid", "staff001"}, {"external_userid", "wmC1000001"}, {"status", 1}});
  w.Segsync("sync", {"--as-of", "2027-01-09"});
  CHECK(SqlRows(w.ledger(), "SELECT external_userid, status FROM campaign_touch_result ORDER BY 1") ==
        std::vector<std::string>{"wmC1000001|1", "wmC1000002|0"});

  DiagSink sink;
  auto ws = LoadWorkspace(w.config(), sink);
  REQUIRE(ws);
  Logger log(stderr, LogLevel::kWarning);
  ReportOptions o;
  o.from = ParseIsoDate("2027-01-01");
  o.to = ParseIsoDate("2027-01-31");
  o.now = 1799000000;  // 2027-01-04 (Shanghai): the 01-20 touch is still planned
  auto d = LoadReport(*ws, o, log);
  REQUIRE(d);
  REQUIRE(d->touches.size() == 2);
  CHECK(d->touches[0].state == TouchState::kSent);
  CHECK(d->touches[0].targeted == 2);
  CHECK(d->touches[0].sent == 1);
  CHECK(d->touches[0].unsent == 1);
  CHECK(d->touches[1].state == TouchState::kPlanned);
  REQUIRE(d->campaigns.size() == 1);  // Q2 is outside the period
  CHECK(d->campaigns[0].reached == 1);
  CHECK(d->campaigns[0].touches_created == 1);
  std::map<std::string, bool> engaged;
  for (const auto& c : d->coverage) engaged[c.segment_id] = c.engaged;
  CHECK(engaged == std::map<std::string, bool>{{"city", false}, {"learner", true}, {"member", false}});
  // Later, the unsent 01-20 touch is missed.
  o.now = 1801000000;  // 2027-01-27 in Shanghai
  d = LoadReport(*ws, o, log);
  REQUIRE(d);
  CHECK(d->touches[1].state == TouchState::kMissed);
}

}  // namespace segsync::report_test

// Invitations and joins in the report, on a ledger written through the Ledger API the groups
// work uses (pending -> created/failed, send results, join ways and chat members).
#include <doctest/doctest.h>

#include <date/tz.h>

#include "ledger/ledger.h"
#include "report/report_data.h"
#include "report/report_render.h"
#include "report_world.h"
#include "workspace/as_of.h"

namespace segsync::report_test {

namespace {

template <typename T>
T Must(Result<T> r) {
  REQUIRE_MESSAGE(r, r.error().message);
  return std::move(*r);
}

int64_t At(const char* day) { return Must(ParseAsOf(day, date::locate_zone("Asia/Shanghai"))).seconds; }

}  // namespace

TEST_CASE("invitations: accepted invitations per segment with received and joins through the segment's way") {
  segsync::testing::TempDir dir;
  Logger log(stderr, LogLevel::kWarning);
  auto ledger = Must(Ledger::Open(dir / "ledger.db", log));
  RunRecord run;
  run.as_of = At("2027-01-05");
  int64_t jan = Must(ledger->StartRun(run));
  run.as_of = At("2027-02-05");
  int64_t feb = Must(ledger->StartRun(run));
  auto ids = Must(ledger->StartInvitations({{"wm1", "staff001", "ready", 100, jan},
                                           {"wm2", "staff001", "ready", 100, jan},
                                           {"wm3", "staff002", "ready", 100, jan},
                                           {"wm4", "staff002", "city", 100, jan},
                                           {"wm1", "staff001", "ready", 200, feb}}));
  Must(ledger->FinishInvitations({{ids[0], InvitationStatus::kCreated, "m1", 0, ""},
                                  {ids[1], InvitationStatus::kCreated, "m1", 0, ""},
                                  {ids[2], InvitationStatus::kFailed, "", 0, "not a customer"},
                                  {ids[3], InvitationStatus::kCreated, "m2", 0, ""},
                                  {ids[4], InvitationStatus::kCreated, "m3", 0, ""}}));
  Must(ledger->RecordInvitationResults("m1", {{"wm1", 1, 120}, {"wm2", 0, 0}}, 130));
  Must(ledger->RecordJoinWay({"way-ready", "ready", "seg-ready", "", {"chat1"}, 50, 50, false}));
  // wm1 joined through ready's way; wm2 joined the same chat some other way (a colleague's QR).
  Must(ledger->RecordGroupMembers("chat1", {{"chat1", "wm1", "seg-ready", 150, 0}, {"chat1", "wm2", "other", 150, 0}},
                                  160));

  KpiWindow january{At("2027-01-01"), At("2027-02-01") - 1};
  auto rows = Must(ledger->LoadInvitationKpis(january));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].segment_id == "city");
  CHECK(rows[0].invitations == 1);
  CHECK(rows[0].joined == 0);
  CHECK(rows[1].segment_id == "ready");
  CHECK(rows[1].invitations == 2);  // wm3's was refused
  CHECK(rows[1].customers == 2);
  CHECK(rows[1].sent == 1);
  CHECK(rows[1].joined == 1);
  // The whole period counts wm1's February reminder too, still as one person.
  rows = Must(ledger->LoadInvitationKpis({At("2027-01-01"), At("2027-03-01")}));
  CHECK(rows[1].invitations == 3);
  CHECK(rows[1].customers == 2);

  ReportRequest rq;
  rq.tz = date::locate_zone("Asia/Shanghai");
  rq.timezone = "Asia/Shanghai";
  rq.from = ParseIsoDate("2027-01-01");
  rq.to = ParseIsoDate("2027-01-31");
  rq.now = At("2027-02-10");
  auto data = Must(BuildReport(*ledger, rq));
  std::string html = RenderReportHtml(data);
  CHECK(html.find("<tr><td>ready</td><td class=\"n\">2</td><td class=\"n\">2</td><td class=\"n\">1</td>"
                  "<td class=\"n\">1</td><td class=\"n\">50.0%</td></tr>") != std::string::npos);
  CHECK(html.find("No conversion is defined") != std::string::npos);
}

}  // namespace segsync::report_test

// del_external_contact / del_follow_user: the relationship is marked gone and leaves the retry
// queue (no retries against it), and comes back when WeCom lists it again.
#include <doctest/doctest.h>

#include <cstdio>

#include "ledger/ledger.h"
#include "service/callback_sync.h"
#include "test_support.h"

namespace segsync {

TEST_CASE("callback gone - the relationship is marked gone and never retried") {
  testing::TempDir dir;
  Logger log(std::tmpfile());
  auto opened = Ledger::Open(dir / "ledger.db", log);
  REQUIRE(opened.ok());
  Ledger& ledger = **opened;
  RunRecord run;
  run.kind = RunKind::kScheduled;
  run.started_at = 1000;
  int64_t r1 = *ledger.StartRun(run);
  REQUIRE(ledger.RecordTagCreated(r1, TagRecord{"etA", "grp", "seg", "G", "A", 1000, r1, false}, 1000).ok());
  auto ids = *ledger.RecordRelationships(r1, {{"staff001", "wm1", "C1"}, {"staff002", "wm1", "C1"}, {"staff001", "wm2", "C2"}});
  auto intents = *ledger.RecordIntents(r1, {{ids[0], "etA", TagOp::kAdd}, {ids[2], "etA", TagOp::kAdd}}, 1000);
  REQUIRE(ledger.FailIntents({{intents[0], 45033, "busy", false}, {intents[1], 45033, "busy", false}}, 1000).ok());
  REQUIRE(ledger.LoadRetries(RetryFilter::kPending, 1000)->size() == 2);

  CustomerSync sync(log);
  auto n = sync.MarkGone(ledger, "staff001", "wm1", "callback del_follow_user: the customer deleted the member");
  REQUIRE(n.ok());
  CHECK(*n == 1);  // staff002's relationship with wm1 stays
  auto pending = *ledger.LoadRetries(RetryFilter::kPending, 1000);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].external_userid == "wm2");
  CHECK(ledger.LoadRetries(RetryFilter::kDue, 1'000'000)->size() == 1);
  auto all = *ledger.LoadRelationships(true);
  int gone = 0;
  for (const auto& r : all)
    if (r.gone) {
      ++gone;
      CHECK(r.userid == "staff001");
      CHECK(r.gone_reason.find("del_follow_user") != std::string::npos);
    }
  CHECK(gone == 1);
  CHECK(*sync.MarkGone(ledger, "staff009", "wm404", "x") == 0);  // unknown: nothing to mark

  // Added again later: listed again, and its retry is pending again.
  int64_t r2 = *ledger.StartRun(run);
  ledger.RecordRelationships(r2, {{"staff001", "wm1", "C1"}});
  CHECK(ledger.LoadRetries(RetryFilter::kPending, 1000)->size() == 2);
}

}  // namespace segsync

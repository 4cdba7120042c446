// One customer's tags right after a WeCom callback (issue 9): the near-real-time path between
// scheduled runs. Runs on the daemon's worker thread (a Daemon job), so never at the same time
// as a run; one CustomerSync lives as long as the daemon and keeps two caches:
//   - the evaluation of the last export (all profiles with their desired tags), reused while
//     the export file (path, mtime, size), the loaded rules and the hour are unchanged;
//   - the WeCom tag library, reused until InvalidateLibrary() (a change_external_tag event, a
//     scheduled run, tags created here) or 10 minutes; re-read at once when a tag the ledger
//     says segsync created is missing from it.
//
// SyncCustomer: externalcontact/get for the customer -> identity join (the mapping's keys;
// State is the contact-me state) against the profiles of the last export -> BuildPlan over
// that one customer -> the same ledger protocol as a scheduled run (write-ahead intents,
// mark_tag, confirm/fail, ownership), recorded as a run of kind "callback". No guard (one
// customer cannot be a bulk change), no snapshot, no "unseen -> gone" marking: those need the
// whole export and the whole corp and stay with the scheduled run. A customer no profile
// claims is recorded as an unmatched relationship and left for the next scheduled run.
// "The last export": crm.export as a scheduled run resolves it; for an https:// export, the
// file the last run downloaded (the callback path never downloads).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "ledger/ledger.h"
#include "wecom/types.h"
#include "workspace/workspace.h"

namespace boost::asio {
class io_context;
}
namespace segsync::wecom {
class WecomClient;
}

namespace segsync {

struct CollectedProfiles;  // service/sync_internal.h

enum class CustomerSyncOutcome { kTagged, kUnchanged, kUnmatched, kGone, kFailed };
const char* CustomerSyncOutcomeName(CustomerSyncOutcome o);  // the `outcome` metric label

struct CustomerSyncResult {
  CustomerSyncOutcome outcome = CustomerSyncOutcome::kFailed;
  int64_t run_id = 0;  // 0 when no run was recorded
  int64_t added = 0, removed = 0, failed = 0;
  std::string crm_id;   // the matched profile, if any
  std::string message;  // one line for the log
  bool fatal = false;   // bad secret, permission, IP
};

class CustomerSync {
 public:
  explicit CustomerSync(Logger& log);
  ~CustomerSync();

  // Tags every relationship of `external_userid` as a scheduled run would. `state_hint`: the
  // event's State, used when WeCom's follow_user.state is empty. `workspace` keeps the
  // configuration alive while it is cached.
  CustomerSyncResult SyncCustomer(std::shared_ptr<const Workspace> workspace, Ledger& ledger,
                                  wecom::WecomClient& client, boost::asio::io_context& io,
                                  const std::string& external_userid, const std::string& userid,
                                  const std::string& state_hint);

  // The relationship ended (del_external_contact / del_follow_user): marked gone in the ledger,
  // so no retry is attempted against it. Returns the number of relationships marked.
  Result<int64_t> MarkGone(Ledger& ledger, const std::string& userid, const std::string& external_userid,
                           const std::string& reason);

  void InvalidateLibrary();

 private:
  struct ExportCache;
  Result<std::shared_ptr<const CollectedProfiles>> Profiles(const std::shared_ptr<const Workspace>& ws);

  Logger& log_;
  std::unique_ptr<ExportCache> export_;
  std::shared_ptr<const std::vector<wecom::TagGroup>> library_;
  std::chrono::steady_clock::time_point library_at_{};
};

}  // namespace segsync

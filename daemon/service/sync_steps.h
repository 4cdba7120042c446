// The WeCom-facing part of a run (steps 2-8 of sync.h), as one coroutine on the run's
// io_context. Internal to the service module.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/ledger.h"
#include "service/sync.h"
#include "service/sync_internal.h"

namespace boost::asio {
class io_context;
}

namespace segsync {

class GroupsStep;  // service/groups_step.h

class SyncSteps {
 public:
  SyncSteps(const Workspace& ws, const SyncOptions& options, Logger& log, Ledger& ledger,
            wecom::WecomClient& client, boost::asio::io_context& io, CollectedProfiles& profiles,
            DateTime as_of, SyncResult& result);
  ~SyncSteps();

  boost::asio::awaitable<void> Run();
  // Ends the run with an internal error (an exception escaped the coroutine).
  void Abort(const std::string& message);

  ExitCode exit_code() const { return exit_code_; }
  RunOutcome outcome() const { return outcome_; }
  const std::string& message() const { return message_; }

 private:
  boost::asio::awaitable<bool> Observe();
  bool SettlePendingIntents();
  boost::asio::awaitable<bool> ReconcileTagLibrary();
  bool BuildAndGuardPlan();
  boost::asio::awaitable<bool> CreateMissingTags();
  boost::asio::awaitable<void> Apply();
  void RecordEnd();
  // Ends the run now: records the outcome (unless dry run) and sets the exit code.
  void End(ExitCode code, RunOutcome outcome, std::string message, bool fatal = false);
  // A WeCom call failed so that the run cannot go on.
  void EndOnApiError(const std::string& what, const wecom::ApiError& e);
  void ReportProgress(int64_t done, int64_t total);
  bool Stopping() const;

  const Workspace& ws_;
  const SyncOptions& options_;
  Logger& log_;
  Ledger& ledger_;
  wecom::WecomClient& client_;
  boost::asio::io_context& io_;
  CollectedProfiles& in_;
  DateTime as_of_;
  SyncResult& res_;

  RunRecord run_;
  bool ended_ = false;
  ExitCode exit_code_ = ExitCode::kOk;
  RunOutcome outcome_ = RunOutcome::kOk;
  std::string message_;

  Observed observed_;
  // What the run saw, kept compact once the plan input has taken the rest of observed_.
  std::vector<RelationshipSeen> seen_;
  // Ledger ids of the relationships this run changes, by RelKey (set in Apply, for the intents).
  std::unordered_map<std::string, int64_t> rel_ids_;
  // Tags segsync created (from the ledger), by WeCom tag id.
  std::unordered_map<std::string, TagRecord> our_tags_;
  // Where each library group lives, by name (for adding tags to an existing group).
  std::unordered_map<std::string, std::string> group_ids_;
  int64_t library_size_ = 0;
  PlanOwnedIndex owned_index_;  // the ledger's tags on the observed relationships
  std::unordered_map<std::string, bool> skip_rel_;  // permanent failures: not retried
  int64_t apply_started_ms_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  int64_t last_progress_log_ms_ = 0;
  std::unique_ptr<GroupsStep> groups_;  // group-chat invitations (issue 6)
};

}  // namespace segsync

// Where a run reports how far it is, for the systemd STATUS= line ("run 12: 12,345 of 80,000
// relations") and the dashboard. Thread-safe: the run's worker thread writes, the daemon's
// io thread reads.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace segsync {

class ProgressSink {
 public:
  // The run's id as the ledger numbers it; shown as "run N". Until called, the daemon's own
  // run sequence number is shown.
  void SetRunId(int64_t run_id);
  // A step without a count ("reading export", "planning"); clears the count.
  void Phase(std::string_view what);
  // `done` of `total` `unit`s; total <= 0 means unknown.
  void Progress(int64_t done, int64_t total, std::string_view unit = "relations");

  // "run 12: 12,345 of 80,000 relations", "run 12: planning", or "run 12: starting".
  std::string Describe() const;
  // Called by the daemon before each run.
  void Reset(int64_t sequence);

 private:
  mutable std::mutex mu_;
  int64_t run_id_ = 0;
  std::string phase_ = "starting";
  int64_t done_ = -1, total_ = 0;
  std::string unit_;
};

// 12345 -> "12,345".
std::string WithThousands(int64_t n);

}  // namespace segsync

// WeCom callback events in the daemon (issue 9): the listener on callback.listen (its own
// HttpServer, behind the operator's TLS proxy), the event queue, and the job that acts on the
// events between scheduled runs.
//
// Wiring (cmd_daemon.cc):
//   CallbackService callbacks(log);
//   options.extension = &callbacks;
//   Daemon daemon(run, reload, last_success, log, options);
//   callbacks.Attach(daemon);           // metrics families, and where jobs go
//   ... in the run function, after each scheduled run: callbacks.AfterScheduledRun();
//
// Threads: the listener and the queue's producer side run on the daemon's io thread and only
// answer (within milliseconds: WeCom allows 5 s). The work runs as a Daemon job on the worker
// thread, serialized with the scheduled runs; at most one job is queued at a time and it
// drains every event queued meanwhile. Per event:
//   add_external_contact / edit_external_contact -> CustomerSync::SyncCustomer (a one-customer
//       run of kind "callback"); del_external_contact / del_follow_user -> the relationship is
//       marked gone in the ledger (no retries against it); change_external_tag -> the cached
//       tag library is dropped, so the next apply re-reads it. Others are acknowledged only.
// The token and the EncodingAESKey are read once at start (callback.token_file,
// callback.encoding_aes_key_file: mode 600); changing them, callback.listen or callback.path
// needs a restart. The queue holds at most kMaxQueuedEvents; beyond that requests get 503 and
// WeCom retries later.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "service/callback_receiver.h"
#include "service/callback_sync.h"
#include "service/daemon.h"

namespace segsync {

inline constexpr size_t kMaxQueuedEvents = 10000;

class CallbackService : public DaemonExtension {
 public:
  explicit CallbackService(Logger& log);
  ~CallbackService() override;

  void Attach(Daemon& daemon);
  Result<std::monostate> Start(boost::asio::io_context& io, const LoadedSet& loaded) override;
  void Stop() override;

  // On the worker thread, after a scheduled run: its tag library may have changed.
  void AfterScheduledRun();
  uint16_t port() const { return port_; }  // 0 until listening

 private:
  struct Queued {
    wecom::CallbackEvent event;
    std::chrono::steady_clock::time_point received;
  };
  HttpResponse OnRequest(const HttpRequestView& request);
  DaemonRunResult Drain(const RunRequest& request, std::stop_token stop);

  Logger& log_;
  Daemon* daemon_ = nullptr;
  std::unique_ptr<CallbackMetrics> metrics_;
  std::unique_ptr<CallbackReceiver> receiver_;  // io thread
  std::unique_ptr<HttpServer> server_;          // io thread
  std::atomic<uint16_t> port_{0};

  std::mutex mu_;  // guards queue_ and drain_pending_ (io thread and worker)
  std::deque<Queued> queue_;
  bool drain_pending_ = false;

  CustomerSync sync_;  // worker thread only
};

}  // namespace segsync

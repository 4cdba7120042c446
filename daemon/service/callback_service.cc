#include "service/callback_service.h"

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "config/config.h"
#include "service/wecom_options.h"
#include "wecom/wecom_client.h"
#include "workspace/as_of.h"

namespace segsync {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

CallbackService::CallbackService(Logger& log) : log_(log), sync_(log) {}
CallbackService::~CallbackService() = default;

void CallbackService::Attach(Daemon& daemon) {
  daemon_ = &daemon;
  metrics_ = std::make_unique<CallbackMetrics>(daemon.registry());
}

Result<std::monostate> CallbackService::Start(boost::asio::io_context& io, const LoadedSet& loaded) {
  const auto& ws = *static_cast<const Workspace*>(loaded.workspace.get());
  const CallbackConfig& cb = ws.config.callback;
  if (!cb.enabled()) return std::monostate{};
  auto token = ReadCredentialFile(cb.token_file);
  if (!token) return Error{ErrorCode::kFatal, "callback.token_file: " + token.error().message};
  auto key = ReadCredentialFile(cb.encoding_aes_key_file);
  if (!key) return Error{ErrorCode::kFatal, "callback.encoding_aes_key_file: " + key.error().message};
  log_.Redact(*token);
  log_.Redact(*key);
  auto crypto = wecom::CallbackCrypto::Create(*token, *key, ws.config.wecom.corpid);
  if (!crypto) return Error{ErrorCode::kFatal, "callback: " + crypto.error().message};
  CallbackReceiverOptions ro;
  ro.path = cb.path;
  receiver_ = std::make_unique<CallbackReceiver>(std::move(*crypto), ro, log_, metrics_.get());
  HttpRequestRoutes routes{{cb.path, {[this](const HttpRequestView& r) { return OnRequest(r); }, 64 * 1024}}};
  HttpServerOptions so;
  so.request_timeout = std::chrono::milliseconds(5000);
  auto server = HttpServer::Start(io, cb.listen, {}, so, log_, std::move(routes));
  if (!server) return Error{ErrorCode::kFatal, "callback.listen: " + server.error().message};
  server_ = std::move(*server);
  port_ = server_->port();
  log_.Info("callback listener listening", {{"listen", cb.listen}, {"path", cb.path},
                                            {"port", std::to_string(port_.load())}});
  return std::monostate{};
}

void CallbackService::Stop() {
  if (server_) server_->Stop();
}

void CallbackService::AfterScheduledRun() { sync_.InvalidateLibrary(); }

HttpResponse CallbackService::OnRequest(const HttpRequestView& request) {
  CallbackDecision d = receiver_->Handle(request, Now().seconds);
  if (!d.event) return d.response;
  bool submit = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueuedEvents) {
      if (metrics_) metrics_->refused.Inc({"queue_full"});
      log_.Warning("callback refused", {{"reason", "queue_full"}, {"queued", std::to_string(queue_.size())}});
      return {503, "text/plain; charset=utf-8", "busy\n"};
    }
    queue_.push_back({std::move(*d.event), Clock::now()});
    if (metrics_) metrics_->queue_depth.Set(static_cast<double>(queue_.size()));
    submit = !drain_pending_;
    drain_pending_ = true;
  }
  if (submit && daemon_)
    daemon_->SubmitJob("callback", [this](const RunRequest& r, std::stop_token stop, ProgressSink&) {
      return Drain(r, stop);
    });
  return d.response;
}

DaemonRunResult CallbackService::Drain(const RunRequest& request, std::stop_token stop) {
  auto ws = std::static_pointer_cast<const Workspace>(request.workspace);
  DaemonRunResult out;
  std::unique_ptr<Ledger> ledger;
  boost::asio::io_context io;  // before the client, which uses it until destroyed
  std::unique_ptr<wecom::WecomClient> client;
  int handled = 0;
  for (;;) {
    Queued item;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty() || stop.stop_requested()) {
        if (!queue_.empty())
          log_.Notice("stopping: callback events left for the next scheduled run",
                      {{"events", std::to_string(queue_.size())}});
        queue_.clear();
        drain_pending_ = false;
        if (metrics_) metrics_->queue_depth.Set(0);
        break;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
      if (metrics_) metrics_->queue_depth.Set(static_cast<double>(queue_.size()));
    }
    const wecom::CallbackEvent& e = item.event;
    std::string outcome = "ignored";
    std::string detail;
    if (e.kind != wecom::CallbackEventKind::kOther && e.kind != wecom::CallbackEventKind::kChangeExternalTag &&
        !ledger) {
      auto opened = Ledger::Open(ws->config.ledger_path, log_);
      if (!opened) {
        log_.Error("callback: cannot open the ledger", {{"error", opened.error().message}});
        out.exit_code = static_cast<int>(ExitCode::kFatal);
        if (metrics_) metrics_->Observe("failed", std::chrono::duration<double>(Clock::now() - item.received).count());
        continue;
      }
      ledger = std::move(*opened);
    }
    switch (e.kind) {
      case wecom::CallbackEventKind::kAddExternalContact:
      case wecom::CallbackEventKind::kEditExternalContact: {
        if (!client) {
          auto secret = ReadSecret(ws->config);
          if (secret) {
            log_.Redact(*secret);
            auto made = wecom::WecomClient::Create(io, WecomOptionsFor(ws->config, *secret), log_);
            if (made) client = std::move(*made);
            else detail = made.error().message;
          } else {
            detail = secret.error().message;
          }
        }
        if (!client) {
          outcome = "failed";
          out.exit_code = static_cast<int>(ExitCode::kFatal);
          out.fatal = true;
          break;
        }
        std::stop_callback on_stop(stop, [c = client.get()] { c->RequestStop(); });
        CustomerSyncResult r = sync_.SyncCustomer(ws, *ledger, *client, io, e.external_user_id, e.user_id, e.state);
        outcome = CustomerSyncOutcomeName(r.outcome);
        detail = fmt::format("run {}: {}", r.run_id, r.message);
        if (r.outcome == CustomerSyncOutcome::kFailed) out.exit_code = static_cast<int>(ExitCode::kPartialFailure);
        out.fatal = out.fatal || r.fatal;
        break;
      }
      case wecom::CallbackEventKind::kDelExternalContact:
      case wecom::CallbackEventKind::kDelFollowUser: {
        std::string reason = e.kind == wecom::CallbackEventKind::kDelFollowUser
                                 ? "callback del_follow_user: the customer deleted the member"
                                 : "callback del_external_contact: the member deleted the customer";
        auto n = sync_.MarkGone(*ledger, e.user_id, e.external_user_id, reason);
        outcome = n ? "gone" : "failed";
        detail = n ? fmt::format("{} relationship(s) marked gone", *n) : n.error().message;
        break;
      }
      case wecom::CallbackEventKind::kChangeExternalTag:
        sync_.InvalidateLibrary();
        outcome = "library";
        detail = "the tag library is read again before the next apply";
        break;
      case wecom::CallbackEventKind::kOther:
        break;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - item.received).count();
    if (metrics_) metrics_->Observe(outcome, seconds);
    ++handled;
    log_.Log(outcome == "failed" ? LogLevel::kWarning : LogLevel::kInfo, "callback event handled",
             {{"type", e.TypeLabel()}, {"userid", e.user_id}, {"external_userid", e.external_user_id},
              {"outcome", outcome}, {"latency_ms", fmt::format("{:.0f}", seconds * 1000)}, {"detail", detail}});
  }
  out.summary = fmt::format("{} callback event(s) handled", handled);
  return out;
}

}  // namespace segsync

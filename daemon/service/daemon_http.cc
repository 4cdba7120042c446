// The daemon's HTTP routes: /metrics, /healthz and the page at /.
#include "service/daemon_impl.h"

namespace segsync {

namespace {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

HttpRoutes Daemon::Impl::Routes() {
  return {
      {"/metrics", [this] { return HttpResponse{200, kPrometheusContentType, registry.Render()}; }},
      {"/healthz", [this] { return Health(); }},
      {"/", [this] {
         std::string page = options.index_page ? options.index_page() : DefaultPage();
         return HttpResponse{200, "text/html; charset=utf-8", std::move(page)};
       }},
  };
}

// 200 "ok" while the scheduler is alive and the last run did not end in a fatal error;
// otherwise 503 and one line saying why. Runs on the io thread, so answering at all already
// shows the event loop is alive; a slot long overdue shows the timer is not.
HttpResponse Daemon::Impl::Health() const {
  auto unhealthy = [](std::string reason) {
    return HttpResponse{503, "text/plain; charset=utf-8", std::move(reason) + "\n"};
  };
  if (stopping) return unhealthy("stopping");
  if (!next_fire) return unhealthy("scheduler has no next slot");
  if (!running && NowSeconds() > *next_fire + options.stall_tolerance)
    return unhealthy("scheduler stalled: a slot is overdue");
  if (last_outcome && OutcomeLabel(*last_outcome) == "fatal") {
    std::string summary = last_outcome->summary.substr(0, 300);
    for (char& c : summary)
      if (c == '\n' || c == '\r') c = ' ';
    return unhealthy("last run ended in a fatal error: " + summary);
  }
  return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
}

std::string Daemon::Impl::DefaultPage() const {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>segsync</title></head>\n"
         "<body><h1>segsync</h1>\n<p>" + EscapeHtml(StatusText()) + "</p>\n<ul>\n"
         "<li><a href=\"/metrics\">/metrics</a> (Prometheus)</li>\n"
         "<li><a href=\"/healthz\">/healthz</a></li>\n</ul></body></html>\n";
}

}  // namespace segsync

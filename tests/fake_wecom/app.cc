#include "app.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/url.hpp>

#include "api_error.h"

namespace segsync::fake {

namespace {
constexpr std::string_view kApiPrefix = "/cgi-bin/";
constexpr std::string_view kContactPrefix = "/cgi-bin/externalcontact/";
constexpr std::string_view kAdminPrefix = "/admin/";

std::string JsonText(const json::object& o) { return json::serialize(o); }

HttpResponse Answer(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}
}  // namespace

// Decrements the in-flight counts when the server has written (or dropped) the answer.
struct InFlight {
  InFlight(App* a, std::string e) : app(a), endpoint(std::move(e)) {}
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ~InFlight() { app->Leave(endpoint); }
  App* app;
  std::string endpoint;
};

App::App(const AppConfig& config, Logger& log)
    : config_(config), log_(log), world_(config.world), tokens_(world_.ids, config.token_ttl) {
  AddTagRoutes(routes_);
  AddCustomerRoutes(routes_);
  AddGroupRoutes(routes_);
  AddMessageRoutes(routes_);
}

void App::Leave(const std::string& endpoint) {
  std::lock_guard lock(mu_);
  --in_flight_[endpoint];
  --in_flight_["*"];
}

json::object App::StateSnapshot() {
  std::lock_guard lock(mu_);
  return world_.ToState();
}

HttpResponse App::Handle(const HttpRequest& request) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return Answer(404, "text/plain", "bad request target\n");
  std::string path = url->path();
  std::map<std::string, std::string> query;
  for (auto p : url->params()) query[std::string(p.key)] = std::string(p.value);

  if (path.starts_with(kAdminPrefix)) {
    json::object body;
    if (!request.body.empty()) {
      boost::system::error_code ec;
      json::value v = json::parse(request.body, ec);
      if (ec || !v.is_object())
        return Answer(400, "application/json", JsonText({{"ok", false}, {"error", "body is not a JSON object"}}));
      body = std::move(v.get_object());
    }
    std::lock_guard lock(mu_);
    try {
      json::object out = Admin(path.substr(kAdminPrefix.size()), body);
      out.emplace("ok", true);
      return Answer(200, "application/json", JsonText(out));
    } catch (const std::exception& e) {
      return Answer(400, "application/json", JsonText({{"ok", false}, {"error", e.what()}}));
    } catch (const ApiError& e) {
      return Answer(400, "application/json",
              JsonText({{"ok", false}, {"errcode", e.errcode}, {"error", std::string(ErrorText(e.errcode)) + ": " + e.detail}}));
    }
  }
  std::string endpoint;
  if (path.starts_with(kContactPrefix)) endpoint = path.substr(kContactPrefix.size());
  else if (path == "/cgi-bin/gettoken") endpoint = "gettoken";
  if (endpoint.empty() || (endpoint != "gettoken" && !routes_.count(endpoint)))
    return Answer(404, "text/plain", "no such endpoint: " + path + "\n");
  return HandleApi(endpoint, query, request.body);
}

HttpResponse App::ErrorAnswer(const std::string& endpoint, int errcode, const std::string& detail) {
  stats_.Error(endpoint, std::to_string(errcode));
  std::string hint = std::to_string(NowSeconds()) + "_" + std::to_string(calls_) + "_" + world_.ids.Hex("", 8);
  return Answer(200, "application/json; charset=utf-8",
          JsonText({{"errcode", errcode}, {"errmsg", ErrorMessage(errcode, detail, hint)}}));
}

HttpResponse App::HandleApi(const std::string& endpoint, const std::map<std::string, std::string>& query,
                            const std::string& body) {
  std::unique_lock lock(mu_);
  ++calls_;
  stats_.Call(endpoint);
  int now_endpoint = ++in_flight_[endpoint];
  int now_all = ++in_flight_["*"];
  stats_.Peak(endpoint, now_endpoint);
  stats_.Peak("*", now_all);
  auto hold = std::make_shared<InFlight>(this, endpoint);
  auto finish = [&](HttpResponse r) {
    r.hold = hold;
    return r;
  };

  if (int code = limits_.Admit(endpoint, now_endpoint, now_all, Clock::now()))
    return finish(ErrorAnswer(endpoint, code, endpoint));

  int delay_ms = 0;
  bool drop = false;
  if (auto fault = faults_.Next(endpoint)) {
    stats_.FaultInjected();
    switch (fault->kind) {
      case Fault::Kind::kErrcode:
        return finish(ErrorAnswer(endpoint, fault->value, "injected"));
      case Fault::Kind::kHttpStatus:
        stats_.Error(endpoint, "http" + std::to_string(fault->value));
        return finish(Answer(fault->value, "text/html", "<html><body>" + std::to_string(fault->value) +
                                                      " Service Unavailable</body></html>\n"));
      case Fault::Kind::kBody:
        stats_.Error(endpoint, "body");
        return finish(Answer(200, "application/json; charset=utf-8", fault->body));
      case Fault::Kind::kRevokeToken:
        if (auto it = query.find("access_token"); it != query.end()) tokens_.Revoke(it->second);
        return finish(ErrorAnswer(endpoint, kInvalidToken, "token revoked"));
      case Fault::Kind::kDelay:
        delay_ms = fault->value;
        break;
      case Fault::Kind::kDrop:
        stats_.Error(endpoint, "drop");
        drop = true;
        break;
    }
  }

  HttpResponse out;
  try {
    // The answer is built in one arena while the world is locked, and written out as text
    // after the lock is released: serialising a large page does not hold up other calls.
    json::storage_ptr arena = json::make_shared_resource<json::monotonic_resource>();
    json::object answer({{"errcode", 0}, {"errmsg", "ok"}}, arena);
    if (endpoint == "gettoken") {
      for (auto& kv : GetToken(query)) answer.emplace(kv.key(), std::move(kv.value()));
    } else {
      auto token = query.find("access_token");
      int code = tokens_.Check(token == query.end() ? "" : token->second, NowSeconds());
      if (code) throw ApiError{code, ""};
      json::object request_body;
      if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
        boost::system::error_code ec;
        json::value v = json::parse(body, ec);
        if (ec || !v.is_object()) throw ApiError{kBadJson, "request body is not a JSON object"};
        request_body = std::move(v.get_object());
      }
      json::object payload = routes_.at(endpoint)(world_, Call{query, request_body, NowSeconds(), arena});
      answer.reserve(answer.size() + payload.size());
      for (auto& kv : payload) answer.emplace(kv.key(), std::move(kv.value()));
    }
    lock.unlock();
    out = Answer(200, "application/json; charset=utf-8", JsonText(answer));
  } catch (const ApiError& e) {
    out = ErrorAnswer(endpoint, e.errcode, e.detail);
  }
  out.delay_ms = delay_ms;
  out.drop = drop;
  return finish(std::move(out));
}

json::object App::GetToken(const std::map<std::string, std::string>& query) {
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  std::string corpid = get("corpid"), secret = get("corpsecret");
  if (corpid.empty()) throw ApiError{kMissingCorpid, ""};
  if (secret.empty()) throw ApiError{kMissingSecret, ""};
  if (corpid != config_.corpid) throw ApiError{kInvalidCorpid, ""};
  if (secret != config_.secret) throw ApiError{kInvalidSecret, "invalid corpsecret"};
  return {{"access_token", tokens_.Issue(NowSeconds())}, {"expires_in", tokens_.ttl()}};
}

}  // namespace segsync::fake

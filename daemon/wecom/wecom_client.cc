// The call machinery of WecomClient: token cache, flow control, retries, classification.
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wecom/client_impl.h"

namespace segsync::wecom {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;

namespace {

const Endpoint& GetTokenEndpoint() {
  static const Endpoint kEndpoint{"gettoken", "/cgi-bin/gettoken", false};
  return kEndpoint;
}

ErrorCode CodeFor(ErrorClass k) {
  switch (k) {
    case ErrorClass::kTransient:
    case ErrorClass::kConcurrency:
    case ErrorClass::kFrequency:
    case ErrorClass::kToken: return ErrorCode::kTransient;
    case ErrorClass::kFatal: return ErrorCode::kFatal;
    default: return ErrorCode::kRemote;
  }
}

long long Ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

WecomClient::Impl::Impl(asio::io_context& io_context, Options opts, Logger& logger,
                        std::unique_ptr<net::HttpClient> http_client)
    : io(io_context),
      options(std::move(opts)),
      log(logger),
      http(std::move(http_client)),
      sleeper(io_context),
      limiter(io_context, options.max_in_flight, options.concurrency_recovery),
      rate(sleeper, options.default_rate_per_minute, options.rate_per_minute),
      rng(std::random_device{}()) {
  stats.concurrency_limit = limiter.limit();
}

EndpointStats& WecomClient::Impl::StatsFor(const std::string& name) { return stats.endpoints[name]; }

ApiError WecomClient::Impl::Cancelled(const Endpoint& ep) const {
  ApiError e;
  e.code = ErrorCode::kCancelled;
  e.klass = ErrorClass::kUnknown;
  e.endpoint = ep.name;
  e.message = "WeCom " + ep.name + ": not sent, segsync is stopping";
  return e;
}

Clock::duration WecomClient::Impl::Jitter(Clock::duration base) {
  std::uniform_real_distribution<double> d(0.5, 1.5);
  return std::chrono::duration_cast<Clock::duration>(base * d(rng));
}

Clock::duration WecomClient::Impl::Backoff(int failures) {
  auto base = std::chrono::duration_cast<Clock::duration>(options.retry.initial_backoff);
  for (int i = 1; i < failures && base < options.retry.max_backoff; ++i) base *= 2;
  if (base > options.retry.max_backoff) base = options.retry.max_backoff;
  return Jitter(base);
}

ApiResult<json::object> WecomClient::Impl::Interpret(const Endpoint& ep, Result<net::HttpResponse> res) {
  std::lock_guard lock(stats_mu);
  EndpointStats& st = StatsFor(ep.name);
  ++st.calls;
  ApiError err;
  err.endpoint = ep.name;
  if (!res) {
    ++st.transport_errors;
    err.code = res.error().code;
    err.klass = res.error().code == ErrorCode::kTransient ? ErrorClass::kTransient
                : res.error().code == ErrorCode::kFatal   ? ErrorClass::kFatal
                                                          : ErrorClass::kUnknown;
    err.message = "WeCom " + ep.name + ": " + res.error().message;
    return err;
  }
  err.http_status = res->status;
  if (res->status < 200 || res->status > 299) {
    ++st.http_errors;
    bool retry = res->status >= 500 || res->status == 429;
    err.klass = retry ? ErrorClass::kTransient : ErrorClass::kUnknown;
    err.code = retry ? ErrorCode::kTransient : ErrorCode::kRemote;
    err.message = "WeCom " + ep.name + ": HTTP " + std::to_string(res->status) + " from " + http->origin();
    return err;
  }
  auto body = ParseBody(ep.name, res->status, res->body);
  if (!body) {
    ++st.transport_errors;
    return body;
  }
  auto env = ReadEnvelope(ep.name, *body);
  if (!env) {
    ++st.transport_errors;
    return env.error();
  }
  if (env->errcode == 0) {
    ++st.ok;
    return body;
  }
  ++st.errcodes[env->errcode];
  err.errcode = env->errcode;
  err.klass = Classify(env->errcode, ep.name == "gettoken");
  err.code = CodeFor(err.klass);
  err.hint = ExtractHint(env->errmsg);
  std::string meaning(ErrcodeMeaning(env->errcode));
  if (err.klass == ErrorClass::kFatal) {
    err.message = "WeCom refused the app: errcode " + std::to_string(env->errcode) + " on " + ep.name + ", " +
                  FatalAdvice(env->errcode);
  } else {
    err.message = "WeCom " + ep.name + ": errcode " + std::to_string(env->errcode) +
                  (meaning.empty() ? "" : " (" + meaning + ")");
  }
  if (!err.hint.empty()) err.message += " [hint " + err.hint + "]";
  return err;
}

awaitable<ApiResult<json::object>> WecomClient::Impl::Invoke(Endpoint ep, std::string query,
                                                             std::string body) {
  const bool is_gettoken = ep.name == "gettoken";
  int failures = 0;
  int waits = 0;
  bool token_retried = false;
  for (;;) {
    if (stop_requested) co_return Cancelled(ep);
    if (!co_await rate.WaitUnblocked(ep.name)) co_return Cancelled(ep);
    // gettoken bypasses the limiter: callers holding a slot may be waiting for the token.
    if (!is_gettoken && !co_await limiter.Acquire()) co_return Cancelled(ep);
    if (!co_await rate.Acquire(ep.name)) {
      if (!is_gettoken) limiter.Release();
      co_return Cancelled(ep);
    }
    // The token is taken once the call has its slot, just before it is sent: a call that
    // queued behind hundreds of others must not carry a token revoked or refreshed while it
    // waited (the fault campaign saw one revocation cost a wasted 40014 call per queued call).
    std::string access_token;
    if (!is_gettoken) {
      auto t = co_await Token();
      if (!t) {
        limiter.Release();
        co_return t.error();
      }
      access_token = *t;
    }
    {
      std::lock_guard lock(stats_mu);
      stats.in_flight = limiter.in_flight();
      stats.peak_in_flight = limiter.peak();
    }
    std::string target = ep.path + "?";
    target += is_gettoken ? query : "access_token=" + UrlEscape(access_token) + (query.empty() ? "" : "&" + query);
    auto res = co_await http->Request(ep.post ? "POST" : "GET", std::move(target), body);
    if (!is_gettoken) limiter.Release();
    {
      std::lock_guard lock(stats_mu);
      stats.connections_opened = http->stats().connections_opened;
    }
    auto outcome = Interpret(ep, std::move(res));
    if (outcome.ok()) {
      limiter.OnSuccess();
      std::lock_guard lock(stats_mu);
      stats.concurrency_limit = limiter.limit();
      stats.in_flight = limiter.in_flight();
      co_return outcome;
    }
    ApiError err = outcome.error();
    Clock::duration delay{};
    switch (err.klass) {
      case ErrorClass::kToken:
        if (token_retried) {
          if (err.errcode == 40001) {
            err.code = ErrorCode::kFatal;
            err.message = "WeCom refused the app: errcode 40001 on " + ep.name + " with a fresh token, " +
                          FatalAdvice(40001);
          }
          co_return err;
        }
        token_retried = true;
        InvalidateToken(access_token);
        log.Info("WeCom access token rejected, refreshing it",
                 {{"endpoint", ep.name}, {"errcode", std::to_string(err.errcode)}, {"hint", err.hint}});
        break;
      case ErrorClass::kConcurrency:
        limiter.OnOverload();
        if (++waits > options.retry.max_waits) co_return err;
        delay = Jitter(options.retry.concurrency_delay);
        log.Info("WeCom concurrency limit (45033), lowering concurrency",
                 {{"endpoint", ep.name}, {"limit", std::to_string(limiter.limit())}, {"delay_ms", std::to_string(Ms(delay))}});
        break;
      case ErrorClass::kFrequency:
        if (++waits > options.retry.max_waits) co_return err;
        rate.Block(ep.name, options.block_seconds);
        log.Warning("WeCom frequency limit (45009), pausing the endpoint",
                    {{"endpoint", ep.name}, {"seconds", std::to_string(options.block_seconds.count())}, {"hint", err.hint}});
        break;
      case ErrorClass::kTransient:
        if (++failures >= options.retry.max_attempts) {
          err.message += " (gave up after " + std::to_string(failures) + " attempts)";
          co_return err;
        }
        delay = Backoff(failures);
        log.Warning("WeCom call failed, will retry",
                    {{"endpoint", ep.name}, {"error", err.message}, {"attempt", std::to_string(failures)},
                     {"delay_ms", std::to_string(Ms(delay))}});
        break;
      default:
        if (err.klass == ErrorClass::kFatal) log.Error(err.message, {{"endpoint", ep.name}, {"hint", err.hint}});
        co_return err;
    }
    {
      std::lock_guard lock(stats_mu);
      ++StatsFor(ep.name).retries;
      stats.concurrency_limit = limiter.limit();
    }
    if (delay.count() > 0 && !co_await sleeper.SleepFor(delay)) co_return Cancelled(ep);
  }
}

awaitable<ApiResult<std::string>> WecomClient::Impl::Token() {
  for (;;) {
    if (stop_requested) co_return Cancelled(GetTokenEndpoint());
    if (!token.empty() && Clock::now() < token_refresh_at) co_return token;
    if (fetching) {  // single flight: wait for the fetch in progress
      std::uint64_t generation = fetch_generation;
      asio::steady_timer wake(io);
      wake.expires_at(Clock::time_point::max());
      token_waiters.push_back(&wake);
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (fetch_generation != generation && last_fetch_error) co_return *last_fetch_error;
      continue;
    }
    fetching = true;
    std::string query = "corpid=" + UrlEscape(options.corpid) + "&corpsecret=" + UrlEscape(options.secret);
    auto res = co_await Invoke(GetTokenEndpoint(), std::move(query), "");
    ApiResult<TokenInfo> info = res ? DecodeToken(*res) : ApiResult<TokenInfo>(res.error());
    fetching = false;
    ++fetch_generation;
    if (info) {
      token = info->access_token;
      auto ttl = std::chrono::seconds(info->expires_in);
      auto margin = std::chrono::duration_cast<std::chrono::seconds>(options.token_margin);
      token_refresh_at = Clock::now() + std::max(ttl - margin, ttl / 2);
      last_fetch_error.reset();
      std::lock_guard lock(stats_mu);
      ++stats.token_fetches;
    } else {
      last_fetch_error = info.error();
    }
    for (auto* w : token_waiters) w->cancel();
    token_waiters.clear();
    if (!info) co_return info.error();
    co_return token;
  }
}

void WecomClient::Impl::InvalidateToken(const std::string& rejected) {
  // Several calls may be rejected with the same token; only the first forces a refresh.
  if (token == rejected) token.clear();
}

void WecomClient::Impl::Stop() {
  stop_requested = true;
  sleeper.Stop();
  limiter.Stop();
  for (auto* w : token_waiters) w->cancel();
  token_waiters.clear();
}

Result<std::unique_ptr<WecomClient>> WecomClient::Create(asio::io_context& io, Options options, Logger& log) {
  if (options.corpid.empty()) return Error{ErrorCode::kInvalidInput, "wecom.corpid is empty"};
  if (options.secret.empty()) return Error{ErrorCode::kInvalidInput, "the WeCom secret is empty"};
  log.Redact(options.secret);
  if (UrlEscape(options.secret) != options.secret) log.Redact(UrlEscape(options.secret));
  std::string base = options.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 8 && base.compare(base.size() - 8, 8, "/cgi-bin") == 0) base.resize(base.size() - 8);
  net::HttpOptions http_options;
  http_options.base_url = base;
  http_options.ca_file = options.ca_file;
  http_options.timeout = options.timeout;
  http_options.max_body_bytes = options.max_body_bytes;
  http_options.max_idle_connections = static_cast<std::size_t>(std::max(options.max_in_flight, 1)) + 2;
  auto http = net::HttpClient::Create(io, http_options);
  if (!http) return http.error();
  auto impl = std::make_unique<Impl>(io, std::move(options), log, std::move(*http));
  return std::unique_ptr<WecomClient>(new WecomClient(std::move(impl)));
}

WecomClient::WecomClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WecomClient::~WecomClient() = default;

WecomClient::Call<std::string> WecomClient::AccessToken() { return impl_->Token(); }

void WecomClient::RequestStop() {
  impl_->stop_requested = true;
  asio::post(impl_->io, [impl = impl_.get()] { impl->Stop(); });
}

bool WecomClient::stopping() const { return impl_->stop_requested; }

ClientStats WecomClient::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace segsync::wecom

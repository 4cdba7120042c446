// HttpServer request routes: the callback listener's POST with its own body cap, while plain
// routes (the metrics listener) stay GET/HEAD only with their small cap.
#include "service/http_server.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "fake_wecom_client.h"

namespace segsync {

TEST_CASE("http server - a request route sees method query and body with its own body cap") {
  boost::asio::io_context io;
  Logger log(std::tmpfile());
  std::string seen;
  HttpRequestRoutes routes{{"/cb", {[&](const HttpRequestView& r) {
                                      seen = std::string(r.method) + " " + std::string(r.target) + " " +
                                             std::to_string(r.body.size());
                                      return HttpResponse{200, "text/plain", "success"};
                                    },
                                    4096}}};
  HttpRoutes plain{{"/metrics", [] { return HttpResponse{200, "text/plain", "m 1\n"}; }}};
  auto server = HttpServer::Start(io, "127.0.0.1:0", plain, HttpServerOptions{}, log, routes);
  REQUIRE(server.ok());
  int port = (*server)->port();
  auto guard = boost::asio::make_work_guard(io);
  std::thread t([&] { io.run(); });

  auto a = testing::Http(port, "POST", "/cb?msg_signature=x&nonce=1", std::string(3000, 'b'));
  CHECK(a.status == 200);
  CHECK(a.body == "success");
  CHECK(seen == "POST /cb?msg_signature=x&nonce=1 3000");
  CHECK(testing::Http(port, "GET", "/cb?echostr=e").status == 200);
  CHECK(seen == "GET /cb?echostr=e 0");
  // Over the route's cap: 413, the handler never runs.
  seen.clear();
  CHECK(testing::Http(port, "POST", "/cb", std::string(5000, 'b')).status == 413);
  CHECK(seen.empty());
  // The plain route keeps GET only and the default 1 KiB cap.
  CHECK(testing::Http(port, "GET", "/metrics").body == "m 1\n");
  CHECK(testing::Http(port, "POST", "/metrics", "x").status == 405);
  CHECK(testing::Http(port, "POST", "/metrics", std::string(3000, 'b')).status == 413);
  CHECK(testing::Http(port, "POST", "/nowhere", "x").status == 405);

  boost::asio::post(io, [&] { (*server)->Stop(); });
  guard.reset();
  t.join();
}

}  // namespace segsync

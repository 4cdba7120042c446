#include "fake_wecom_client.h"

#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace segsync::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

HttpAnswer Http(int port, const std::string& method, const std::string& target, const std::string& body) {
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  s.expires_after(std::chrono::seconds(60));
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::string_body> req(method == "GET" ? http::verb::get : http::verb::post, target, 11);
  req.set(http::field::host, "127.0.0.1");
  if (method != "GET") req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(512 * 1024 * 1024);  // /admin/state of a generated corp is large
  http::read(s, buf, parser);
  beast::error_code ec;
  s.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {parser.get().result_int(), std::string(parser.get()[http::field::content_type]),
          parser.get().body()};
}

json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << text.substr(0, 300));
  REQUIRE_MESSAGE(v.is_object(), "not an object: " << text.substr(0, 300));
  return v.get_object();
}

Fake::Fake(const std::vector<std::string>& args) {
  std::vector<std::string> argv{FAKE_WECOM_BIN, "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<ChildProcess>(argv);
  std::string line = process_->ReadLine(20000);
  REQUIRE_MESSAGE(!line.empty(), "fake-wecom did not print its port: " << ReadFile(process_->stderr_path()));
  port_ = std::stoi(line);
}

json::object Fake::Admin(const std::string& path, const json::object& body) {
  HttpAnswer a = Http(port_, "POST", "/admin/" + path, json::serialize(body));
  json::object o = ParseObject(a.body);
  REQUIRE_MESSAGE((o.contains("ok") && o.at("ok").as_bool()), "admin " << path << ": " << a.body);
  return o;
}

json::object Fake::State() { return ParseObject(Http(port_, "GET", "/admin/state").body); }
json::object Fake::Stats() { return ParseObject(Http(port_, "GET", "/admin/stats").body); }

int64_t Fake::Calls(const json::object& stats, const std::string& endpoint) {
  const json::object& calls = stats.at("calls").as_object();
  auto it = calls.find(endpoint);
  return it == calls.end() ? 0 : it->value().to_number<int64_t>();
}

int64_t Fake::Mutations(const json::object& stats) {
  return Calls(stats, "mark_tag") + Calls(stats, "add_corp_tag") + Calls(stats, "edit_corp_tag") +
         Calls(stats, "del_corp_tag");
}

}  // namespace segsync::testing

// crm.export as an https:// URL: downloaded with verified TLS and a bearer token, then read
// like a file (tests the real segsync binary against a local TLS server with a test CA).
#include <sys/stat.h>

#include <filesystem>

#include <doctest/doctest.h>

#include "../net/local_server.h"
#include "test_support.h"

namespace segsync::testing {
namespace {

const char* kCsv =
    "ContactID,FirstName,LastName,Email,Mobile,WeChatUnionId,Status,ExamsPassed,PERMonths,"
    "EthicsModule,LastExamDate,SubscriptionPaidUntil,MemberSince,Country,Region,City,Employer,"
    "PreferredLanguage,SourceChannel,RegisteredAt,Interests\n"
    "C1,A,B,a@x,13800000001,oU1,Affiliate,13,40,Y,2026-01-01,,,China,East China,Shanghai,KPMG,zh,"
    "event_qr,2026-01-01 10:00:00,\n"
    "C2,A,B,a@x,13800000002,oU2,Member,13,40,Y,2026-01-01,2026-12-20,,China,North China,Beijing,"
    "X,en,oa_menu,2026-01-01 10:00:00,\n";

struct Fixture {
  TempDir dir;
  TestCerts certs = MakeTestCerts(dir, "DNS:localhost");
  std::string seen_auth;
  LocalServer server{[this](const ServerRequest& r) {
                       seen_auth = r.authorization;
                       ServerReply reply;
                       if (r.authorization != "Bearer t0ken") {
                         reply.status = 401;
                         reply.body = "no";
                       } else {
                         reply.body = kCsv;
                       }
                       return reply;
                     },
                     certs};

  std::string Config(bool with_ca) {
    WriteFile(dir / "token", "t0ken\n");
    chmod((dir / "token").c_str(), 0600);
    std::string cfg = "crm:\n  export: https://localhost:" + std::to_string(server.port()) +
                      "/exports/affiliates.csv\n  token_file: token\n"
                      "mapping: " SEGSYNC_SOURCE_DIR "/mapping/affiliates.yaml\n"
                      "rules: " SEGSYNC_SOURCE_DIR "/rules/\n"
                      "timezone: Asia/Shanghai\nledger: state/ledger.db\n"
                      "wecom:\n  corpid: wwtest\n";
    if (with_ca) cfg += "  ca_file: " + certs.ca_pem + "\n";
    WriteFile(dir / "segsync.yaml", cfg);
    std::filesystem::create_directories(dir / "state");
    return dir / "segsync.yaml";
  }
};

TEST_CASE("an https export is fetched with the bearer token and TLS verified by the private CA") {
  Fixture f;
  std::string cfg = f.Config(true);
  RunResult r = RunSegsync({"segments", "--config", cfg, "--as-of", "2026-12-01", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(f.seen_auth == "Bearer t0ken");
  CHECK(r.out.find("\"rows\":2,") != std::string::npos);
  CHECK(r.out.find("{\"id\":\"ready_to_convert\",\"group\":\"会籍阶段\",\"tag\":\"待转会员\",\"size\":1}") !=
        std::string::npos);
  // The download is private and the token never shows.
  struct stat st {};
  REQUIRE(stat((f.dir / "state/export-download.csv").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(r.err.find("t0ken") == std::string::npos);
}

TEST_CASE("an https export from a server the system CAs do not trust is refused, clearly") {
  Fixture f;
  std::string cfg = f.Config(false);
  RunResult r = RunSegsync({"segments", "--config", cfg});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("certificate") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("a refused download names the HTTP status and leaves no partial file") {
  Fixture f;
  std::string cfg = f.Config(true);
  WriteFile(f.dir / "token", "wrong\n");
  chmod((f.dir / "token").c_str(), 0600);
  RunResult r = RunSegsync({"segments", "--config", cfg});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("401") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.dir / "state/export-download.csv.part"));
}

}  // namespace
}  // namespace segsync::testing

#include "config/config.h"

#include <sys/stat.h>

#include <cstdlib>

#include <date/tz.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "test_support.h"

namespace segsync {

namespace {

const char* kMinimal =
    "crm:\n"
    "  export: inbox/affiliates.csv\n"
    "mapping: ../mapping/affiliates.yaml\n"
    "rules: ../rules/\n"
    "wecom:\n"
    "  corpid: ww1\n";

// The first error of parsing `text` as /etc/x/segsync.yaml, formatted without source lines.
std::string FirstError(const std::string& text) {
  DiagSink sink;
  auto c = ParseConfig("/etc/x/segsync.yaml", text, sink);
  CHECK_FALSE(c.has_value());
  for (const auto& d : sink.diagnostics()) {
    if (d.severity != Severity::kError) continue;
    std::string out = fmt::format("{}:{}:{}: error: {}\n", d.pos.file, d.pos.line, d.pos.col, d.message);
    if (!d.hint.empty()) out += "    " + d.hint + "\n";
    return out;
  }
  return "no error";
}

}  // namespace

TEST_CASE("a minimal config gets every default and paths relative to the file") {
  DiagSink sink;
  auto c = ParseConfig("/etc/x/segsync.yaml", kMinimal, sink);
  REQUIRE(c.has_value());
  CHECK(sink.error_count() == 0);
  CHECK(c->crm.export_source == "/etc/x/inbox/affiliates.csv");
  CHECK(c->crm.format == ExportFormat::kAuto);
  CHECK(c->mapping_path == "/etc/mapping/affiliates.yaml");
  CHECK(c->rules_path == "/etc/rules/");
  CHECK(c->timezone == "Asia/Shanghai");
  REQUIRE(c->tz != nullptr);
  CHECK(c->tz->name() == "Asia/Shanghai");
  CHECK(c->wecom.base_url == "https://qyapi.weixin.qq.com");
  CHECK(c->wecom.tag_relations == TagRelations::kAll);
  CHECK(c->wecom.max_in_flight == 5);
  CHECK(c->wecom.rate.For("mark_tag") == 600);
  CHECK(c->wecom.block_seconds == 60);
  CHECK(c->wecom.tag_limit == 3000);
  CHECK(c->ledger_path == "/var/lib/segsync/ledger.db");
  CHECK(c->schedule.every_seconds == 6 * 3600);
  CHECK(c->guard.max_removals == 1000);
  CHECK(c->guard.max_removal_ratio == doctest::Approx(0.05));
  CHECK(c->guard.max_export_shrink_ratio == doctest::Approx(0.2));
  CHECK(c->metrics.listen == "127.0.0.1:9464");
  CHECK_FALSE(c->kpi_conversion.has_value());
  CHECK_FALSE(c->callback.enabled());
}

TEST_CASE("every key of spec §2 is read") {
  std::string text =
      "crm:\n"
      "  export: https://crm.example.org/export.jsonl\n"
      "  format: jsonl\n"
      "  token_env: CRM_TOKEN\n"
      "mapping: m.yaml\n"
      "rules: r.yaml\n"
      "timezone: Europe/London\n"
      "wecom:\n"
      "  corpid: ww0123\n"
      "  secret_file: secret\n"
      "  base_url: http://127.0.0.1:9000/\n"
      "  ca_file: /etc/ssl/ca.pem\n"
      "  tag_relations: first_added\n"
      "  max_in_flight: 3\n"
      "  rate_per_minute: {default: 500, mark_tag: 1200}\n"
      "  timeout_ms: 5000\n"
      "  block_seconds: 90\n"
      "  tag_limit: 100\n"
      "ledger: state/ledger.db\n"
      "schedule:\n"
      "  cron: \"0 2 * * mon-fri\"\n"
      "guard: {max_removals: 5, max_removal_ratio: 0.5, max_export_shrink_ratio: 0.1, "
      "max_invitations: 7}\n"
      "metrics: {listen: \"0.0.0.0:9999\"}\n"
      "kpi:\n"
      "  conversion: {field: status, from: [Affiliate, Student], to: [Member]}\n"
      "callback:\n"
      "  listen: 127.0.0.1:8088\n"
      "  path: /cb\n"
      "  token_file: tok\n"
      "  encoding_aes_key_file: /run/aes\n";
  DiagSink sink;
  auto c = ParseConfig("d/segsync.yaml", text, sink);
  INFO(sink.FormatAll());
  REQUIRE(c.has_value());
  CHECK(c->crm.export_source == "https://crm.example.org/export.jsonl");
  CHECK(c->crm.format == ExportFormat::kJsonl);
  CHECK(c->crm.token_env == "CRM_TOKEN");
  CHECK(c->mapping_path == "d/m.yaml");
  CHECK(c->tz->name() == "Europe/London");
  CHECK(c->wecom.corpid == "ww0123");
  CHECK(c->wecom.secret_file == "d/secret");
  CHECK(c->wecom.base_url == "http://127.0.0.1:9000");
  CHECK(c->wecom.ca_file == "/etc/ssl/ca.pem");
  CHECK(c->wecom.tag_relations == TagRelations::kFirstAdded);
  CHECK(c->wecom.max_in_flight == 3);
  CHECK(c->wecom.rate.For("mark_tag") == 1200);
  CHECK(c->wecom.rate.For("get") == 500);
  CHECK(c->wecom.timeout_ms == 5000);
  CHECK(c->wecom.block_seconds == 90);
  CHECK(c->wecom.tag_limit == 100);
  CHECK(c->ledger_path == "d/state/ledger.db");
  CHECK(c->schedule.cron == "0 2 * * mon-fri");
  CHECK(c->schedule.every_seconds == 0);
  CHECK(c->schedule.cron_pos.line == 21);
  CHECK(c->guard.max_removals == 5);
  CHECK(c->guard.max_removal_ratio == doctest::Approx(0.5));
  CHECK(c->guard.max_export_shrink_ratio == doctest::Approx(0.1));
  CHECK(c->guard.max_invitations == 7);
  CHECK(c->metrics.listen == "0.0.0.0:9999");
  REQUIRE(c->kpi_conversion.has_value());
  CHECK(c->kpi_conversion->from == std::vector<std::string>{"Affiliate", "Student"});
  CHECK(c->kpi_conversion->to == std::vector<std::string>{"Member"});
  CHECK(c->callback.enabled());
  CHECK(c->callback.path == "/cb");
  CHECK(c->callback.token_file == "d/tok");
  CHECK(c->callback.encoding_aes_key_file == "/run/aes");
}

TEST_CASE("config errors carry FILE:LINE:COL and a hint") {
  const std::string f = "/etc/x/segsync.yaml:";
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string base = kMinimal;
  Case cases[] = {
      {base + "timezon: Asia/Shanghai\n",
       f + "7:1: error: unknown key 'timezon'\n    did you mean 'timezone'?\n"},
      {base + "  max_in_flite: 3\n",
       f + "7:3: error: unknown key 'max_in_flite' in 'wecom'\n    did you mean 'max_in_flight'?\n"},
      {base + "timezone: Asia/Shanghia\n",
       f + "7:11: error: unknown time zone 'Asia/Shanghia' (an IANA name such as Asia/Shanghai)\n"},
      {base + "  tag_relations: latets\n",
       f + "7:18: error: unknown tag_relations 'latets' (all, first_added or latest)\n"
           "    did you mean 'latest'?\n"},
      {base + "  max_in_flight: many\n", f + "7:18: error: 'wecom.max_in_flight' must be an integer, got 'many'\n"},
      {base + "  max_in_flight: 0\n", f + "7:18: error: 'wecom.max_in_flight' must be between 1 and 64, got 0\n"},
      {base + "schedule: {every: 6x}\n",
       f + "7:19: error: schedule.every must be a number with a unit s, m, h or d (e.g. 6h), got '6x'\n"},
      {base + "schedule: {every: 6h, cron: \"0 2 * * *\"}\n",
       f + "7:29: error: schedule takes either 'every' or 'cron', not both\n"},
      {base + "schedule: {cron: \"0 2 * *\"}\n",
       f + "7:18: error: schedule.cron: a cron line has 5 fields (minute hour day-of-month month "
           "day-of-week), got 4\n"},
      {base + "schedule: {cron: \"0 25 * * *\"}\n",
       f + "7:18: error: schedule.cron: '25' is out of range for the hour field (0-23)\n"},
      {base + "guard: {max_removal_ratio: 1.5}\n",
       f + "7:28: error: 'guard.max_removal_ratio' must be between 0 and 1, got 1.5\n"},
      {base + "metrics: {listen: localhost}\n",
       f + "7:19: error: 'metrics.listen' must be HOST:PORT (PORT 0 to 65535), got 'localhost'\n"},
      {base + "  secret: abc\n",
       f + "7:11: error: the secret must not be written in the config file\n"
           "    put it in a file named by wecom.secret_file (chmod 600), or in env SEGSYNC_WECOM_SECRET\n"},
      {"crm: {export: a.csv, format: csvv}\nmapping: m\nrules: r\n",
       f + "1:30: error: unknown export format 'csvv' (csv or jsonl)\n    did you mean 'csv'?\n"},
      {"crm: {export: ftp://x/a.csv}\nmapping: m\nrules: r\n",
       f + "1:15: error: an export URL must start with https://\n"},
      {"crm: {export: a.csv}\nrules: r\n", f + "1:1: error: missing required key 'mapping'\n"},
      {"mapping: m\nrules: r\n",
       f + "1:1: error: missing required section 'crm' (with 'export:')\n"},
      {base + "kpi: {conversion: {field: status, from: [A]}}\n",
       f + "7:19: error: kpi.conversion needs 'to:' (a list of values)\n"},
      {base + "callback: {listen: 127.0.0.1:8088}\n",
       f + "7:11: error: callback needs 'token_file:' when 'listen:' is set\n"},
      {"crm: [a\n", f + "2:1: error: YAML syntax: end of sequence flow not found\n"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(FirstError(c.text) == c.expected);
  }
}

TEST_CASE("validate sees every problem of the file - not only the first") {
  DiagSink sink;
  auto c = ParseConfig("s.yaml", std::string(kMinimal) + "  tag_limit: x\ntimezone: Mars/Base\nleger: l\n", sink);
  CHECK_FALSE(c.has_value());
  CHECK(sink.error_count() == 3);
}

TEST_CASE("an unknown rate endpoint is a warning with a hint") {
  DiagSink sink;
  auto c = ParseConfig("s.yaml", std::string(kMinimal) + "  rate_per_minute: {mark_tags: 5}\n", sink);
  REQUIRE(c.has_value());
  REQUIRE(sink.warning_count() == 1);
  CHECK(sink.diagnostics()[0].hint == "did you mean 'mark_tag'?");
  CHECK(c->wecom.rate.For("mark_tags") == 5);
}

TEST_CASE("durations and cron lines") {
  CHECK(ParseDuration("90s") == 90);
  CHECK(ParseDuration("15m") == 900);
  CHECK(ParseDuration("6h") == 21600);
  CHECK(ParseDuration("1d") == 86400);
  CHECK_FALSE(ParseDuration("0h").has_value());
  CHECK_FALSE(ParseDuration("h").has_value());
  CHECK_FALSE(ParseDuration("1.5h").has_value());
  CHECK(CheckCron("*/15 0-6,22,23 1 jan-mar sun").empty());
  CHECK(CheckCron("0 2 * * 8") == "'8' is out of range for the day of week field (0-7)");
  CHECK(CheckCron("0 2 * * */0") == "bad step '0' in the day of week field");
  CHECK(CheckCron("5-1 * * * *") == "range '5-1' runs backwards in the minute field");
}

TEST_CASE("LoadConfig reads a file and reports a missing one") {
  testing::TempDir dir;
  testing::WriteFile(dir / "segsync.yaml", kMinimal);
  DiagSink sink;
  auto c = LoadConfig(dir / "segsync.yaml", sink);
  REQUIRE(c.has_value());
  CHECK(c->crm.export_source == dir / "inbox/affiliates.csv");
  CHECK(c->dir == dir.path());
  DiagSink missing;
  CHECK_FALSE(LoadConfig(dir / "nope.yaml", missing).has_value());
  CHECK(missing.FormatAll() == dir / "nope.yaml: error: cannot read file (does it exist?)\n");
}

TEST_CASE("the config is found: explicit - then ./segsync.yaml - then /etc") {
  testing::TempDir dir;
  std::vector<std::string> candidates{dir / "segsync.yaml", dir / "etc.yaml"};
  CHECK(FindConfigPath("given.yaml", candidates) == "given.yaml");
  CHECK(FindConfigPath("", candidates) == dir / "segsync.yaml");  // none exists: names the first
  testing::WriteFile(dir / "etc.yaml", "x");
  CHECK(FindConfigPath("", candidates) == dir / "etc.yaml");
  testing::WriteFile(dir / "segsync.yaml", "x");
  CHECK(FindConfigPath("", candidates) == dir / "segsync.yaml");
}

TEST_CASE("the secret comes from a private file - never a readable one") {
  testing::TempDir dir;
  Config c;
  c.wecom.secret_file = dir / "secret";
  testing::WriteFile(c.wecom.secret_file, "  s3cr3t-value\n");
  ::chmod(c.wecom.secret_file.c_str(), 0644);
  auto r = ReadSecret(c);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kFatal);
  CHECK(r.error().message == "refusing credential file " + c.wecom.secret_file +
                                 ": it is readable by group or others; run: chmod 600 " +
                                 c.wecom.secret_file);
  CHECK(r.error().message.find("s3cr3t") == std::string::npos);
  ::chmod(c.wecom.secret_file.c_str(), 0640);
  CHECK_FALSE(ReadSecret(c).ok());
  ::chmod(c.wecom.secret_file.c_str(), 0600);
  auto ok = ReadSecret(c);
  REQUIRE(ok.ok());
  CHECK(*ok == "s3cr3t-value");
}

TEST_CASE("without a secret file: env - then CREDENTIALS_DIRECTORY") {
  testing::TempDir dir;
  Config c;
  ::unsetenv("SEGSYNC_WECOM_SECRET");
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto none = ReadSecret(c);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("no WeCom secret") == 0);
  testing::WriteFile(dir / "wecom-secret", "from-creds\n");
  ::chmod((dir / "wecom-secret").c_str(), 0400);
  CHECK(*ReadSecret(c) == "from-creds");
  ::setenv("SEGSYNC_WECOM_SECRET", "from-env", 1);
  CHECK(*ReadSecret(c) == "from-env");
  ::unsetenv("SEGSYNC_WECOM_SECRET");
  ::unsetenv("CREDENTIALS_DIRECTORY");
}

}  // namespace segsync

namespace segsync {

TEST_CASE("the https export token: a private file - else the named env variable") {
  testing::TempDir dir;
  CrmConfig crm;
  CHECK(*ReadExportToken(crm) == "");
  crm.token_env = "SEGSYNC_TEST_CRM_TOKEN";
  ::unsetenv("SEGSYNC_TEST_CRM_TOKEN");
  auto unset = ReadExportToken(crm);
  REQUIRE_FALSE(unset.ok());
  CHECK(unset.error().message == "crm.token_env names SEGSYNC_TEST_CRM_TOKEN, but that variable is not set");
  ::setenv("SEGSYNC_TEST_CRM_TOKEN", "tok-env", 1);
  CHECK(*ReadExportToken(crm) == "tok-env");
  crm.token_file = dir / "token";
  testing::WriteFile(crm.token_file, "tok-file\n");
  ::chmod(crm.token_file.c_str(), 0604);
  CHECK_FALSE(ReadExportToken(crm).ok());
  ::chmod(crm.token_file.c_str(), 0600);
  CHECK(*ReadExportToken(crm) == "tok-file");
  ::unsetenv("SEGSYNC_TEST_CRM_TOKEN");
}

TEST_CASE("the example config loads cleanly") {
  DiagSink sink;
  auto c = LoadConfig(std::string(SEGSYNC_SOURCE_DIR) + "/examples/segsync.yaml", sink);
  INFO(sink.FormatAll());
  REQUIRE(c.has_value());
  CHECK(sink.diagnostics().empty());
  CHECK(c->mapping_path == std::string(SEGSYNC_SOURCE_DIR) + "/mapping/affiliates.yaml");
  CHECK(c->crm.export_source == std::string(SEGSYNC_SOURCE_DIR) + "/examples/inbox/affiliates.csv");
  CHECK(c->wecom.rate.For("mark_tag") == 1200);
  CHECK(c->kpi_conversion->to == std::vector<std::string>{"Member"});
}

}  // namespace segsync

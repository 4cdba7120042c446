// The main configuration file, segsync.yaml (spec §2), loaded into one plain struct.
//
// LoadConfig reports every problem of the file into a DiagSink (FILE:LINE:COL, unknown keys
// with a did-you-mean hint) and returns the Config only when there was no error. Relative
// paths inside the file are resolved against the file's directory; an https:// export URL
// is kept as it is. The WeCom secret is never part of a Config: ReadSecret fetches it when
// a command needs it, so that printing or logging a Config cannot leak it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/error.h"

namespace date {
class time_zone;
}

namespace segsync {

enum class ExportFormat { kAuto, kCsv, kJsonl };

// Which (member, customer) relationships of a matched customer get tags.
enum class TagRelations { kAll, kFirstAdded, kLatest };

struct CrmConfig {
  std::string export_source;  // required: a file, a glob (newest wins) or an https:// URL;
                              // files and globs are resolved against the config's directory
  ExportFormat format = ExportFormat::kAuto;  // default: from the file extension (.jsonl/.ndjson)
  std::string token_file;  // default none: file holding a bearer token for an https export
  std::string token_env;   // default none: name of an env variable holding that token
  SourcePos export_pos;    // where `crm.export` is written, for later messages
};

struct RateLimits {
  int per_minute = 600;                   // `rate_per_minute` or its `default:` key
  std::map<std::string, int> endpoints;   // default empty: per-endpoint overrides (mark_tag: 1200)
  // The limit for `endpoint`: its override, else per_minute.
  int For(const std::string& endpoint) const;
};

struct WecomConfig {
  std::string corpid;       // default empty (plan and sync refuse to run without it)
  std::string secret_file;  // default empty: then env SEGSYNC_WECOM_SECRET, then
                            // $CREDENTIALS_DIRECTORY/wecom-secret (see ReadSecret)
  std::string base_url = "https://qyapi.weixin.qq.com";  // no trailing slash
  std::string ca_file;                                   // default empty: the system CA store
  TagRelations tag_relations = TagRelations::kAll;       // all | first_added | latest
  int max_in_flight = 5;                                 // concurrent calls, 1..64
  RateLimits rate;                                       // calls per minute per endpoint
  int timeout_ms = 10000;                                // per HTTP call, 100..300000
  int block_seconds = 60;  // pause of an endpoint after errcode 45009, 1..3600
  int tag_limit = 3000;    // WeCom's corp tag limit; plans beyond it are refused
  // Mass messages one customer may receive per calendar month (wecom-api.md §7; version-
  // dependent, an admin can change it). `validate` warns about campaign touches past it.
  int receive_quota_per_month = 4;  // 1..31
};

struct ScheduleConfig {
  std::string every = "6h";          // as written (units s m h d); empty when `cron` is used
  int64_t every_seconds = 6 * 3600;  // `every` in seconds; 0 when `cron` is used
  std::string cron;                  // default empty: a 5-field cron line, in `timezone`
  SourcePos every_pos, cron_pos;     // where they are written (for service::Schedule)
};

struct GuardConfig {
  int64_t max_removals = 1000;            // block a run removing more tags than this
  double max_removal_ratio = 0.05;        // ... or more than this share of managed tags
  double max_export_shrink_ratio = 0.2;   // block when the export shrank more than this
  int64_t max_invitations = 1000;         // block a run sending more group invitations
};

struct MetricsConfig {
  std::string listen = "127.0.0.1:9464";  // HOST:PORT of /metrics, /healthz, /
};

struct KpiConversion {
  std::string field = "status";   // the profile field whose change is a conversion
  std::vector<std::string> from;  // values before, e.g. [Affiliate]
  std::vector<std::string> to;    // values after, e.g. [Member]
};

struct CallbackConfig {
  std::string listen;                 // default empty: no callback listener
  std::string path = "/wecom/callback";
  std::string token_file;             // the console's Token (required with `listen`)
  std::string encoding_aes_key_file;  // the 43-character EncodingAESKey (required with `listen`)
  bool enabled() const { return !listen.empty(); }
};

struct Config {
  std::string path;  // the config file itself
  std::string dir;   // its directory: relative paths inside were resolved against it
  CrmConfig crm;
  std::string mapping_path;  // required: the mapping YAML file
  std::string rules_path;    // required: a directory of *.yaml rule files, or one file
  std::string timezone = "Asia/Shanghai";  // evaluation zone for dates and "as of"
  const date::time_zone* tz = nullptr;     // `timezone` looked up (never null after a load)
  WecomConfig wecom;
  std::string ledger_path = "/var/lib/segsync/ledger.db";
  ScheduleConfig schedule;
  GuardConfig guard;
  MetricsConfig metrics;
  std::optional<KpiConversion> kpi_conversion;  // default none: no conversion KPI
  CallbackConfig callback;
};

// Loads and checks `path`. Returns nullopt when the file has any error; all problems
// (errors and warnings) are in `sink`.
std::optional<Config> LoadConfig(const std::string& path, DiagSink& sink);

// Same, from text: `path` is only used for messages and to resolve relative paths.
std::optional<Config> ParseConfig(const std::string& path, const std::string& text,
                                  DiagSink& sink);

// The config file to use: `explicit_path` if given (even when it does not exist, so that
// the error names it), else ./segsync.yaml if it exists, else /etc/segsync/segsync.yaml.
std::string FindConfigPath(const std::string& explicit_path);
// Same with the candidates given (tests).
std::string FindConfigPath(const std::string& explicit_path,
                           const std::vector<std::string>& candidates);

// The WeCom secret: from wecom.secret_file (refused when group- or world-readable), else
// env SEGSYNC_WECOM_SECRET, else $CREDENTIALS_DIRECTORY/wecom-secret. Surrounding
// whitespace is trimmed. Errors name the file, never the secret (ErrorCode::kFatal).
Result<std::string> ReadSecret(const Config& config);

// Reads a small credential file (callback token, AES key, export bearer token) with the
// same permission check as the secret; trailing whitespace is trimmed.
Result<std::string> ReadCredentialFile(const std::string& path);

// The bearer token for an https:// export: crm.token_file (same permission check), else
// the env variable named by crm.token_env. Empty when neither is configured.
Result<std::string> ReadExportToken(const CrmConfig& crm);

// "6h" -> 21600. Units s m h d; nullopt when malformed or not positive.
std::optional<int64_t> ParseDuration(std::string_view text);

// Checks a 5-field cron line (minute hour day-of-month month day-of-week: numbers, '*',
// ranges a-b, lists a,b, steps */n, names jan..dec, sun..sat). Empty string when valid,
// else the reason.
std::string CheckCron(std::string_view line);

const char* TagRelationsName(TagRelations r);
const char* ExportFormatName(ExportFormat f);

}  // namespace segsync

#include "config/config.h"

#include <date/tz.h>
#include <fmt/format.h>

#include "config/yaml_util.h"

namespace segsync {

namespace {

constexpr int64_t kMaxInt = int64_t{1} << 31;

// Known WeCom endpoint names for `rate_per_minute:` overrides (wecom-api.md); another
// name is only warned about, in case the client learns a new endpoint first.
const std::vector<std::string> kEndpoints = {
    "default", "gettoken", "get_corp_tag_list", "add_corp_tag", "edit_corp_tag",
    "del_corp_tag", "mark_tag", "get_follow_user_list", "list", "get", "batch_get_by_user",
    "groupchat_list", "groupchat_get", "add_join_way", "get_join_way", "add_contact_way",
    "add_msg_template"};

bool IsListenAddress(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
  int port = 0;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    port = port * 10 + (s[i] - '0');
    if (port > 65535) return false;
  }
  // Port 0 picks a free port (tests, the demo); the daemon logs the one it got.
  return port >= 0;
}

// Parses one section after another; each method reports into the file's sink.
class ConfigParser {
 public:
  ConfigParser(YamlFile& file, Config& config) : f_(file), c_(config) {}

  void Parse() {
    const YAML::Node& root = f_.root();
    if (!root.IsMap()) {
      f_.Error(root, "the config file must be a map of sections (crm:, mapping:, rules:, ...)");
      return;
    }
    f_.CheckKeys(root, {"crm", "mapping", "rules", "timezone", "wecom", "ledger", "schedule",
                        "guard", "metrics", "kpi", "callback"},
                 "");
    Crm(root["crm"], root);
    RequiredPath(root, "mapping", &c_.mapping_path);
    RequiredPath(root, "rules", &c_.rules_path);
    Timezone(root["timezone"]);
    if (root["wecom"]) Wecom(root["wecom"]);
    if (auto n = root["ledger"]) {
      if (f_.GetString(n, "ledger", &c_.ledger_path)) c_.ledger_path = Resolve(c_.ledger_path);
    }
    if (root["schedule"]) Schedule(root["schedule"]);
    if (root["guard"]) Guard(root["guard"]);
    if (auto m = root["metrics"]; m && f_.ExpectMap(m, "metrics")) {
      f_.CheckKeys(m, {"listen"}, "metrics");
      if (auto l = m["listen"]) Listen(l, "metrics.listen", &c_.metrics.listen);
    }
    if (root["kpi"]) Kpi(root["kpi"]);
    if (root["callback"]) Callback(root["callback"]);
    if (c_.wecom.corpid.empty())
      f_.sink().Warning({f_.path(), 0, 0}, "wecom.corpid is not set: plan and sync will not run");
  }

 private:
  std::string Resolve(const std::string& p) const { return ResolvePath(c_.dir, p); }

  void RequiredPath(const YAML::Node& map, const char* key, std::string* out) {
    YAML::Node n = map[key];
    if (!n) {
      f_.Error(map, fmt::format("missing required key '{}'", key));
      return;
    }
    if (f_.GetString(n, key, out)) {
      if (out->empty()) f_.Error(n, fmt::format("'{}' must not be empty", key));
      *out = Resolve(*out);
    }
  }

  void Int(const YAML::Node& map, const char* key, const std::string& what, int64_t min,
           int64_t max, int* out) {
    int64_t v = 0;
    if (auto n = map[key]; n && f_.GetInt(n, what, min, max, &v)) *out = static_cast<int>(v);
  }

  void Listen(const YAML::Node& n, const std::string& what, std::string* out) {
    std::string s;
    if (!f_.GetString(n, what, &s)) return;
    if (!IsListenAddress(s)) {
      f_.Error(n, fmt::format("'{}' must be HOST:PORT (PORT 0 to 65535), got '{}'", what, s));
      return;
    }
    *out = s;
  }

  void Crm(const YAML::Node& n, const YAML::Node& root) {
    if (!n) {
      f_.Error(root, "missing required section 'crm' (with 'export:')");
      return;
    }
    if (!f_.ExpectMap(n, "crm")) return;
    f_.CheckKeys(n, {"export", "format", "token_file", "token_env"}, "crm");
    RequiredPath(n, "export", &c_.crm.export_source);
    if (auto e = n["export"]) {
      c_.crm.export_pos = f_.Pos(e);
      std::string raw = e.IsScalar() ? e.Scalar() : std::string();
      if (raw.rfind("https://", 0) == 0) {
        c_.crm.export_source = raw;  // a URL is not a path: keep it as written
      } else if (raw.find("://") != std::string::npos) {
        f_.Error(e, "an export URL must start with https://");
      }
    }
    if (auto fmt_node = n["format"]) {
      std::string s;
      if (f_.GetString(fmt_node, "crm.format", &s)) {
        if (s == "csv") c_.crm.format = ExportFormat::kCsv;
        else if (s == "jsonl") c_.crm.format = ExportFormat::kJsonl;
        else
          f_.Error(fmt_node, fmt::format("unknown export format '{}' (csv or jsonl)", s),
                   DidYouMean(s, {"csv", "jsonl"}));
      }
    }
    if (auto t = n["token_file"]; t && f_.GetString(t, "crm.token_file", &c_.crm.token_file))
      c_.crm.token_file = Resolve(c_.crm.token_file);
    if (auto t = n["token_env"]) f_.GetString(t, "crm.token_env", &c_.crm.token_env);
    bool https = c_.crm.export_source.rfind("https://", 0) == 0;
    if (!https && (n["token_file"] || n["token_env"]))
      f_.Warning(n, "crm.token_file and crm.token_env are only used with an https:// export");
  }

  void Timezone(const YAML::Node& n) {
    if (n && !f_.GetString(n, "timezone", &c_.timezone)) return;
    try {
      c_.tz = date::locate_zone(c_.timezone);
    } catch (const std::exception&) {
      const YAML::Node& at = n ? n : f_.root();
      f_.Error(at, fmt::format("unknown time zone '{}' (an IANA name such as Asia/Shanghai)",
                               c_.timezone));
    }
  }

  void Wecom(const YAML::Node& n) {
    if (!f_.ExpectMap(n, "wecom")) return;
    f_.CheckKeys(n,
                 {"corpid", "secret_file", "base_url", "ca_file", "tag_relations",
                  "max_in_flight", "rate_per_minute", "timeout_ms", "block_seconds", "tag_limit",
                  "receive_quota_per_month", "secret"},
                 "wecom");
    WecomConfig& w = c_.wecom;
    if (auto s = n["secret"])
      f_.Error(s, "the secret must not be written in the config file",
               "put it in a file named by wecom.secret_file (chmod 600), or in env "
               "SEGSYNC_WECOM_SECRET");
    if (auto v = n["corpid"]) f_.GetString(v, "wecom.corpid", &w.corpid);
    if (auto v = n["secret_file"]; v && f_.GetString(v, "wecom.secret_file", &w.secret_file))
      w.secret_file = Resolve(w.secret_file);
    if (auto v = n["ca_file"]; v && f_.GetString(v, "wecom.ca_file", &w.ca_file))
      w.ca_file = Resolve(w.ca_file);
    if (auto v = n["base_url"]; v && f_.GetString(v, "wecom.base_url", &w.base_url)) {
      if (w.base_url.rfind("https://", 0) != 0 && w.base_url.rfind("http://", 0) != 0)
        f_.Error(v, fmt::format("wecom.base_url must start with https:// (or http:// for a "
                                "test server), got '{}'",
                                w.base_url));
      while (!w.base_url.empty() && w.base_url.back() == '/') w.base_url.pop_back();
    }
    if (auto v = n["tag_relations"]) {
      std::string s;
      if (f_.GetString(v, "wecom.tag_relations", &s)) {
        if (s == "all") w.tag_relations = TagRelations::kAll;
        else if (s == "first_added") w.tag_relations = TagRelations::kFirstAdded;
        else if (s == "latest") w.tag_relations = TagRelations::kLatest;
        else
          f_.Error(v, fmt::format("unknown tag_relations '{}' (all, first_added or latest)", s),
                   DidYouMean(s, {"all", "first_added", "latest"}));
      }
    }
    Int(n, "max_in_flight", "wecom.max_in_flight", 1, 64, &w.max_in_flight);
    Int(n, "timeout_ms", "wecom.timeout_ms", 100, 300000, &w.timeout_ms);
    Int(n, "block_seconds", "wecom.block_seconds", 1, 3600, &w.block_seconds);
    Int(n, "tag_limit", "wecom.tag_limit", 1, 100000, &w.tag_limit);
    Int(n, "receive_quota_per_month", "wecom.receive_quota_per_month", 1, 31, &w.receive_quota_per_month);
    if (auto r = n["rate_per_minute"]) Rate(r);
  }

  void Rate(const YAML::Node& r) {
    RateLimits& rate = c_.wecom.rate;
    if (!r.IsMap()) {
      int64_t v = 0;
      if (f_.GetInt(r, "wecom.rate_per_minute", 1, 100000, &v)) rate.per_minute = static_cast<int>(v);
      return;
    }
    for (auto it = r.begin(); it != r.end(); ++it) {
      std::string name = it->first.Scalar();
      int64_t v = 0;
      if (!f_.GetInt(it->second, "wecom.rate_per_minute." + name, 1, 100000, &v)) continue;
      bool known = false;
      for (const auto& e : kEndpoints) known = known || e == name;
      if (!known)
        f_.Warning(it->first, fmt::format("'{}' is not a WeCom endpoint segsync calls", name),
                   DidYouMean(name, kEndpoints));
      if (name == "default") rate.per_minute = static_cast<int>(v);
      else rate.endpoints[name] = static_cast<int>(v);
    }
  }

  void Schedule(const YAML::Node& n) {
    if (!f_.ExpectMap(n, "schedule")) return;
    f_.CheckKeys(n, {"every", "cron"}, "schedule");
    YAML::Node every = n["every"], cron = n["cron"];
    if (every && cron) {
      f_.Error(cron, "schedule takes either 'every' or 'cron', not both");
      return;
    }
    std::string s;
    if (every && f_.GetString(every, "schedule.every", &s)) {
      auto secs = ParseDuration(s);
      if (!secs)
        f_.Error(every, fmt::format("schedule.every must be a number with a unit s, m, h or d "
                                    "(e.g. 6h), got '{}'",
                                    s));
      else {
        c_.schedule.every = s;
        c_.schedule.every_seconds = *secs;
        c_.schedule.every_pos = f_.Pos(every);
      }
    }
    if (cron && f_.GetString(cron, "schedule.cron", &s)) {
      std::string why = CheckCron(s);
      if (!why.empty()) {
        f_.Error(cron, fmt::format("schedule.cron: {}", why));
      } else {
        c_.schedule.cron = s;
        c_.schedule.cron_pos = f_.Pos(cron);
        c_.schedule.every.clear();
        c_.schedule.every_seconds = 0;
      }
    }
  }

  void Guard(const YAML::Node& n) {
    if (!f_.ExpectMap(n, "guard")) return;
    f_.CheckKeys(n,
                 {"max_removals", "max_removal_ratio", "max_export_shrink_ratio",
                  "max_invitations"},
                 "guard");
    GuardConfig& g = c_.guard;
    if (auto v = n["max_removals"]) f_.GetInt(v, "guard.max_removals", 0, kMaxInt, &g.max_removals);
    if (auto v = n["max_invitations"])
      f_.GetInt(v, "guard.max_invitations", 0, kMaxInt, &g.max_invitations);
    if (auto v = n["max_removal_ratio"])
      f_.GetDouble(v, "guard.max_removal_ratio", 0, 1, &g.max_removal_ratio);
    if (auto v = n["max_export_shrink_ratio"])
      f_.GetDouble(v, "guard.max_export_shrink_ratio", 0, 1, &g.max_export_shrink_ratio);
  }

  void Kpi(const YAML::Node& n) {
    if (!f_.ExpectMap(n, "kpi")) return;
    f_.CheckKeys(n, {"conversion"}, "kpi");
    YAML::Node c = n["conversion"];
    if (!c || !f_.ExpectMap(c, "kpi.conversion")) return;
    f_.CheckKeys(c, {"field", "from", "to"}, "kpi.conversion");
    KpiConversion k;
    if (auto v = c["field"]) f_.GetString(v, "kpi.conversion.field", &k.field);
    for (const char* key : {"from", "to"}) {
      YAML::Node v = c[key];
      auto* out = std::string_view(key) == "from" ? &k.from : &k.to;
      if (!v) f_.Error(c, fmt::format("kpi.conversion needs '{}:' (a list of values)", key));
      else if (f_.GetStringList(v, fmt::format("kpi.conversion.{}", key), out) && out->empty())
        f_.Error(v, fmt::format("kpi.conversion.{} must not be empty", key));
    }
    c_.kpi_conversion = std::move(k);
  }

  void Callback(const YAML::Node& n) {
    if (!f_.ExpectMap(n, "callback")) return;
    f_.CheckKeys(n, {"listen", "path", "token_file", "encoding_aes_key_file"}, "callback");
    CallbackConfig& cb = c_.callback;
    if (auto v = n["listen"]) Listen(v, "callback.listen", &cb.listen);
    if (auto v = n["path"]; v && f_.GetString(v, "callback.path", &cb.path) &&
                            (cb.path.empty() || cb.path.front() != '/'))
      f_.Error(v, "callback.path must start with '/'");
    for (auto [key, out] : {std::pair{"token_file", &cb.token_file},
                            std::pair{"encoding_aes_key_file", &cb.encoding_aes_key_file}}) {
      if (auto v = n[key]) {
        if (f_.GetString(v, fmt::format("callback.{}", key), out)) *out = Resolve(*out);
      } else if (n["listen"]) {
        f_.Error(n, fmt::format("callback needs '{}:' when 'listen:' is set", key));
      }
    }
  }

  YamlFile& f_;
  Config& c_;
};

// Runs the parser over a loaded file; the Config only when this file added no error.
std::optional<Config> ParseLoaded(YamlFile& file, const std::string& path, DiagSink& sink,
                                  int errors_before) {
  Config config;
  config.path = path;
  config.dir = DirName(path);
  ConfigParser(file, config).Parse();
  if (sink.error_count() > errors_before) return std::nullopt;
  return config;
}

}  // namespace

int RateLimits::For(const std::string& endpoint) const {
  auto it = endpoints.find(endpoint);
  return it == endpoints.end() ? per_minute : it->second;
}

std::optional<Config> ParseConfig(const std::string& path, const std::string& text,
                                  DiagSink& sink) {
  int before = sink.error_count();
  YamlFile file(path, sink);
  if (!file.LoadString(text)) return std::nullopt;
  return ParseLoaded(file, path, sink, before);
}

std::optional<Config> LoadConfig(const std::string& path, DiagSink& sink) {
  int before = sink.error_count();
  YamlFile file(path, sink);
  if (!file.Load()) return std::nullopt;
  return ParseLoaded(file, path, sink, before);
}

const char* TagRelationsName(TagRelations r) {
  switch (r) {
    case TagRelations::kAll: return "all";
    case TagRelations::kFirstAdded: return "first_added";
    case TagRelations::kLatest: return "latest";
  }
  return "all";
}

const char* ExportFormatName(ExportFormat f) {
  switch (f) {
    case ExportFormat::kAuto: return "auto";
    case ExportFormat::kCsv: return "csv";
    case ExportFormat::kJsonl: return "jsonl";
  }
  return "auto";
}

}  // namespace segsync

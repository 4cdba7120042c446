#include "service/callback_sync.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "export/source.h"
#include "plan/plan.h"
#include "service/callback_plan.h"
#include "service/export_fetch.h"
#include "service/sync_internal.h"
#include "wecom/wecom_client.h"
#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;

namespace {

constexpr auto kLibraryTtl = std::chrono::minutes(10);
constexpr auto kExportTtl = std::chrono::minutes(60);  // date windows move with the clock
constexpr int kMaxFollowUserPages = 20;                // 500 follow users a page

// Runs one coroutine of the WeCom client to completion on `io` (this thread).
template <typename T>
T RunCall(asio::io_context& io, asio::awaitable<T> call) {
  std::optional<T> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(call)); },
                 asio::detached);
  io.restart();
  io.run();
  return std::move(*out);
}

// errcodes after which this relationship will never take the change (as sync_steps.cc).
bool PermanentForItem(int errcode) {
  return errcode == 84061 || errcode == 40096 || errcode == 40003 || errcode == 60111 || errcode == 60011;
}

std::string ReasonOf(const wecom::ApiError& e) {
  if (e.errcode != 0) return fmt::format("errcode {}", e.errcode);
  if (e.http_status != 0) return fmt::format("HTTP {}", e.http_status);
  return "network error";
}

// The export a callback reads: the one a scheduled run would read, without downloading.
std::string CallbackExportSpec(const Config& c) {
  const std::string& spec = c.crm.export_source;
  if (!IsExportUrl(spec)) return spec;
  std::string path_part = spec.substr(0, spec.find_first_of("?#"));
  std::string ext = std::filesystem::path(path_part).extension().string();
  if (ext != ".jsonl" && ext != ".ndjson") ext = ".csv";
  std::filesystem::path dir = std::filesystem::path(c.ledger_path).parent_path();
  if (dir.empty()) dir = ".";
  return (dir / ("export-download" + ext)).string();  // as export_fetch.cc names it
}

}  // namespace

const char* CustomerSyncOutcomeName(CustomerSyncOutcome o) {
  switch (o) {
    case CustomerSyncOutcome::kTagged: return "tagged";
    case CustomerSyncOutcome::kUnchanged: return "unchanged";
    case CustomerSyncOutcome::kUnmatched: return "unmatched";
    case CustomerSyncOutcome::kGone: return "gone";
    case CustomerSyncOutcome::kFailed: return "failed";
  }
  return "failed";
}

struct CustomerSync::ExportCache {
  std::shared_ptr<const Workspace> ws;
  std::string path;
  int64_t mtime = 0, size = 0;
  std::chrono::steady_clock::time_point at;
  std::shared_ptr<const CollectedProfiles> profiles;
};

CustomerSync::CustomerSync(Logger& log) : log_(log) {}
CustomerSync::~CustomerSync() = default;

void CustomerSync::InvalidateLibrary() { library_.reset(); }

Result<std::shared_ptr<const CollectedProfiles>> CustomerSync::Profiles(
    const std::shared_ptr<const Workspace>& ws) {
  auto source = ResolveExportSource(CallbackExportSpec(ws->config));
  if (!source) return source.error();
  struct stat st {};
  int64_t size = ::stat(source->path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
  auto now = std::chrono::steady_clock::now();
  if (export_ && export_->ws == ws && export_->path == source->path && export_->mtime == source->mtime &&
      export_->size == size && now - export_->at < kExportTtl)
    return export_->profiles;
  Result<DateTime> as_of = ParseAsOf("", ws->config.tz);
  if (!as_of) return as_of.error();
  DiagSink sink;
  EvaluateOptions eo{source->path, *as_of};
  auto collected = CollectProfiles(*ws, eo, sink, false);
  if (!collected) return collected.error();
  if (!collected->eval.lost_columns.empty())
    return Error{ErrorCode::kInvalidInput, "the export lost mapped columns; the scheduled run reports it"};
  auto shared = std::make_shared<const CollectedProfiles>(std::move(*collected));
  export_ = std::make_unique<ExportCache>(ExportCache{ws, source->path, source->mtime, size, now, shared});
  log_.Info("callback: evaluated the last export", {{"export", source->path},
                                                     {"profiles", std::to_string(shared->eval.profiles)}});
  return shared;
}

Result<int64_t> CustomerSync::MarkGone(Ledger& ledger, const std::string& userid,
                                       const std::string& external_userid, const std::string& reason) {
  auto rels = ledger.LoadRelationships(false);
  if (!rels) return rels.error();
  std::vector<int64_t> ids;
  for (const auto& r : *rels)
    if (r.external_userid == external_userid && (userid.empty() || r.userid == userid)) ids.push_back(r.id);
  if (ids.empty()) return int64_t{0};
  auto done = ledger.MarkGone(ids, reason);
  if (!done) return done.error();
  return static_cast<int64_t>(ids.size());
}

CustomerSyncResult CustomerSync::SyncCustomer(std::shared_ptr<const Workspace> wsp, Ledger& ledger,
                                              wecom::WecomClient& client, asio::io_context& io,
                                              const std::string& external_userid, const std::string& userid,
                                              const std::string& state_hint) {
  const Workspace& ws = *wsp;
  CustomerSyncResult res;
  RunRecord run;
  run.kind = RunKind::kCallback;
  auto end = [&](CustomerSyncOutcome outcome, RunOutcome ro, std::string message) {
    res.outcome = outcome;
    res.message = std::move(message);
    if (run.id != 0) {
      run.outcome = ro;
      run.ended_at = Now().seconds;
      run.added = res.added;
      run.removed = res.removed;
      run.failed = res.failed;
      run.message = fmt::format("callback {}: {}", external_userid, res.message);
      auto done = ledger.FinishRun(run);
      if (!done) log_.Error("cannot record the end of the callback run", {{"error", done.error().message}});
    }
    return res;
  };

  auto collected = Profiles(wsp);
  if (!collected) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, collected.error().message);
  const CollectedProfiles& in = **collected;
  Result<DateTime> as_of = ParseAsOf("", ws.config.tz);
  run.as_of = as_of ? as_of->seconds : Now().seconds;
  run.started_at = Now().seconds;
  run.export_file = in.eval.export_path;
  run.export_rows = in.eval.profiles + in.eval.rows_rejected;
  run.export_bytes = static_cast<int64_t>(in.eval.stats.bytes);
  run.export_hash = fmt::format("{:016x}", in.eval.stats.hash);
  auto id = ledger.StartRun(run);
  if (!id) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, id.error().message);
  run.id = res.run_id = *id;

  // 1. The customer, as WeCom shows it now.
  std::vector<wecom::Relationship> rels;
  std::string cursor;
  for (int page = 0; page < kMaxFollowUserPages; ++page) {
    auto detail = RunCall(io, client.GetExternalContact(external_userid, cursor));
    if (!detail) {
      const auto& e = detail.error();
      res.fatal = e.klass == wecom::ErrorClass::kFatal;
      if (e.errcode == 84061 || e.errcode == 40096)
        return end(CustomerSyncOutcome::kGone, RunOutcome::kOk, "the customer is no longer a contact");
      return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, "externalcontact/get failed: " + e.message);
    }
    for (auto& r : RelationshipsOf(*detail, userid, state_hint)) {
      if (r.external_userid.empty()) r.external_userid = external_userid;  // old response shapes
      rels.push_back(std::move(r));
    }
    cursor = detail->next_cursor;
    if (cursor.empty()) break;
  }
  if (rels.empty()) return end(CustomerSyncOutcome::kGone, RunOutcome::kOk, "the customer has no follow user");

  // 2. The tag library (cached), and the catalog's WeCom ids as a scheduled run sets them.
  auto our_tags = ledger.LoadTags(false);
  if (!our_tags) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, our_tags.error().message);
  auto library_has_ours = [&] {
    std::unordered_set<std::string> ids;
    for (const auto& g : *library_)
      for (const auto& t : g.tags)
        if (!t.deleted && !g.deleted) ids.insert(t.id);
    return std::all_of(our_tags->begin(), our_tags->end(), [&](const TagRecord& t) { return ids.count(t.tag_id) > 0; });
  };
  if (library_ && (std::chrono::steady_clock::now() - library_at_ > kLibraryTtl || !library_has_ours())) library_.reset();
  if (!library_) {
    auto lib = RunCall(io, client.GetCorpTagList());
    if (!lib) {
      res.fatal = lib.error().klass == wecom::ErrorClass::kFatal;
      return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, "get_corp_tag_list failed: " + lib.error().message);
    }
    library_ = std::make_shared<const std::vector<wecom::TagGroup>>(std::move(*lib));
    library_at_ = std::chrono::steady_clock::now();
  }
  CatalogWithIds with_ids = SetLibraryIds(in.catalog, in.rule_tags, *library_, *our_tags);
  const TagCatalog& catalog = with_ids.catalog;
  std::map<std::string, std::string>& group_ids = with_ids.group_ids;

  // 3. The plan input for this one customer: its relationships, the profiles that share an
  // identity key with it (in export order, so the join picks the same profile as a full run),
  // and what the ledger says segsync owns on them.
  auto ledger_rels = ledger.LoadRelationships(true);
  auto owned = ledger.LoadOwnedTags();
  if (!ledger_rels || !owned)
    return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed,
               !ledger_rels ? ledger_rels.error().message : owned.error().message);
  PlanInput pin = CustomerPlanInput(ws, in.profiles, rels, catalog, *ledger_rels, *owned,
                                    as_of ? FormatInstant(*as_of, ws.config.tz) : "");
  std::map<std::string, int64_t> rel_ids;
  for (const auto& r : *ledger_rels)
    if (r.external_userid == external_userid) rel_ids[r.userid] = r.id;
  auto plan = BuildPlan(pin);
  if (!plan) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, plan.error().message);
  Plan& p = *plan;
  run.profiles = p.summary.profiles;
  run.matched = p.summary.matched;
  run.unmatched = p.summary.relations_unmatched;  // this customer's relationships no profile claims
  run.relations = p.summary.relations;
  run.plan_id = p.id;

  // 4. Tags the rules want that WeCom does not have yet (as CreateMissingTags in a run).
  std::map<uint32_t, std::vector<TagIndex>> missing;
  for (TagIndex t : p.missing_tags) missing[p.tags.group_of(t)].push_back(t);
  for (const auto& [g, tags] : missing) {
    wecom::AddCorpTagRequest req;
    const std::string& group = p.tags.group_label(g);
    if (auto gid = group_ids.find(group); gid != group_ids.end()) req.group_id = gid->second;
    else req.group_name = group;
    for (TagIndex t : tags) req.tags.push_back(wecom::NewTag{p.tags.tag_name(t), std::nullopt});
    auto made = RunCall(io, client.AddCorpTag(req));
    if (!made) {
      log_.Warning("callback: cannot create tags", {{"group", group}, {"error", made.error().message}});
      continue;
    }
    InvalidateLibrary();
    for (TagIndex t : tags) {
      for (const auto& c : made->tags) {
        if (c.name != p.tags.tag_name(t)) continue;
        p.tags.SetTagId(t, c.id);
        TagRecord rec{c.id, made->group_id, t < in.tag_segment.size() ? in.tag_segment[t] : "", group, c.name,
                      Now().seconds, run.id, false};
        if (auto done = ledger.RecordTagCreated(run.id, rec, Now().seconds); !done)
          return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, done.error().message);
      }
    }
  }

  // 5. The relationships as seen, with the profile that claims them.
  std::string crm_id;
  for (const auto& c : p.changes) crm_id = c.crm_id;
  if (crm_id.empty() && p.summary.matched > 0)
    for (const auto& prof : pin.profiles) { crm_id = prof.crm_id; break; }
  res.crm_id = crm_id;
  std::vector<RelationshipSeen> seen;
  for (const auto& r : rels) seen.push_back({r.userid, r.external_userid, p.summary.matched > 0 ? crm_id : ""});
  auto ids = ledger.RecordRelationships(run.id, seen);
  if (!ids) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, ids.error().message);
  for (size_t i = 0; i < seen.size(); ++i) rel_ids[seen[i].userid] = (*ids)[i];
  if (p.summary.matched == 0) {
    log_.Notice("callback: no profile of the last export matches this customer; the next scheduled run "
                "looks again", {{"external_userid", external_userid}, {"state", state_hint}});
    return end(CustomerSyncOutcome::kUnmatched, RunOutcome::kOk, "unmatched: no profile of the last export");
  }

  // 6. Apply: intent, mark_tag, confirmed outcome (the scheduled run's protocol).
  auto permanent = ledger.LoadRetries(RetryFilter::kPermanent, Now().seconds);
  for (const auto& c : p.changes) {
    std::vector<std::string> add, remove;
    for (TagIndex t : c.add)
      if (!p.tags.tag_id(t).empty()) add.push_back(p.tags.tag_id(t));
      else ++res.failed;
    for (TagIndex t : c.remove) remove.push_back(p.tags.tag_id(t));
    if (add.empty() && remove.empty()) continue;
    bool skip = false;
    if (permanent)
      for (const auto& r : *permanent)
        for (const auto& rel : rels)
          skip = skip || (r.userid == c.userid && r.external_userid == c.external_userid &&
                          rel.userid == c.userid && r.first_failed_at >= rel.createtime);
    if (skip) continue;
    int64_t rel_id = rel_ids[c.userid];
    std::vector<TagIntent> intents;
    for (const auto& t : add) intents.push_back({rel_id, t, TagOp::kAdd});
    for (const auto& t : remove) intents.push_back({rel_id, t, TagOp::kRemove});
    auto intent_ids = ledger.RecordIntents(run.id, intents, Now().seconds);
    if (!intent_ids) return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, intent_ids.error().message);
    auto marked = RunCall(io, client.MarkTag(wecom::MarkTagRequest{c.userid, c.external_userid, add, remove}));
    if (marked) {
      if (auto ok = ledger.ConfirmIntents(*intent_ids, Now().seconds); !ok)
        return end(CustomerSyncOutcome::kFailed, RunOutcome::kFailed, ok.error().message);
      res.added += static_cast<int64_t>(add.size());
      res.removed += static_cast<int64_t>(remove.size());
      continue;
    }
    const wecom::ApiError& e = marked.error();
    res.fatal = res.fatal || e.klass == wecom::ErrorClass::kFatal;
    res.failed += static_cast<int64_t>(intents.size());
    // No answer at all: WeCom may have applied it; the intents stay pending for the next run.
    if (e.errcode != 0 || e.http_status != 0) {
      std::vector<IntentFailure> failures;
      for (int64_t iid : *intent_ids)
        failures.push_back({iid, e.errcode != 0 ? e.errcode : -1, ReasonOf(e), PermanentForItem(e.errcode)});
      if (auto ok = ledger.FailIntents(failures, Now().seconds); !ok)
        log_.Error("cannot record failed intents", {{"error", ok.error().message}});
    }
    if (e.errcode == 84061) (void)ledger.MarkGone({rel_id}, "84061 the customer is no longer a contact of this member");
    log_.Warning("callback: a tag change failed", {{"userid", c.userid}, {"external_userid", c.external_userid},
                                                   {"errcode", std::to_string(e.errcode)}, {"reason", ReasonOf(e)}});
  }
  std::string summary = fmt::format("profile {}: {} tags added, {} removed, {} failed", crm_id, res.added,
                                    res.removed, res.failed);
  if (res.failed > 0) return end(CustomerSyncOutcome::kFailed, RunOutcome::kPartial, summary);
  if (res.added + res.removed == 0) return end(CustomerSyncOutcome::kUnchanged, RunOutcome::kOk, summary);
  return end(CustomerSyncOutcome::kTagged, RunOutcome::kOk, summary);
}

}  // namespace segsync

#include "service/sync_steps.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <exception>
#include <memory>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "plan/guard.h"
#include "service/campaign_step.h"
#include "service/groups_step.h"
#include "workspace/as_of.h"

namespace segsync {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// errcodes that mean "this relationship will never take the change": not retried (wecom-api §8).
bool PermanentForItem(int errcode) {
  return errcode == 84061 || errcode == 40096 || errcode == 40003 || errcode == 60111 ||
         errcode == 60011;
}

std::string ReasonOf(const wecom::ApiError& e) {
  if (e.code == ErrorCode::kCancelled) return "interrupted before sending";
  if (e.errcode != 0) {
    std::string_view meaning = wecom::ErrcodeMeaning(e.errcode);
    return meaning.empty() ? fmt::format("errcode {}", e.errcode)
                           : fmt::format("{} {}", e.errcode, meaning);
  }
  if (e.http_status != 0) return fmt::format("HTTP {}", e.http_status);
  return "network error";
}

// Runs every task concurrently on `io` and waits for all. The WeCom client throttles them.
awaitable<void> RunAll(asio::io_context& io, std::vector<std::function<awaitable<void>()>>& tasks) {
  if (tasks.empty()) co_return;
  auto remaining = std::make_shared<size_t>(tasks.size());
  asio::steady_timer all_done(io, asio::steady_timer::time_point::max());
  for (auto& task : tasks) {
    asio::co_spawn(io, task(), [remaining, &all_done](std::exception_ptr) {
      if (--*remaining == 0) all_done.cancel();
    });
  }
  boost::system::error_code ec;
  co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

SyncSteps::SyncSteps(const Workspace& ws, const SyncOptions& options, Logger& log, Ledger& ledger,
                     wecom::WecomClient& client, asio::io_context& io, CollectedProfiles& profiles,
                     DateTime as_of, SyncResult& result)
    : ws_(ws), options_(options), log_(log), ledger_(ledger), client_(client), io_(io),
      in_(profiles), as_of_(as_of), res_(result),
      groups_(std::make_unique<GroupsStep>(ws, log, ledger, client, result)) {}

SyncSteps::~SyncSteps() = default;

bool SyncSteps::Stopping() const { return options_.stop.stop_requested() || client_.stopping(); }

void SyncSteps::End(ExitCode code, RunOutcome outcome, std::string message, bool fatal) {
  if (ended_) return;
  ended_ = true;
  exit_code_ = code;
  outcome_ = outcome;
  message_ = std::move(message);
  res_.fatal = res_.fatal || fatal;
  if (run_.id == 0) return;
  run_.outcome = outcome;
  run_.ended_at = Now().seconds;
  run_.message = message_;
  auto done = ledger_.FinishRun(run_);
  if (!done) log_.Error("cannot record the end of the run in the ledger", {{"error", done.error().message}});
}

void SyncSteps::Abort(const std::string& message) {
  log_.Error(message);
  End(ExitCode::kFatal, RunOutcome::kFailed, message);
}

void SyncSteps::EndOnApiError(const std::string& what, const wecom::ApiError& e) {
  bool fatal = e.klass == wecom::ErrorClass::kFatal;
  std::string msg = fmt::format("{} failed: {}", what, e.message);
  if (e.code == ErrorCode::kCancelled) {
    End(ExitCode::kOk, RunOutcome::kInterrupted, "interrupted while reading WeCom; nothing was applied");
    return;
  }
  log_.Error(msg, {{"endpoint", e.endpoint}, {"errcode", std::to_string(e.errcode)}, {"hint", e.hint}});
  End(ExitCode::kFatal, RunOutcome::kFailed, msg, fatal);
}

awaitable<void> SyncSteps::Run() {
  int64_t now = Now().seconds;
  run_.kind = options_.dry_run ? RunKind::kDryRun : options_.kind;
  run_.as_of = as_of_.seconds;
  run_.started_at = now;
  run_.export_file = in_.eval.export_path;
  run_.export_rows = in_.eval.profiles + in_.eval.rows_rejected;
  run_.export_bytes = static_cast<int64_t>(in_.eval.stats.bytes);
  run_.export_hash = fmt::format("{:016x}", in_.eval.stats.hash);
  run_.profiles = in_.eval.profiles;
  run_.rows_rejected = in_.eval.rows_rejected;
  if (!options_.dry_run) {
    auto marked = ledger_.MarkInterruptedRuns(now);
    if (marked && *marked > 0)
      log_.Notice("an earlier run did not finish (killed?); it is recorded as interrupted and this run converges",
                  {{"runs", std::to_string(*marked)}});
    auto id = ledger_.StartRun(run_);
    if (!id) {
      End(ExitCode::kFatal, RunOutcome::kFailed, id.error().message);
      co_return;
    }
    run_.id = *id;
    res_.run_id = *id;
    if (options_.progress) options_.progress->SetRunId(*id);
  }
  if (!co_await Observe()) co_return;
  if (groups_->Prepare()) {
    auto err = co_await groups_->Observe(observed_.members);
    if (err) {
      EndOnApiError("reading the group chats (groupchat/list, groupchat/get)", *err);
      co_return;
    }
  }
  if (!options_.dry_run && !SettlePendingIntents()) co_return;
  if (!co_await ReconcileTagLibrary()) co_return;
  if (!BuildAndGuardPlan()) co_return;
  co_await Apply();
  if (!ended_ && !Stopping()) co_await groups_->Apply(run_.id, *res_.plan);
  if (!ended_ && !Stopping() && !options_.dry_run)
    co_await RunCampaignTouches({ws_, ledger_, client_, log_, run_.id, as_of_});
  RecordEnd();
}

awaitable<bool> SyncSteps::Observe() {
  if (options_.progress) options_.progress->Phase("reading WeCom relationships");
  auto members = co_await client_.GetFollowUserList();
  if (!members) {
    EndOnApiError("reading the members with customer contact (get_follow_user_list)", members.error());
    co_return false;
  }
  // Each page becomes plan rows at once, in one vector sized from the ledger's count of the
  // relationships seen last time (a second copy of a million relationships, to join pages
  // kept per member group, was the largest transient), then put in member-group order.
  if (auto known = ledger_.CountRelationships(); known && *known > 0)
    observed_.relationships.reserve(static_cast<size_t>(*known + *known / 32 + 1024));
  auto rels = co_await client_.ReadAllRelationships(*members, [&](size_t g, std::vector<wecom::Relationship>& page) {
    observed_.AddPage(g, page);
  });
  if (!rels) {
    EndOnApiError("reading the relationships (batch/get_by_user)", rels.error());
    co_return false;
  }
  observed_.PutInGroupOrder();
  auto library = co_await client_.GetCorpTagList();
  if (!library) {
    EndOnApiError("reading the tag library (get_corp_tag_list)", library.error());
    co_return false;
  }
  observed_.members = std::move(*members);
  observed_.library = std::move(*library);
  log_.Info("read WeCom", {{"members", std::to_string(observed_.members.size())},
                           {"relationships", std::to_string(observed_.relationships.size())},
                           {"tag_groups", std::to_string(observed_.library.size())}});
  co_return true;
}

bool SyncSteps::SettlePendingIntents() {
  auto pending = ledger_.LoadPendingIntents();
  if (!pending) {
    End(ExitCode::kFatal, RunOutcome::kFailed, pending.error().message);
    return false;
  }
  if (pending->empty()) return true;
  std::unordered_map<std::string, const PlanRelationship*> by_key;
  for (const auto& r : observed_.relationships) by_key[RelKey(r.userid, r.external_userid)] = &r;
  std::vector<IntentObservation> seen;
  for (const auto& p : *pending) {
    auto it = by_key.find(RelKey(p.userid, p.external_userid));
    auto number = observed_.TagNumber(p.tag_id);
    bool present = it != by_key.end() && number &&
                   std::find(it->second->tags.begin(), it->second->tags.end(), *number) != it->second->tags.end();
    seen.push_back({p.intent_id, present});
  }
  auto done = ledger_.ReconcileIntents(run_.id, seen, Now().seconds);
  if (!done) {
    End(ExitCode::kFatal, RunOutcome::kFailed, done.error().message);
    return false;
  }
  log_.Notice("settled tag changes an interrupted run left unconfirmed, by what WeCom shows now",
              {{"intents", std::to_string(pending->size())}});
  return true;
}

awaitable<bool> SyncSteps::ReconcileTagLibrary() {
  TagCatalog& catalog = in_.catalog;
  struct LibTag {
    std::string group_id, group, name;
  };
  std::unordered_map<std::string, LibTag> lib;
  std::unordered_map<std::string, std::string> lib_by_name;  // group \x1f name -> tag id
  for (const auto& g : observed_.library) {
    if (g.deleted) continue;
    group_ids_[g.name] = g.group_id;
    for (const auto& t : g.tags) {
      if (t.deleted) continue;
      lib[t.id] = LibTag{g.group_id, g.name, t.name};
      lib_by_name[g.name + '\x1f' + t.name] = t.id;
      ++library_size_;
    }
  }
  auto tags = ledger_.LoadTags(false);
  if (!tags) {
    End(ExitCode::kFatal, RunOutcome::kFailed, tags.error().message);
    co_return false;
  }
  int64_t now = Now().seconds;
  for (auto& t : *tags) {
    auto it = lib.find(t.tag_id);
    if (it == lib.end()) {
      log_.Warning("a tag segsync created is gone from WeCom (deleted in the admin console?); "
                   "segsync forgets it and creates it again where it is still wanted",
                   {{"tag", FormatTagKey(t.group_name, t.tag_name)}, {"tag_id", t.tag_id}});
      if (!options_.dry_run) {
        auto done = ledger_.MarkTagDeleted(run_.id, t.tag_id, now);
        if (!done) {
          End(ExitCode::kFatal, RunOutcome::kFailed, done.error().message);
          co_return false;
        }
      }
      continue;
    }
    // WeCom's names are the truth (the group may have been renamed in the console).
    t.group_name = it->second.group;
    t.tag_name = it->second.name;
    our_tags_[t.tag_id] = t;
  }
  // A segment whose `tag:` changed keeps its WeCom tag, renamed (spec §4).
  for (auto& [id, t] : our_tags_) {
    int s = ws_.rules.IndexOf(t.segment_id);
    if (s < 0) continue;
    const Segment& seg = ws_.rules.segments[static_cast<size_t>(s)];
    const std::string& group = ws_.rules.groups[static_cast<size_t>(seg.group)].name;
    if (seg.tag_from >= 0 || group != t.group_name || seg.tag == t.tag_name) continue;
    if (lib_by_name.count(group + '\x1f' + seg.tag)) continue;  // the new name is taken
    if (options_.dry_run) {
      log_.Info("would rename a tag", {{"from", t.tag_name}, {"to", seg.tag}, {"segment", seg.id}});
    } else {
      auto r = co_await client_.EditCorpTag(t.tag_id, seg.tag);
      if (!r) {
        log_.Warning("cannot rename the tag; a new tag is created instead",
                     {{"tag_id", t.tag_id}, {"errcode", std::to_string(r.error().errcode)},
                      {"error", r.error().message}});
        continue;
      }
      auto done = ledger_.RenameTag(run_.id, t.tag_id, seg.tag, Now().seconds);
      if (!done) log_.Error("cannot record a rename", {{"error", done.error().message}});
      log_.Notice("renamed a tag", {{"from", t.tag_name}, {"to", seg.tag}, {"segment", seg.id}});
    }
    t.tag_name = seg.tag;
  }
  for (const auto& [id, t] : our_tags_) {
    auto idx = catalog.Find(t.group_name, t.tag_name);
    // A tag no rule gives any more stays in the catalog so that segsync can take it off.
    TagIndex ti = idx ? *idx : catalog.AddTag(t.group_name, t.tag_name);
    catalog.SetTagId(ti, t.tag_id);
  }
  // A wanted tag that already exists but is not in the ledger (made in the console, or
  // created by a run that was killed or hit a full disk before recording it): segsync uses it
  // for adds, never edits or deletes it. It is recorded in the ledger's library, as
  // CreateMissingTags would have (add_corp_tag answers an existing name with that tag):
  // intents and ownership need the record, and without it every run failed.
  for (TagIndex ti = 0; ti < in_.rule_tags; ++ti) {
    if (!catalog.tag_id(ti).empty()) continue;
    auto it = lib_by_name.find(catalog.group_name(ti) + '\x1f' + catalog.tag_name(ti));
    if (it == lib_by_name.end()) continue;
    catalog.SetTagId(ti, it->second);
    if (!options_.dry_run) {
      TagRecord rec{it->second, lib[it->second].group_id,
                    ti < in_.tag_segment.size() ? in_.tag_segment[ti] : "", catalog.group_name(ti),
                    catalog.tag_name(ti), now, run_.id, false};
      auto done = ledger_.RecordTagCreated(run_.id, rec, now);
      if (!done) {
        End(ExitCode::kFatal, RunOutcome::kFailed, done.error().message);
        co_return false;
      }
    }
    log_.Info("using a tag that exists outside segsync; segsync adds it but never edits or deletes it",
              {{"tag", catalog.Key(ti)}, {"tag_id", it->second}});
  }

  // What segsync owns, placed on the relationships WeCom listed.
  auto owned = ledger_.LoadOwnedTags();
  if (!owned) {
    End(ExitCode::kFatal, RunOutcome::kFailed, owned.error().message);
    co_return false;
  }
  std::vector<std::optional<TagIndex>> owned_tag_index;
  for (const auto& id : owned->tag_ids) owned_tag_index.push_back(catalog.FindById(id));
  auto placed = observed_.PlaceOwnedTags(ledger_, *owned, owned_tag_index);
  if (!placed) {
    End(ExitCode::kFatal, RunOutcome::kFailed, placed.error().message);
    co_return false;
  }
  owned_index_ = std::move(*placed);
  // A permanent failure stops retries on that relationship, but only for the relationship as it
  // was: a customer who deleted the member and added them again (a newer createtime) is new.
  auto permanent = ledger_.LoadRetries(RetryFilter::kPermanent, Now().seconds);
  if (permanent && !permanent->empty()) {
    // Keyed by the few failed relationships, not by every observed one.
    std::unordered_map<std::string, int64_t> failed_at;  // the latest first failure
    for (const auto& r : *permanent) {
      int64_t& at = failed_at.try_emplace(RelKey(r.userid, r.external_userid), r.first_failed_at).first->second;
      at = std::max(at, r.first_failed_at);
    }
    for (const auto& r : observed_.relationships) {
      auto it = failed_at.find(RelKey(r.userid, r.external_userid));
      if (it == failed_at.end()) continue;
      if (it->second >= r.createtime) skip_rel_[it->first] = true;
      failed_at.erase(it);
    }
    for (const auto& [key, at] : failed_at) skip_rel_[key] = true;  // not observed any more
  }
  co_return true;
}

bool SyncSteps::BuildAndGuardPlan() {
  if (options_.progress) options_.progress->Phase("planning");
  PlanInput in;
  in.as_of = FormatInstant(as_of_, ws_.config.tz);
  in.catalog = in_.catalog;
  in.profiles = std::move(in_.profiles);
  in.rows_rejected = in_.eval.rows_rejected;
  in.members = observed_.members;
  // WeCom tag numbers -> catalog indexes; tags outside the catalog are not segsync's concern.
  std::vector<std::optional<TagIndex>> to_catalog;
  to_catalog.reserve(observed_.tag_ids.size());
  for (const auto& id : observed_.tag_ids) to_catalog.push_back(in.catalog.FindById(id));
  for (auto& r : observed_.relationships) {
    size_t kept = 0;
    for (uint32_t n : r.tags)
      if (to_catalog[n]) r.tags[kept++] = *to_catalog[n];
    r.tags.resize(kept);
  }
  in.relationships = std::move(observed_.relationships);
  observed_.relationships.clear();
  in.owned_index = std::move(owned_index_);
  in.identity.clear();
  for (const auto& k : ws_.mapping.identity) in.identity.push_back(k.kind);
  in.tag_relations = ws_.config.wecom.tag_relations;
  in.rates.default_per_minute = ws_.config.wecom.rate.per_minute;
  in.rates.mark_tag_per_minute = ws_.config.wecom.rate.For("mark_tag");
  in.rates.get_by_user_per_minute = ws_.config.wecom.rate.For("batch/get_by_user");
  if (groups_->active()) in.invite_tags = groups_->InviteTags(in_);
  auto plan = BuildPlan(in);
  if (!plan) {
    End(ExitCode::kFatal, RunOutcome::kFailed, plan.error().message);
    return false;
  }
  // The plan holds what it needs; an applying run keeps only who it saw, for the ledger.
  if (!options_.dry_run) {
    seen_.reserve(in.relationships.size());
    for (auto& r : in.relationships) seen_.push_back({std::move(r.userid), std::move(r.external_userid), {}});
  }
  in = PlanInput{};
  if (groups_->active()) {
    if (auto err = groups_->Decide(in_, as_of_.seconds, &*plan)) {
      End(ExitCode::kFatal, RunOutcome::kFailed, err->message);
      return false;
    }
  }
  GuardSettings gs{ws_.config.guard.max_removals, ws_.config.guard.max_removal_ratio,
                   ws_.config.guard.max_export_shrink_ratio, ws_.config.wecom.tag_limit};
  gs.max_invitations = ws_.config.guard.max_invitations;
  GuardFacts facts;
  facts.lost_columns = in_.eval.lost_columns;
  facts.corp_tags = library_size_;
  auto last = ledger_.LastAppliedRun();
  if (last && *last) facts.last_applied_rows = (*last)->export_rows;
  ApplyGuard(gs, facts, &*plan);
  run_.matched = plan->summary.matched;
  run_.unmatched = plan->summary.unmatched;
  run_.relations = plan->summary.relations;
  run_.plan_id = plan->id;
  res_.plan = std::move(*plan);
  Plan& p = *res_.plan;

  if (options_.dry_run) {
    std::string msg = fmt::format("plan {}: {} tags to add, {} to remove", p.id, p.summary.tags_added,
                                  p.summary.tags_removed);
    if (!p.group_segments.empty()) msg += fmt::format(", {} group-chat invitations", p.summary.invitations);
    End(ExitCode::kOk, RunOutcome::kOk, msg);
    return false;
  }
  if (!p.summary.blocked) return true;
  if (!options_.approve.empty() && ApprovalMatches(p, options_.approve)) {
    auto approved = ledger_.ApprovePlan(p.id, Now().seconds);
    if (approved) {
      log_.Notice("the guard blocked this plan, but it was approved: applying it",
                  {{"plan_id", p.id}});
      return true;
    }
    log_.Warning("cannot approve: this plan was never recorded as blocked; run sync once without --approve",
                 {{"plan_id", p.id}});
  }
  PlanRecord rec{p.id, Now().seconds, as_of_.seconds, run_.export_hash, true, p.summary.reasons, false, 0};
  auto recorded = ledger_.RecordPlan(rec);
  if (!recorded) log_.Error("cannot record the blocked plan", {{"error", recorded.error().message}});
  std::string msg;
  if (!options_.approve.empty() && !ApprovalMatches(p, options_.approve))
    msg += fmt::format("the inputs changed since plan {} was made, so it cannot be approved; ", options_.approve);
  msg += fmt::format("the guard blocked plan {}: ", p.id);
  for (size_t i = 0; i < p.summary.reasons.size(); ++i) msg += (i ? "; " : "") + p.summary.reasons[i];
  msg += fmt::format(". Nothing was applied. Review it with `segsync plan`, then run `segsync sync --approve {}`", p.id);
  End(ExitCode::kGuardBlocked, RunOutcome::kBlocked, msg);
  return false;
}

awaitable<bool> SyncSteps::CreateMissingTags() {
  Plan& p = *res_.plan;
  if (p.missing_tags.empty()) co_return true;
  if (options_.progress) options_.progress->Phase("creating tags");
  // One add_corp_tag per group: into the existing group when one of that name exists.
  std::map<uint32_t, std::vector<TagIndex>> by_group;
  for (TagIndex t : p.missing_tags) by_group[p.tags.group_of(t)].push_back(t);
  for (const auto& [g, tags] : by_group) {
    wecom::AddCorpTagRequest req;
    const std::string& group = p.tags.group_label(g);
    auto gid = group_ids_.find(group);
    if (gid != group_ids_.end()) req.group_id = gid->second;
    else req.group_name = group;
    for (TagIndex t : tags) req.tags.push_back(wecom::NewTag{p.tags.tag_name(t), std::nullopt});
    auto r = co_await client_.AddCorpTag(req);
    if (!r) {
      if (r.error().klass == wecom::ErrorClass::kFatal) {
        EndOnApiError("creating tags (add_corp_tag)", r.error());
        co_return false;
      }
      log_.Error("cannot create tags; the relationships that need them are reported as failed",
                 {{"group", group}, {"errcode", std::to_string(r.error().errcode)},
                  {"error", r.error().message}});
      continue;
    }
    group_ids_[group] = r->group_id;
    for (TagIndex t : tags) {
      for (const auto& created : r->tags) {
        if (created.name != p.tags.tag_name(t)) continue;
        p.tags.SetTagId(t, created.id);
        in_.catalog.SetTagId(t, created.id);
        TagRecord rec{created.id, r->group_id, t < in_.tag_segment.size() ? in_.tag_segment[t] : "",
                      group, created.name, Now().seconds, run_.id, false};
        auto done = ledger_.RecordTagCreated(run_.id, rec, Now().seconds);
        if (!done) {
          End(ExitCode::kFatal, RunOutcome::kFailed, done.error().message);
          co_return false;
        }
        ++res_.tags_created;
      }
    }
  }
  co_return true;
}

void SyncSteps::ReportProgress(int64_t done, int64_t total) {
  if (options_.progress) options_.progress->Progress(done, total, "relations");
  int64_t now = NowMs();
  double secs = static_cast<double>(now - apply_started_ms_) / 1000.0;
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  if (options_.progress_on_terminal) {
    std::fprintf(stderr, "\rapplying: %lld/%lld relations (%.0f%%), %.0f/s, ETA %.0f s   ",
                 static_cast<long long>(done), static_cast<long long>(total),
                 total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0, rate, eta);
    if (done == total) std::fputc('\n', stderr);
    return;
  }
  if (now - last_progress_log_ms_ >= 5000 || done == total) {
    last_progress_log_ms_ = now;
    log_.Info("applying", {{"run", std::to_string(run_.id)}, {"done", std::to_string(done)},
                           {"total", std::to_string(total)}, {"per_second", fmt::format("{:.0f}", rate)},
                           {"eta_seconds", fmt::format("{:.0f}", eta)}});
  }
}

awaitable<void> SyncSteps::Apply() {
  apply_started_ms_ = NowMs();
  if (!co_await CreateMissingTags()) co_return;
  Plan& p = *res_.plan;

  // The relationships this run saw, with the profile they belong to (ids for the intents).
  std::unordered_map<std::string, const PlanChange*> change_of;
  for (const auto& c : p.changes) change_of[RelKey(c.userid, c.external_userid)] = &c;
  {
    std::vector<RelationshipSeen> seen = std::move(seen_);
    for (auto& r : seen) {
      auto c = change_of.find(RelKey(r.userid, r.external_userid));
      if (c != change_of.end()) r.crm_id = c->second->crm_id;
    }
    for (size_t start = 0; start < seen.size(); start += 10000) {
      std::vector<RelationshipSeen> chunk(seen.begin() + static_cast<std::ptrdiff_t>(start),
                                          seen.begin() + static_cast<std::ptrdiff_t>(std::min(seen.size(), start + 10000)));
      auto ids = ledger_.RecordRelationships(run_.id, chunk);
      if (!ids) {
        End(ExitCode::kFatal, RunOutcome::kFailed, ids.error().message);
        co_return;
      }
      // Only the relationships that change need their id (for the intents).
      for (size_t i = 0; i < chunk.size(); ++i) {
        std::string key = RelKey(chunk[i].userid, chunk[i].external_userid);
        if (change_of.count(key)) rel_ids_[std::move(key)] = (*ids)[i];
      }
    }
  }

  struct Item {
    const PlanChange* change;
    int64_t rel_id;
    std::vector<std::string> add, remove;
    std::vector<int64_t> intents;
    std::optional<wecom::ApiError> error;
  };
  std::vector<Item> items;
  for (const auto& c : p.changes) {
    std::string key = RelKey(c.userid, c.external_userid);
    if (skip_rel_.count(key)) {
      ++res_.skipped;
      continue;
    }
    Item it{&c, rel_ids_[key], {}, {}, {}, std::nullopt};
    for (TagIndex t : c.add) {
      if (p.tags.tag_id(t).empty()) {
        ++res_.failed;
        ++res_.failures_by_reason["tag could not be created"];
      } else {
        it.add.push_back(p.tags.tag_id(t));
      }
    }
    for (TagIndex t : c.remove) it.remove.push_back(p.tags.tag_id(t));
    if (!it.add.empty() || !it.remove.empty()) items.push_back(std::move(it));
  }
  res_.unchanged = p.summary.relations - p.summary.relations_changed;
  int64_t total = static_cast<int64_t>(items.size()), done = 0;
  if (options_.progress) options_.progress->Phase("applying");
  bool fatal = false;
  std::string fatal_message;

  for (size_t start = 0; start < items.size() && !fatal; start += options_.apply_batch) {
    if (Stopping()) break;
    size_t end = std::min(items.size(), start + options_.apply_batch);
    // 1. Intent: what is about to be sent, committed before the calls.
    std::vector<TagIntent> intents;
    for (size_t i = start; i < end; ++i) {
      for (const auto& id : items[i].add) intents.push_back({items[i].rel_id, id, TagOp::kAdd});
      for (const auto& id : items[i].remove) intents.push_back({items[i].rel_id, id, TagOp::kRemove});
    }
    auto ids = ledger_.RecordIntents(run_.id, intents, Now().seconds);
    if (!ids) {
      End(ExitCode::kFatal, RunOutcome::kFailed, ids.error().message);
      co_return;
    }
    size_t k = 0;
    for (size_t i = start; i < end; ++i)
      for (size_t n = items[i].add.size() + items[i].remove.size(); n > 0; --n) items[i].intents.push_back((*ids)[k++]);
    // 2. The calls.
    std::vector<std::function<awaitable<void>()>> tasks;
    for (size_t i = start; i < end; ++i) {
      tasks.push_back([this, &item = items[i]]() -> awaitable<void> {
        wecom::MarkTagRequest req{item.change->userid, item.change->external_userid, item.add, item.remove};
        auto r = co_await client_.MarkTag(std::move(req));
        if (!r) item.error = r.error();
      });
    }
    co_await RunAll(io_, tasks);
    // 3. The confirmed outcome.
    std::vector<int64_t> confirmed;
    std::vector<IntentFailure> failures;
    std::vector<int64_t> gone;
    for (size_t i = start; i < end; ++i) {
      Item& it = items[i];
      if (!it.error) {
        confirmed.insert(confirmed.end(), it.intents.begin(), it.intents.end());
        res_.added += static_cast<int64_t>(it.add.size());
        res_.removed += static_cast<int64_t>(it.remove.size());
        continue;
      }
      const wecom::ApiError& e = *it.error;
      bool permanent = PermanentForItem(e.errcode);
      std::string reason = ReasonOf(e);
      // No answer (connection dropped, timeout): WeCom may have applied it, so the intents stay
      // pending and the next run settles them by what WeCom shows (else ownership is lost).
      if (e.errcode != 0 || e.http_status != 0 || e.code == ErrorCode::kCancelled)
        for (int64_t id : it.intents) failures.push_back({id, e.errcode != 0 ? e.errcode : -1, reason, permanent});
      res_.failed += static_cast<int64_t>(it.intents.size());
      res_.failures_by_reason[reason] += static_cast<int64_t>(it.intents.size());
      if (e.errcode == 84061) gone.push_back(it.rel_id);
      if (e.klass == wecom::ErrorClass::kFatal && !fatal) {
        fatal = true;
        fatal_message = fmt::format("mark_tag failed: {}", e.message);
      }
      if (e.code != ErrorCode::kCancelled)
        log_.Warning("a tag change failed", {{"run", std::to_string(run_.id)}, {"userid", it.change->userid},
                                             {"external_userid", it.change->external_userid},
                                             {"errcode", std::to_string(e.errcode)}, {"reason", reason},
                                             {"retry", permanent ? "no" : "next run"}, {"hint", e.hint}});
    }
    if (!confirmed.empty()) {
      auto ok = ledger_.ConfirmIntents(confirmed, Now().seconds);
      if (!ok) {
        End(ExitCode::kFatal, RunOutcome::kFailed, ok.error().message);
        co_return;
      }
    }
    if (!failures.empty()) {
      auto ok = ledger_.FailIntents(failures, Now().seconds);
      if (!ok) {
        End(ExitCode::kFatal, RunOutcome::kFailed, ok.error().message);
        co_return;
      }
    }
    if (!gone.empty()) {
      auto ok = ledger_.MarkGone(gone, "84061 the customer is no longer a contact of this member");
      if (!ok) log_.Error("cannot mark relationships gone", {{"error", ok.error().message}});
    }
    done += static_cast<int64_t>(end - start);
    ReportProgress(done, total);
  }
  if (fatal) {
    log_.Error(fatal_message);
    End(ExitCode::kFatal, RunOutcome::kFailed, fatal_message, true);
  }
}

void SyncSteps::RecordEnd() {
  if (ended_) return;
  bool interrupted = Stopping();
  if (!interrupted) {
    auto gone = ledger_.MarkUnseenGone(run_.id, "no longer listed by WeCom");
    if (!gone) log_.Error("cannot mark unseen relationships", {{"error", gone.error().message}});
    auto delta = ledger_.RecordSnapshot(run_.id, in_.snapshot);
    if (!delta) log_.Error("cannot record the segment snapshot", {{"error", delta.error().message}});
  }
  groups_->Collect();
  auto pending = ledger_.LoadRetries(RetryFilter::kPending, Now().seconds);
  if (pending) res_.retry_queue_depth = static_cast<int64_t>(pending->size());
  run_.added = res_.added;
  run_.removed = res_.removed;
  run_.failed = res_.failed;
  run_.unchanged = res_.unchanged;
  res_.api = client_.stats();
  uint64_t calls = 0;
  for (const auto& [ep, st] : res_.api.endpoints) calls += st.calls;
  run_.api_calls = static_cast<int64_t>(calls);
  res_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (interrupted) {
    End(ExitCode::kOk, RunOutcome::kInterrupted,
        fmt::format("interrupted: {} tags added, {} removed before the stop; the next run continues",
                    res_.added, res_.removed));
  } else if (res_.failed > 0 || !res_.group_errors.empty()) {
    res_.outcome = RunOutcome::kPartial;
    End(ExitCode::kPartialFailure, RunOutcome::kPartial, SummaryLine(res_, &*res_.plan));
  } else {
    res_.outcome = RunOutcome::kOk;
    End(ExitCode::kOk, RunOutcome::kOk, SummaryLine(res_, &*res_.plan));
  }
}

}  // namespace segsync

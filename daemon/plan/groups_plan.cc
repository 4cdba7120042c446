// DecideInvitations and the invitation printers (plan/groups_plan.h).
#include "plan/groups_plan.h"

#include <algorithm>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "plan/guard.h"
#include "plan/plan_print.h"

namespace segsync {

namespace {

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h ^ 0xff;  // a separator, so ("ab","c") and ("a","bc") differ
}

constexpr size_t kMaxMembersShown = 20;  // per segment in the text plan

}  // namespace

std::string JoinWayState(const std::string& segment_id) {
  bool plain = !segment_id.empty() && segment_id.size() + 3 <= 30;
  for (char c : segment_id)
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-');
  if (plain) return "sg_" + segment_id;
  return fmt::format("sg#{:016x}", Fnv1a(14695981039346656037ull, segment_id));
}

void DecideInvitations(const std::vector<GroupSegmentInput>& segments,
                       const std::vector<std::string>& removed, const LastInvitedIndex& last,
                       int64_t as_of, size_t max_per_task, Plan* plan) {
  if (max_per_task == 0) max_per_task = kMaxInviteesPerTask;
  plan->group_segments.clear();
  plan->invitations.clear();
  int64_t total = 0;
  // Tag -> segments that use it (a tag belongs to one segment; kept general).
  std::unordered_map<TagIndex, std::vector<size_t>> seg_of_tag;
  for (size_t s = 0; s < segments.size(); ++s)
    for (TagIndex t : segments[s].tags) seg_of_tag[t].push_back(s);
  // Per segment: userid -> picks, in export order.
  std::vector<std::map<std::string, std::vector<const PlanInvitee*>>> by_member(segments.size());
  std::vector<std::unordered_set<std::string>> seen(segments.size());
  std::vector<PlanGroupSegment> out(segments.size());
  for (size_t s = 0; s < segments.size(); ++s) {
    out[s].segment_id = segments[s].segment_id;
    out[s].label = segments[s].label;
    out[s].join_way = segments[s].join_way;
    out[s].error = segments[s].error;
  }
  for (const PlanInvitee& v : plan->invitees) {
    auto it = seg_of_tag.find(v.tag);
    if (it == seg_of_tag.end()) continue;
    for (size_t s : it->second) {
      const GroupSegmentInput& seg = segments[s];
      if (!seen[s].insert(v.external_userid).second) continue;  // once per segment
      PlanGroupSegment& o = out[s];
      ++o.in_segment;
      if (seg.in_chats.count(v.external_userid)) {
        ++o.in_chat;
        continue;
      }
      auto l = last.find(InviteKey(seg.segment_id, v.external_userid));
      if (l != last.end() && as_of - l->second < int64_t{seg.reinvite_after_days} * 86400) {
        ++o.recently_invited;
        continue;
      }
      if (!seg.error.empty()) continue;  // counted, but nobody is invited
      ++o.to_invite;
      by_member[s][v.userid].push_back(&v);
    }
  }
  uint64_t h = Fnv1a(14695981039346656037ull, plan->id);
  for (size_t s = 0; s < segments.size(); ++s) {
    for (const auto& [userid, picks] : by_member[s]) {
      for (size_t start = 0; start < picks.size(); start += max_per_task) {
        PlanInvitation inv;
        inv.segment_id = segments[s].segment_id;
        inv.userid = userid;
        h = Fnv1a(h, inv.segment_id);
        h = Fnv1a(h, userid);
        for (size_t i = start; i < std::min(picks.size(), start + max_per_task); ++i) {
          inv.external_userids.push_back(picks[i]->external_userid);
          inv.crm_ids.push_back(picks[i]->crm_id);
          h = Fnv1a(h, picks[i]->external_userid);
        }
        total += static_cast<int64_t>(inv.external_userids.size());
        plan->invitations.push_back(std::move(inv));
      }
    }
    plan->group_segments.push_back(std::move(out[s]));
  }
  for (const auto& id : removed) {
    PlanGroupSegment g;
    g.segment_id = id;
    g.label = id;
    g.join_way = "delete";
    h = Fnv1a(h, "-" + id);
    plan->group_segments.push_back(std::move(g));
  }
  plan->summary.invitations = total;
  if (total > 0 || !removed.empty()) plan->id = fmt::format("{:016x}", h);
}

void PrintInvitationsText(const Plan& plan, std::ostream& out) {
  if (plan.group_segments.empty()) return;
  out << fmt::format("\nGroup chats: {} invitations in {} tasks\n",
                     FormatCount(plan.summary.invitations),
                     FormatCount(static_cast<int64_t>(plan.invitations.size())));
  for (const PlanGroupSegment& g : plan.group_segments) {
    if (g.join_way == "delete") {
      out << fmt::format("  {}: segment removed; its join way is deleted\n", g.segment_id);
      continue;
    }
    out << fmt::format("  {} ({}): join way {}\n", g.segment_id, g.label, g.join_way);
    if (!g.error.empty()) {
      out << fmt::format("    ERROR {}; nobody is invited\n", g.error);
    }
    out << fmt::format("    {} customers in the segment, {} already in a chat, {} invited recently, "
                       "{} to invite\n", FormatCount(g.in_segment), FormatCount(g.in_chat),
                       FormatCount(g.recently_invited), FormatCount(g.to_invite));
    std::map<std::string, int64_t> per_member;
    for (const PlanInvitation& inv : plan.invitations)
      if (inv.segment_id == g.segment_id)
        per_member[inv.userid] += static_cast<int64_t>(inv.external_userids.size());
    size_t shown = 0;
    for (const auto& [userid, n] : per_member) {
      if (shown++ == kMaxMembersShown) {
        out << fmt::format("      ... and {} more members (`plan --format csv` lists every invitation)\n",
                           per_member.size() - kMaxMembersShown);
        break;
      }
      out << fmt::format("      {:<20} {} invitations\n", userid, FormatCount(n));
    }
  }
}

void PrintInvitationsJson(const Plan& plan, std::ostream& out) {
  if (plan.group_segments.empty()) return;
  namespace json = boost::json;
  out << ",\"invitations\":[";
  bool first = true;
  for (const PlanInvitation& inv : plan.invitations) {
    json::array ext, crm;
    for (const auto& e : inv.external_userids) ext.emplace_back(e);
    for (const auto& c : inv.crm_ids) crm.emplace_back(c);
    json::object o{{"segment", inv.segment_id}, {"userid", inv.userid},
                   {"count", static_cast<int64_t>(inv.external_userids.size())},
                   {"external_userids", std::move(ext)}, {"crm_ids", std::move(crm)}};
    out << (first ? "" : ",") << json::serialize(o);
    first = false;
  }
  out << "],\"group_chats\":[";
  first = true;
  for (const PlanGroupSegment& g : plan.group_segments) {
    json::object o{{"segment", g.segment_id}, {"join_way", g.join_way},
                   {"in_segment", g.in_segment}, {"in_chat", g.in_chat},
                   {"recently_invited", g.recently_invited}, {"to_invite", g.to_invite},
                   {"error", g.error}};
    out << (first ? "" : ",") << json::serialize(o);
    first = false;
  }
  out << "]";
}

void PrintInvitationsCsv(const Plan& plan, std::ostream& out) {
  std::unordered_map<std::string, std::string> label;
  for (const PlanGroupSegment& g : plan.group_segments) label[g.segment_id] = g.label;
  for (const PlanInvitation& inv : plan.invitations)
    for (size_t i = 0; i < inv.external_userids.size(); ++i)
      out << CsvField(inv.crm_ids[i]) << ',' << CsvField(inv.external_userids[i]) << ','
          << CsvField(inv.userid) << ",invite," << CsvField(label[inv.segment_id]) << "\r\n";
}

}  // namespace segsync

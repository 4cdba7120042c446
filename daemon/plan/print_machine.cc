// The machine-readable plan printers: JSON (spec §5) and CSV.
#include <boost/json.hpp>

#include "plan/groups_plan.h"
#include "plan/plan_print.h"

namespace segsync {
namespace {

namespace json = boost::json;

json::array TagKeys(const Plan& plan, const std::vector<TagIndex>& tags) {
  json::array a;
  a.reserve(tags.size());
  for (TagIndex t : tags) a.emplace_back(plan.tags.Key(t));
  return a;
}

}  // namespace

void PrintPlanJson(const Plan& plan, std::ostream& out) {
  const PlanSummary& s = plan.summary;
  json::object summary;
  summary["profiles"] = s.profiles;
  summary["rows_rejected"] = s.rows_rejected;
  summary["matched"] = s.matched;
  summary["unmatched"] = s.unmatched;
  summary["relations"] = s.relations;
  summary["relations_changed"] = s.relations_changed;
  summary["tags_added"] = s.tags_added;
  summary["tags_removed"] = s.tags_removed;
  summary["api_calls"] = s.api_calls;
  summary["blocked"] = s.blocked;
  json::array reasons;
  for (const auto& r : s.reasons) reasons.emplace_back(r);
  summary["reasons"] = std::move(reasons);
  if (!plan.group_segments.empty()) summary["invitations"] = s.invitations;  // issue 6

  // The head, then each change serialised on its own so a large plan streams.
  out << "{\"plan_id\":" << json::serialize(json::string(plan.id))
      << ",\"as_of\":" << json::serialize(json::string(plan.as_of))
      << ",\"summary\":" << json::serialize(summary) << ",\"changes\":[";
  bool first = true;
  for (const PlanChange& c : plan.changes) {
    json::object o;
    o["crm_id"] = c.crm_id;
    o["external_userid"] = c.external_userid;
    o["userid"] = c.userid;
    o["add"] = TagKeys(plan, c.add);
    o["remove"] = TagKeys(plan, c.remove);
    if (!first) out << ',';
    first = false;
    out << json::serialize(o);
  }
  out << "]";
  PrintInvitationsJson(plan, out);
  out << "}\n";
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

void PrintPlanCsv(const Plan& plan, std::ostream& out) {
  out << "crm_id,external_userid,userid,op,tag\r\n";
  for (const PlanChange& c : plan.changes) {
    const std::string head =
        CsvField(c.crm_id) + ',' + CsvField(c.external_userid) + ',' + CsvField(c.userid) + ',';
    for (TagIndex t : c.add) out << head << "add," << CsvField(plan.tags.Key(t)) << "\r\n";
    for (TagIndex t : c.remove) out << head << "remove," << CsvField(plan.tags.Key(t)) << "\r\n";
  }
  PrintInvitationsCsv(plan, out);
}

}  // namespace segsync

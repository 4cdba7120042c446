// BuildReport: ledger queries -> the report's tables (report_data.h).
#include "report/report_data.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <date/tz.h>
#include <fmt/format.h>

namespace segsync {

namespace {

constexpr int32_t kDefaultDays = 90;

std::optional<Date> ParseDay(const std::string& s) { return ParseIsoDate(s); }

bool Names(const std::vector<std::string>& segments, const std::string& id) {
  return std::find(segments.begin(), segments.end(), id) != segments.end();
}

std::vector<ConversionKpi> Conversions(const std::vector<ConversionEvent>& events,
                                       const std::vector<SegmentAudienceRow>& audiences,
                                       int64_t* converted) {
  std::map<std::pair<std::string, std::string>, ConversionKpi> by;
  for (const auto& a : audiences) {
    auto& k = by[{a.segment_id, a.tag}];
    k.segment_id = a.segment_id;
    k.tag = a.tag;
    k.audience = a.profiles;
  }
  std::map<std::pair<std::string, std::string>, std::vector<double>> days;
  std::set<std::pair<int64_t, std::string>> distinct;
  for (const auto& e : events) {
    distinct.insert({e.run_id, e.crm_id});
    auto& k = by[{e.segment_id, e.tag}];
    k.segment_id = e.segment_id;
    k.tag = e.tag;
    ++k.conversions;
    if (!e.segment_id.empty()) days[{e.segment_id, e.tag}].push_back((e.as_of - e.entered_as_of) / 86400.0);
  }
  *converted = static_cast<int64_t>(distinct.size());
  std::vector<ConversionKpi> out;
  for (auto& [key, k] : by) {
    k.rate = k.audience > 0 ? static_cast<double>(k.conversions) / static_cast<double>(k.audience) : 0;
    auto it = days.find(key);
    if (it != days.end() && !it->second.empty()) {
      auto& v = it->second;
      std::sort(v.begin(), v.end());
      size_t n = v.size();
      k.median_days = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    out.push_back(std::move(k));
  }
  // Profiles in no segment last: the table reads top-down by segment.
  std::stable_partition(out.begin(), out.end(), [](const ConversionKpi& k) { return !k.segment_id.empty(); });
  return out;
}

}  // namespace

const char* TouchStateName(TouchState s) {
  switch (s) {
    case TouchState::kSent: return "task created";
    case TouchState::kClaimed: return "claimed, no task";
    case TouchState::kDueToday: return "due today";
    case TouchState::kPlanned: return "planned";
    case TouchState::kMissed: return "missed";
  }
  return "?";
}

Date LocalDay(int64_t instant, const date::time_zone* tz) {
  date::sys_seconds s{std::chrono::seconds{instant}};
  auto local = tz->to_local(s);
  return Date{static_cast<int32_t>(date::floor<date::days>(local).time_since_epoch().count())};
}

int64_t DayStart(Date day, const date::time_zone* tz) {
  date::local_seconds local{date::local_days{date::days{day.days}}};
  auto info = tz->get_info(local);
  // A day starting in a DST gap starts at the gap's end.
  if (info.result == date::local_info::nonexistent) return info.first.end.time_since_epoch().count();
  return local.time_since_epoch().count() - info.first.offset.count();
}

std::string FormatLocalMinute(int64_t instant, const date::time_zone* tz) {
  date::sys_seconds s{std::chrono::seconds{instant}};
  return date::format("%Y-%m-%d %H:%M", date::make_zoned(tz, s).get_local_time());
}

Result<ReportData> BuildReport(Ledger& ledger, const ReportRequest& rq) {
  ReportData d;
  d.tz = rq.tz;
  d.timezone = rq.timezone;
  d.conversion = rq.conversion;
  d.generated_at = FormatLocalMinute(rq.now, rq.tz);
  // "Today" for the calendar is the later of the clock and the newest run's as-of day, so a
  // replayed history (runs with --as-of in the future) reads as it would have on that day.
  Date today = LocalDay(rq.now, rq.tz);
  auto last = ledger.LastRuns(1);
  if (!last) return last.error();
  if (!last->empty()) today = std::max(today, LocalDay(last->front().as_of, rq.tz));
  Date to = rq.to ? *rq.to : today;
  Date from = rq.from ? *rq.from : Date{to.days - (kDefaultDays - 1)};
  if (to < from) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the report period ends ({}) before it starts ({})", FormatDate(to),
                             FormatDate(from))};
  }
  d.from = FormatDate(from);
  d.to = FormatDate(to);
  KpiWindow w{DayStart(from, rq.tz), DayStart(Date{to.days + 1}, rq.tz) - 1};
  d.from_as_of = w.from_as_of;
  d.to_as_of = w.to_as_of;

  auto sizes = ledger.LoadSegmentSizesIn(w);
  if (!sizes) return sizes.error();
  d.sizes = std::move(*sizes);

  auto runs = ledger.LoadRunsIn(w);
  if (!runs) return runs.error();
  for (const RunRecord& r : *runs) {
    RunKpi k{r.id, r.as_of, RunKindName(r.kind), RunOutcomeName(r.outcome), r.profiles, r.matched,
             r.unmatched, 0, r.added, r.removed, r.failed};
    k.match_rate = r.profiles > 0 ? static_cast<double>(r.matched) / static_cast<double>(r.profiles) : 0;
    d.runs.push_back(std::move(k));
  }

  auto failures = ledger.LoadFailureCounts(w);
  if (!failures) return failures.error();
  d.failures = std::move(*failures);
  auto invitations = ledger.LoadInvitationKpis(w);
  if (!invitations) return invitations.error();
  d.invitations = std::move(*invitations);

  if (rq.conversion) {
    auto events = ledger.LoadConversions(w, rq.conversion->from, rq.conversion->to);
    if (!events) return events.error();
    auto audiences = ledger.LoadSegmentAudiences(w);
    if (!audiences) return audiences.error();
    d.conversions = Conversions(*events, *audiences, &d.converted_profiles);
  }

  // The calendar: the rules say what is planned, the ledger what was created and reached.
  auto recorded = ledger.LoadTouchKpis();
  if (!recorded) return recorded.error();
  auto reach = ledger.LoadCampaignReach();
  if (!reach) return reach.error();
  std::map<std::pair<std::string, std::string>, const TouchKpiRow*> by_key;
  for (const auto& t : *recorded) by_key[{t.campaign, t.touch_date}] = &t;
  std::set<std::pair<std::string, std::string>> shown;
  auto in_period = [&](const std::string& day) { return day >= d.from && day <= d.to; };
  auto add_touch = [&](TouchKpi t, const TouchKpiRow* row, Date day) {
    if (row) {
      t.state = row->msgid.empty() ? TouchState::kClaimed : TouchState::kSent;
      t.msgid = row->msgid;
      t.targeted = row->targeted;
      t.sent = row->sent;
      t.unsent = row->unsent;
      t.not_friend = row->not_friend;
      t.quota = row->quota;
      t.fail_count = row->fail_count;
      t.results_read_at = row->results_read_at;
    } else {
      t.state = day < today ? TouchState::kMissed : day == today ? TouchState::kDueToday : TouchState::kPlanned;
    }
    d.touches.push_back(std::move(t));
  };
  if (rq.rules) {
    const RuleSet& rs = *rq.rules;
    for (const Campaign& c : rs.campaigns) {
      if (c.to < from || to < c.from) continue;
      CampaignKpi ck{c.name, FormatDate(c.from), FormatDate(c.to)};
      for (const Touch& t : c.touches) {
        ++ck.touches_planned;
        std::string day = FormatDate(t.date);
        auto it = by_key.find({c.name, day});
        const TouchKpiRow* row = it == by_key.end() ? nullptr : it->second;
        if (row && !row->msgid.empty()) ++ck.touches_created;
        if (!in_period(day)) continue;
        TouchKpi k;
        k.campaign = c.name;
        k.date = day;
        for (int s : t.segments) k.segments.push_back(rs.segments[s].id);
        k.message = t.message;
        shown.insert({c.name, day});
        add_touch(std::move(k), row, t.date);
      }
      for (const auto& r : *reach)
        if (r.campaign == c.name) ck.targeted = r.targeted, ck.reached = r.reached;
      // Coverage: any created touch dated in this campaign's period counts.
      std::string cfrom = ck.from, cto = ck.to;
      for (const Segment& s : rs.segments) {
        CoverageRow row{c.name, s.id, s.group >= 0 ? rs.groups[s.group].name : ""};
        for (const Campaign& other : rs.campaigns)
          for (const Touch& t : other.touches)
            if (c.from <= t.date && t.date <= c.to)
              for (int i : t.segments)
                if (i >= 0 && rs.segments[i].id == s.id) ++row.touches_planned;
        for (const auto& rec : *recorded)
          if (!rec.msgid.empty() && rec.touch_date >= cfrom && rec.touch_date <= cto && Names(rec.segments, s.id))
            ++row.touches_created;
        row.engaged = row.touches_created > 0;
        d.coverage.push_back(std::move(row));
      }
      d.campaigns.push_back(std::move(ck));
    }
  }
  // Touches recorded in the ledger but no longer in the rules.
  for (const auto& r : *recorded) {
    if (shown.count({r.campaign, r.touch_date}) || !in_period(r.touch_date)) continue;
    TouchKpi k;
    k.campaign = r.campaign;
    k.date = r.touch_date;
    k.segments = r.segments;
    auto day = ParseDay(r.touch_date);
    add_touch(std::move(k), &r, day.value_or(today));
  }
  std::stable_sort(d.touches.begin(), d.touches.end(),
                   [](const TouchKpi& a, const TouchKpi& b) { return a.date < b.date; });
  return d;
}

}  // namespace segsync

#include "segment/evaluator.h"

#include <doctest/doctest.h>

#include "affiliate_schema.h"

namespace segsync {

using testing::AffiliateSchema;
using testing::MakeProfile;
using testing::ShanghaiContext;

namespace {

// A rule set of one non-exclusive group with one segment per predicate: s0, s1, ...
RuleSet OnePerPredicate(const std::vector<std::string>& preds) {
  std::string yaml = "tag_groups:\n  - name: G\n    segments:\n";
  for (size_t i = 0; i < preds.size(); ++i)
    yaml += "      - id: s" + std::to_string(i) + "\n        tag: T" + std::to_string(i) +
            "\n        when: '" + preds[i] + "'\n";
  DiagSink sink;
  RuleSet rs = testing::LoadText(yaml, sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  return rs;
}

// Evaluates predicate `pred` on a profile of `cells` as of `ctx`.
bool Holds(const std::string& pred, const std::map<std::string, std::string>& cells,
           const EvalContext& ctx) {
  RuleSet rs = OnePerPredicate({pred});
  Evaluator eval(rs, ctx);
  return eval.EvalPredicate(0, MakeProfile(rs.schema, cells));
}

std::vector<std::string> Tags(const RuleSet& rs, const Profile& p, const EvalContext& ctx,
                              const ValueCaps* caps = nullptr) {
  Evaluator eval(rs, ctx, caps);
  std::vector<Membership> m;
  eval.Evaluate(p, &m);
  return GroupTags(rs, m);
}

}  // namespace

TEST_CASE("comparisons, lists and text operators") {
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  struct Case {
    const char* pred;
    std::map<std::string, std::string> cells;
    bool want;
  };
  const Case cases[] = {
      {"status = Affiliate", {{"status", "Affiliate"}}, true},
      {"status = Affiliate", {{"status", "affiliate"}}, false},
      {"status != Affiliate", {{"status", "Member"}}, true},
      {"exams_passed >= 13", {{"exams_passed", "13"}}, true},
      {"exams_passed >= 13", {{"exams_passed", "12"}}, false},
      {"exams_passed > 12.5", {{"exams_passed", "13"}}, true},
      {"exams_passed < 13", {{"exams_passed", "-1"}}, true},
      {"exams_passed <= 0", {{"exams_passed", "0"}}, true},
      {"city < M", {{"city", "Beijing"}}, true},
      {"ethics_done = true", {{"ethics_done", "Y"}}, true},
      {"ethics_done != true", {{"ethics_done", "N"}}, true},
      {"ethics_done is true", {{"ethics_done", "Y"}}, true},
      {"ethics_done is false", {{"ethics_done", "Y"}}, false},
      {"ethics_done is false", {{"ethics_done", "N"}}, true},
      {"city in [Shanghai, \"Hong Kong\"]", {{"city", "Hong Kong"}}, true},
      {"city in [Shanghai, Beijing]", {{"city", "Chengdu"}}, false},
      {"city not in [Shanghai, Beijing]", {{"city", "Chengdu"}}, true},
      {"exams_passed in [1, 2, 3]", {{"exams_passed", "2"}}, true},
      {"ethics_done in [true]", {{"ethics_done", "Y"}}, true},
      {"last_exam in [2027-01-01, today]", {{"last_exam", "2027-01-15"}}, true},
      {"employer contains \"PMG\"", {{"employer", "KPMG Huazhen"}}, true},
      {"employer starts with KPMG", {{"employer", "KPMG Huazhen"}}, true},
      {"employer starts with Huazhen", {{"employer", "KPMG Huazhen"}}, false},
      {"employer ends with Huazhen", {{"employer", "KPMG Huazhen"}}, true},
      {"employer matches /(?i)^kpmg\\b/", {{"employer", "KPMG Huazhen"}}, true},
      {"employer matches /^PwC$/", {{"employer", "PwC China"}}, false},
      {"interests contains Tax", {{"interests", "Audit;Tax"}}, true},
      {"interests contains Law", {{"interests", "Audit;Tax"}}, false},
      {"interests in [Tax, Law]", {{"interests", "Audit;Tax"}}, true},
      {"interests not in [Tax, Law]", {{"interests", "Audit;Tax"}}, false},
      {"interests matches /^Au/", {{"interests", "Tax;Audit"}}, true},
      {"interests is empty", {{"interests", " ; "}}, true},
      {"interests is not empty", {{"interests", "Tax"}}, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pred);
    CHECK(Holds(c.pred, c.cells, ctx) == c.want);
  }
}

TEST_CASE("a predicate on a missing field is false, only `is empty` is true") {
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  const char* preds[] = {"city = x", "city != x", "city < x", "city in [x]", "city not in [x]",
                         "city contains x", "city starts with x", "city ends with x",
                         "city matches /.*/", "city is not empty", "ethics_done is true",
                         "ethics_done is false", "ethics_done != true", "last_exam within last 9 days",
                         "last_exam within next 9 days", "last_exam more than 1 days ago",
                         "last_exam before today", "last_exam after 2000-01-01",
                         "last_exam between 2000-01-01 and today", "exams_passed >= 0",
                         "interests contains x"};
  for (const char* p : preds) {
    CAPTURE(p);
    CHECK_FALSE(Holds(p, {}, ctx));
  }
  CHECK(Holds("city is empty", {}, ctx));
  CHECK_FALSE(Holds("city is empty", {{"city", "Shanghai"}}, ctx));
}

TEST_CASE("date windows include both ends") {
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  struct Case {
    const char* pred;
    const char* date;
    bool want;
  };
  const Case cases[] = {
      {"last_exam within last 90 days", "2026-10-17", true},   // as-of - 90
      {"last_exam within last 90 days", "2026-10-16", false},  // as-of - 91
      {"last_exam within last 90 days", "2027-01-15", true},   // as-of
      {"last_exam within last 90 days", "2027-01-16", false},  // tomorrow
      {"paid_until within next 60 days", "2027-01-15", true},
      {"paid_until within next 60 days", "2027-03-16", true},  // as-of + 60
      {"paid_until within next 60 days", "2027-03-17", false},
      {"paid_until within next 60 days", "2027-01-14", false},
      {"paid_until more than 30 days ago", "2026-12-15", true},   // 31 days ago
      {"paid_until more than 30 days ago", "2026-12-16", false},  // exactly 30 days ago
      {"paid_until < today", "2027-01-14", true},
      {"paid_until < today", "2027-01-15", false},
      {"paid_until <= today", "2027-01-15", true},
      {"paid_until = today", "2027-01-15", true},
      {"paid_until before 2027-01-15", "2027-01-14", true},
      {"paid_until before 2027-01-15", "2027-01-15", false},
      {"paid_until after 2027-01-15", "2027-01-16", true},
      {"paid_until after 2027-01-15", "2027-01-15", false},
      {"paid_until between 2027-01-01 and today", "2027-01-01", true},
      {"paid_until between 2027-01-01 and today", "2027-01-15", true},
      {"paid_until between 2027-01-01 and today", "2026-12-31", false},
      {"paid_until between 2027-01-01 and today", "2027-01-16", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pred);
    CAPTURE(c.date);
    std::string field = std::string(c.pred).substr(0, std::string(c.pred).find(' '));
    CHECK(Holds(c.pred, {{field, c.date}}, ctx) == c.want);
  }
}

TEST_CASE("as of 23:30 in Shanghai: today is the Shanghai date, and date-times use their local date") {
  EvalContext late = ShanghaiContext("2027-01-15 23:30");  // 15:30 UTC, same day
  CHECK(FormatDate(late.as_of_date) == "2027-01-15");
  EvalContext after_midnight = ShanghaiContext("2027-01-16 00:30");  // still the 15th in UTC
  CHECK(FormatDate(after_midnight.as_of_date) == "2027-01-16");
  CHECK(FormatDate(MakeEvalContext(after_midnight.as_of, nullptr).as_of_date) == "2027-01-15");

  CHECK(Holds("paid_until < today", {{"paid_until", "2027-01-15"}}, after_midnight));
  CHECK_FALSE(Holds("paid_until < today", {{"paid_until", "2027-01-15"}}, late));
  // 00:10 on the 16th in Shanghai is the 15th in UTC: its local date counts.
  std::map<std::string, std::string> reg{{"registered_at", "2027-01-16T00:10:00+08:00"}};
  CHECK(Holds("registered_at within last 0 days", reg, after_midnight));
  CHECK(Holds("registered_at = 2027-01-16", reg, after_midnight));
  CHECK(Holds("registered_at after today", reg, late));
  EvalContext utc = MakeEvalContext(after_midnight.as_of, nullptr);
  CHECK(Holds("registered_at = 2027-01-15", reg, utc));
}

TEST_CASE("an exclusive group gives the first matching segment only") {
  const std::string body =
      "    segments:\n"
      "      - {id: a, tag: A, when: city = Shanghai}\n"
      "      - {id: b, tag: B, when: status = Member}\n"
      "      - {id: c, tag: C, when: not in segment a}\n";
  DiagSink s1, s2;
  RuleSet exclusive = testing::LoadText("tag_groups:\n  - name: G\n    exclusive: true\n" + body, s1);
  RuleSet plain = testing::LoadText("tag_groups:\n  - name: G\n" + body, s2);
  REQUIRE_MESSAGE(s1.ok(), s1.FormatAll());
  REQUIRE_MESSAGE(s2.ok(), s2.FormatAll());
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  Profile both = MakeProfile(plain.schema, {{"city", "Shanghai"}, {"status", "Member"}});
  Profile member = MakeProfile(plain.schema, {{"city", "Beijing"}, {"status", "Member"}});
  CHECK(Tags(exclusive, both, ctx) == std::vector<std::string>{"G/A"});
  CHECK(Tags(plain, both, ctx) == std::vector<std::string>{"G/A", "G/B"});
  CHECK(Tags(exclusive, member, ctx) == std::vector<std::string>{"G/B"});
  CHECK(Tags(plain, member, ctx) == std::vector<std::string>{"G/B", "G/C"});
  Evaluator eval(exclusive, ctx);
  std::vector<Membership> m;
  eval.Evaluate(both, &m);
  CHECK(eval.InSegment(0));
  CHECK_FALSE(eval.InSegment(1));
  CHECK(eval.WhenHeld(1));
}

TEST_CASE("in segment follows membership after exclusivity, across groups") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      "tag_groups:\n"
      "  - name: Stage\n"
      "    exclusive: true\n"
      "    segments:\n"
      "      - {id: ready, tag: R, when: exams_passed >= 13}\n"
      "      - {id: studying, tag: S, when: exams_passed >= 1}\n"
      "  - name: Nudge\n"
      "    segments:\n"
      "      - {id: push, tag: P, when: in segment studying}\n",
      sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  CHECK(Tags(rs, MakeProfile(rs.schema, {{"exams_passed", "5"}}), ctx) ==
        std::vector<std::string>{"Stage/S", "Nudge/P"});
  CHECK(Tags(rs, MakeProfile(rs.schema, {{"exams_passed", "13"}}), ctx) ==
        std::vector<std::string>{"Stage/R"});
}

TEST_CASE("tag_from: one tag per distinct value, limited to values, the first only when exclusive") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      "tag_groups:\n"
      "  - name: 城市\n"
      "    segments:\n"
      "      - {id: city, tag_from: city, values: [Shanghai, Beijing]}\n"
      "  - name: 兴趣\n"
      "    segments:\n"
      "      - {id: interests, tag_from: interests, values: [Audit, Tax, Law], when: status = Member}\n"
      "  - name: 首要兴趣\n"
      "    exclusive: true\n"
      "    segments:\n"
      "      - {id: top, tag_from: interests, max_tags: 5}\n",
      sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  Profile p = MakeProfile(rs.schema, {{"city", "Shanghai"}, {"status", "Member"},
                                      {"interests", "Tax;Audit;Tax;Cooking"}});
  CHECK(Tags(rs, p, ctx) == std::vector<std::string>{"城市/Shanghai", "兴趣/Tax", "兴趣/Audit", "首要兴趣/Tax"});
  Profile other = MakeProfile(rs.schema, {{"city", "Lhasa"}, {"status", "Lapsed"}, {"interests", "Cooking"}});
  CHECK(Tags(rs, other, ctx) == std::vector<std::string>{"首要兴趣/Cooking"});
}

TEST_CASE("max_tags keeps the most frequent values across the export and lists the dropped ones") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      "tag_groups:\n  - name: 雇主\n    segments:\n      - {id: employer, tag_from: employer, max_tags: 2}\n", sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  std::vector<Profile> export_rows;
  for (const char* e : {"PwC", "KPMG", "PwC", "EY", "KPMG", "PwC", "Acme", "EY"})
    export_rows.push_back(MakeProfile(rs.schema, {{"employer", e}}));
  ValueCounter counter(rs, ctx);
  for (const auto& p : export_rows) counter.Add(p);
  ValueCaps caps = counter.Finish();
  // PwC 3, EY 2 and KPMG 2 (tie broken by byte order: EY < KPMG), Acme 1.
  CHECK(caps.allowed[0] == std::vector<std::string>{"EY", "PwC"});
  REQUIRE(caps.dropped.size() == 2);
  CHECK(caps.dropped[0].value == "KPMG");
  CHECK(caps.dropped[0].profiles == 2);
  CHECK(caps.dropped[1].value == "Acme");
  CHECK(Tags(rs, export_rows[0], ctx, &caps) == std::vector<std::string>{"雇主/PwC"});
  CHECK(Tags(rs, export_rows[1], ctx, &caps).empty());
  CHECK(Tags(rs, export_rows[1], ctx, nullptr) == std::vector<std::string>{"雇主/KPMG"});
}

TEST_CASE("a tag_from value longer than 30 characters never becomes a tag") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      "tag_groups:\n  - name: 雇主\n    segments:\n      - {id: employer, tag_from: employer, max_tags: 5}\n", sink);
  REQUIRE(sink.ok());
  EvalContext ctx = ShanghaiContext("2027-01-15 10:00");
  CHECK(Tags(rs, MakeProfile(rs.schema, {{"employer", std::string(31, 'x')}}), ctx).empty());
  CHECK(Tags(rs, MakeProfile(rs.schema, {{"employer", std::string(30, 'x')}}), ctx).size() == 1);
}

}  // namespace segsync

// End-to-end: first sync, idempotence, leaving segments, exclusive swaps, tag ownership,
// console-deleted tags, and `plan`'s JSON (spec §1, §5, §6), against the real binaries.
#include <doctest/doctest.h>

#include <algorithm>

#include "e2e.h"
#include "fixture.h"

namespace segsync::e2e {
namespace {

json::object ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << text);
  REQUIRE(v.is_object());
  return v.get_object();
}

// Runs a sync that must succeed and returns its output.
std::string SyncOk(World& w, const std::vector<std::string>& args = {}) {
  RunResult r = w.Segsync("sync", args);
  REQUIRE_MESSAGE(r.exit_code == 0, "sync exit " << r.exit_code << "\nout: " << r.out << "\nerr: " << r.err);
  return r.out;
}

void CheckWecomEquals(World& w, const std::map<RelKey, TagSet>& expected) {
  auto got = RelTags(w.fake().State());
  CHECK_MESSAGE(got == expected, "WeCom: " << Describe(got) << "\nexpected: " << Describe(expected));
}

const json::object* ChangeFor(const json::object& plan, const std::string& rel) {
  for (const auto& c : plan.at("changes").as_array()) {
    const auto& o = c.as_object();
    if (std::string(o.at("userid").as_string()) + "|" + std::string(o.at("external_userid").as_string()) == rel)
      return &o;
  }
  return nullptr;
}

std::vector<std::string> Strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("e2e first sync tags exactly the expected relationships via unionid - state and mobile") {
  World w(kSmallState);
  w.WriteExport(SmallRows());
  std::string out = SyncOk(w);
  CHECK(out.find("run 1 ") != std::string::npos);
  CheckWecomEquals(w, SmallExpected(SmallRows()));

  RunResult runs = w.Segsync("runs", {"--format", "json"});
  REQUIRE(runs.exit_code == 0);
  json::object j = ParseJson(runs.out);
  REQUIRE(j.at("runs").as_array().size() == 1);
  const json::object& run = j.at("runs").as_array()[0].as_object();
  CHECK(run.at("id").to_number<int64_t>() == 1);
  CHECK(run.at("outcome").as_string() == "ok");
  CHECK(run.at("profiles").to_number<int64_t>() == 6);
  CHECK(run.at("matched").to_number<int64_t>() == 5);
  CHECK(run.at("unmatched").to_number<int64_t>() == 1);
  CHECK(run.at("relations").to_number<int64_t>() == 6);
  CHECK(run.at("added").to_number<int64_t>() == 10);
  CHECK(run.at("removed").to_number<int64_t>() == 0);
  CHECK(run.at("failed").to_number<int64_t>() == 0);
  RunResult text = w.Segsync("runs");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("ok") != std::string::npos);

  CHECK(LedgerOwned(w.ledger()).size() == 10);
  CHECK(LedgerTagIds(w.ledger()).size() == 4);  // 会员, 学员, Shanghai, Beijing
  w.CheckLedgerMatchesWecom();
}

TEST_CASE("e2e second sync without changes makes no mutating call") {
  World w(kSmallState);
  w.WriteExport(SmallRows());
  SyncOk(w);
  w.fake().Admin("reset_stats");
  SyncOk(w);
  json::object stats = w.fake().Stats();
  CHECK(Fake::Calls(stats, "mark_tag") == 0);
  CHECK(Fake::Calls(stats, "add_corp_tag") == 0);
  CHECK(Fake::Mutations(stats) == 0);
  CheckWecomEquals(w, SmallExpected(SmallRows()));
  w.CheckLedgerMatchesWecom();
}

TEST_CASE("e2e leaving a segment removes the tag and an exclusive swap is one mark_tag call") {
  World w(kSmallState);
  std::vector<Row> rows = SmallRows();
  w.WriteExport(rows);
  SyncOk(w);
  rows[0].status = "Affiliate";  // C1000001: 会员 -> 学员 (exclusive group swap)
  rows[3].city = "Shenzhen";     // C1000004: leaves 城市/Shanghai, no tag left
  w.WriteExport(rows);

  RunResult plan = w.Segsync("plan", {"--format", "json"});
  REQUIRE(plan.exit_code == 0);
  json::object p = ParseJson(plan.out);
  CHECK(p.at("summary").at("relations_changed").to_number<int64_t>() == 2);
  CHECK(p.at("summary").at("tags_added").to_number<int64_t>() == 1);
  CHECK(p.at("summary").at("tags_removed").to_number<int64_t>() == 2);
  const json::object* swap = ChangeFor(p, "staff001|wmC1000001");
  REQUIRE(swap != nullptr);
  CHECK(Strings(swap->at("add")) == std::vector<std::string>{"会籍阶段/学员"});
  CHECK(Strings(swap->at("remove")) == std::vector<std::string>{"会籍阶段/会员"});

  w.fake().Admin("reset_stats");
  SyncOk(w);
  json::object stats = w.fake().Stats();
  CHECK(Fake::Calls(stats, "mark_tag") == 2);  // one per changed relationship, the swap included
  CHECK(Fake::Calls(stats, "add_corp_tag") == 0);
  auto expected = SmallExpected(rows);
  CHECK(expected["staff001|wmC1000001"] == TagSet{"会籍阶段/学员", "城市/Shanghai"});
  CHECK(expected["staff001|wmC1000004"].empty());
  CheckWecomEquals(w, expected);
  w.CheckLedgerMatchesWecom();
}

TEST_CASE("e2e hand-added tags and same-named console tags are never removed") {
  World w(kSmallState);
  std::vector<Row> rows = SmallRows();
  w.WriteExport(rows);
  SyncOk(w);
  json::object state = w.fake().State();
  std::string member_tag = FindTagId(state, "会籍阶段", "会员");
  REQUIRE(!member_tag.empty());
  // A member of staff puts segsync's 会员 tag on C1000004 (Lapsed: not in the segment).
  w.fake().Admin("staff_mark_tag", {{"userid", "staff001"}, {"external_userid", "wmC1000004"},
                                    {"add", json::array{json::string(member_tag)}}});
  // A console tag named 会员 in another group, on C1000001, which then leaves the segment.
  json::object console = w.fake().Admin("console/add_tag", {{"group_name", "手工"}, {"tag", "会员"}});
  std::string console_tag(console.at("tag_id").as_string());
  w.fake().Admin("staff_mark_tag", {{"userid", "staff001"}, {"external_userid", "wmC1000001"},
                                    {"add", json::array{json::string(console_tag)}}});
  rows[0].status = "Lapsed";
  w.WriteExport(rows);
  SyncOk(w);
  SyncOk(w);  // and once more: still kept

  auto expected = SmallExpected(rows);
  expected["staff001|wmC1000004"].insert("会籍阶段/会员");  // the hand-added one stays
  expected["staff001|wmC1000001"].insert("手工/会员");      // the console one stays
  CHECK(expected["staff001|wmC1000001"] == TagSet{"城市/Shanghai", "手工/会员"});
  CheckWecomEquals(w, expected);
  // segsync never claims the hand-added tag.
  for (const auto& o : LedgerOwned(w.ledger())) CHECK(o.rel + o.name != "staff001|wmC1000004会籍阶段/会员");
  CHECK(!FindTagId(w.fake().State(), "手工", "会员", "console").empty());
}

TEST_CASE("e2e a tag deleted in the console is recreated and re-applied") {
  World w(kSmallState);
  w.WriteExport(SmallRows());
  SyncOk(w);
  std::string beijing = FindTagId(w.fake().State(), "城市", "Beijing");
  REQUIRE(!beijing.empty());
  w.fake().Admin("console/delete_tag", {{"tag_id", beijing}});
  auto without = RelTags(w.fake().State());
  CHECK(without["staff001|wmC1000002"] == TagSet{"会籍阶段/学员"});

  w.fake().Admin("reset_stats");
  SyncOk(w);
  json::object stats = w.fake().Stats();
  CHECK(Fake::Calls(stats, "add_corp_tag") == 1);
  CHECK(Fake::Calls(stats, "mark_tag") == 3);  // C1000002 and C1000006's two relationships
  json::object state = w.fake().State();
  std::string again = FindTagId(state, "城市", "Beijing");
  CHECK(!again.empty());
  CHECK(again != beijing);
  CheckWecomEquals(w, SmallExpected(SmallRows()));
  w.CheckLedgerMatchesWecom();
  w.fake().Admin("reset_stats");
  SyncOk(w);
  CHECK(Fake::Mutations(w.fake().Stats()) == 0);
}

TEST_CASE("e2e a changed tag name in the rules renames the WeCom tag in place") {
  World w(kSmallState);
  w.WriteExport(SmallRows());
  SyncOk(w);
  std::string id = FindTagId(w.fake().State(), "会籍阶段", "会员");
  REQUIRE(!id.empty());
  std::string rules = kRulesYaml;
  size_t at = rules.find("tag: 会员");
  REQUIRE(at != std::string::npos);
  rules.replace(at, std::string("tag: 会员").size(), "tag: 正式会员");
  segsync::testing::WriteFile(w.dir() + "/rules.yaml", rules);
  w.fake().Admin("reset_stats");
  SyncOk(w);
  json::object stats = w.fake().Stats();
  CHECK(Fake::Calls(stats, "edit_corp_tag") == 1);
  CHECK(Fake::Calls(stats, "mark_tag") == 0);
  CHECK(Fake::Calls(stats, "add_corp_tag") == 0);
  json::object state = w.fake().State();
  CHECK(FindTagId(state, "会籍阶段", "正式会员") == id);
  CHECK(FindTagId(state, "会籍阶段", "会员").empty());
  auto got = RelTags(state);
  CHECK(got["staff001|wmC1000001"] == TagSet{"会籍阶段/正式会员", "城市/Shanghai"});
  CHECK(got["staff002|wmC1000003"] == TagSet{"会籍阶段/正式会员"});
  w.CheckLedgerMatchesWecom();
  w.fake().Admin("reset_stats");
  SyncOk(w);
  CHECK(Fake::Mutations(w.fake().Stats()) == 0);
}

TEST_CASE("e2e plan --format json has the spec shape and changes nothing") {
  World w(kSmallState);
  w.WriteExport(SmallRows());
  RunResult r = w.Segsync("plan", {"--format", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json::object p = ParseJson(r.out);
  for (const char* key : {"plan_id", "as_of", "summary", "changes"}) CHECK_MESSAGE(p.contains(key), key);
  CHECK(!p.at("plan_id").as_string().empty());
  CHECK(!p.at("as_of").as_string().empty());
  const json::object& s = p.at("summary").as_object();
  for (const char* key : {"profiles", "rows_rejected", "matched", "unmatched", "relations", "relations_changed",
                          "tags_added", "tags_removed", "api_calls", "blocked", "reasons"})
    CHECK_MESSAGE(s.contains(key), key);
  CHECK(s.at("profiles").to_number<int64_t>() == 6);
  CHECK(s.at("rows_rejected").to_number<int64_t>() == 0);
  CHECK(s.at("matched").to_number<int64_t>() == 5);
  CHECK(s.at("unmatched").to_number<int64_t>() == 1);
  CHECK(s.at("relations").to_number<int64_t>() == 6);
  CHECK(s.at("relations_changed").to_number<int64_t>() == 6);
  CHECK(s.at("tags_added").to_number<int64_t>() == 10);
  CHECK(s.at("tags_removed").to_number<int64_t>() == 0);
  CHECK(s.at("api_calls").to_number<int64_t>() >= 6);  // at least one mark_tag per changed relation
  CHECK(s.at("blocked").as_bool() == false);
  CHECK(s.at("reasons").as_array().empty());
  const json::array& changes = p.at("changes").as_array();
  CHECK(changes.size() == 6);
  auto expected = SmallExpected(SmallRows());
  std::map<std::string, std::string> crm_of{{"staff001|wmC1000001", "C1000001"}, {"staff001|wmC1000002", "C1000002"},
                                            {"staff002|wmC1000003", "C1000003"}, {"staff001|wmC1000004", "C1000004"},
                                            {"staff001|wmC1000006", "C1000006"}, {"staff002|wmC1000006", "C1000006"}};
  for (const auto& [rel, crm] : crm_of) {
    const json::object* c = ChangeFor(p, rel);
    REQUIRE_MESSAGE(c != nullptr, rel);
    for (const char* key : {"crm_id", "external_userid", "userid", "add", "remove"}) CHECK_MESSAGE(c->contains(key), key);
    CHECK(c->at("crm_id").as_string() == crm);
    auto add = Strings(c->at("add"));
    CHECK(TagSet(add.begin(), add.end()) == expected[rel]);
    CHECK(c->at("remove").as_array().empty());
  }
  json::object stats = w.fake().Stats();
  CHECK(Fake::Mutations(stats) == 0);
  for (const auto& [rel, tags] : RelTags(w.fake().State())) CHECK_MESSAGE(tags.empty(), rel);
  CHECK(w.fake().State().at("tag_groups").as_array().empty());

  // After a sync, the plan is empty.
  SyncOk(w);
  RunResult again = w.Segsync("plan", {"--format", "json"});
  REQUIRE(again.exit_code == 0);
  json::object p2 = ParseJson(again.out);
  CHECK(p2.at("summary").at("relations_changed").to_number<int64_t>() == 0);
  CHECK(p2.at("changes").as_array().empty());
}

}  // namespace
}  // namespace segsync::e2e

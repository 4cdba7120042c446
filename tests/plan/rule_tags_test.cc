// From rule memberships to catalog indexes: groups and exclusivity come from the rules.
#include "plan/rule_tags.h"

#include <doctest/doctest.h>

#include "plan/plan.h"
#include "segment/rule_loader.h"

namespace segsync {
namespace {

Schema TwoFields() {
  Schema s;
  for (const char* name : {"id", "status", "city"}) {
    FieldDef f;
    f.name = name;
    f.column = name;
    s.fields.push_back(f);
  }
  return s;
}

Profile MakeProfile(const std::string& id, const std::string& status, const std::string& city) {
  Profile p;
  p.id = id;
  p.values = {Value(id), Value(status), city.empty() ? Value() : Value(city)};
  return p;
}

constexpr const char* kRules = R"(tag_groups:
  - name: 会籍阶段
    exclusive: true
    segments:
      - id: affiliate
        tag: 在读学员
        when: status = "Affiliate"
      - id: anyone
        tag: 其他
        when: status is not empty
  - name: 城市
    segments:
      - id: city
        tag_from: city
        values: [Shanghai, Beijing]
)";

TEST_CASE("rule groups seed the catalog and memberships become desired tags") {
  DiagSink sink;
  RuleSet rules = LoadRuleSources({{"r.yaml", kRules}}, TwoFields(), sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());

  TagCatalog cat;
  AddRuleTags(rules, &cat);
  REQUIRE(cat.size() == 4);
  CHECK(cat.Key(0) == "会籍阶段/在读学员");
  CHECK(cat.Key(1) == "会籍阶段/其他");
  CHECK(cat.Key(2) == "城市/Shanghai");
  CHECK(cat.Key(3) == "城市/Beijing");
  CHECK(cat.exclusive(0));
  CHECK_FALSE(cat.exclusive(2));

  Evaluator eval(rules, MakeEvalContext(DateTime{0}, nullptr));
  std::vector<Membership> m;
  std::vector<TagIndex> desired;
  eval.Evaluate(MakeProfile("C1", "Affiliate", "Beijing"), &m);
  DesiredTags(rules, m, &cat, &desired);
  CHECK(desired == std::vector<TagIndex>{0, 3});  // exclusive: first match only
  eval.Evaluate(MakeProfile("C2", "Member", "Chengdu"), &m);
  DesiredTags(rules, m, &cat, &desired);
  CHECK(desired == std::vector<TagIndex>{1});  // Chengdu is not an allowed value
  CHECK(cat.size() == 4);
}

TEST_CASE("a membership whose tag is not in the catalog yet is interned in its group") {
  DiagSink sink;
  RuleSet rules = LoadRuleSources({{"r.yaml", kRules}}, TwoFields(), sink);
  REQUIRE(sink.ok());
  TagCatalog cat;  // not seeded
  std::vector<TagIndex> desired;
  DesiredTags(rules, {{0, "在读学员"}, {2, "Hangzhou"}}, &cat, &desired);
  REQUIRE(desired.size() == 2);
  CHECK(cat.Key(desired[0]) == "会籍阶段/在读学员");
  CHECK(cat.exclusive(desired[0]));
  CHECK(cat.Key(desired[1]) == "城市/Hangzhou");
  CHECK(cat.tag_id(desired[1]).empty());
}

}  // namespace
}  // namespace segsync

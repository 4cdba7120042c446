#include "segment/rule_loader.h"

#include <doctest/doctest.h>

#include "affiliate_schema.h"
#include "test_support.h"

namespace segsync {

using testing::LoadText;

namespace {

// A rule file with one segment whose `when` line is `when_line` (indented 8 spaces).
std::string OneSegment(const std::string& when_line, const std::string& extra = "") {
  return "tag_groups:\n"
         "  - name: G\n"
         "    segments:\n"
         "      - id: a\n"
         "        tag: A\n" +
         when_line + "\n" + extra;
}

std::string Errors(const std::string& yaml) {
  DiagSink sink;
  LoadText(yaml, sink);
  return sink.FormatAll();
}

}  // namespace

TEST_CASE("unknown field: position inside the scalar and a did-you-mean hint") {
  CHECK(Errors(OneSegment("        when: stauts = \"Affiliate\"")) ==
        "r.yaml:6:15: error: unknown field 'stauts'\n"
        "            when: stauts = \"Affiliate\"\n"
        "                  ^\n"
        "    did you mean 'status'?\n");
}

TEST_CASE("unknown operator 'contians' points at the operator") {
  CHECK(Errors(OneSegment("        when: city contians \"x\"")) ==
        "r.yaml:6:20: error: unknown operator 'contians'\n"
        "            when: city contians \"x\"\n"
        "                       ^\n"
        "    did you mean 'contains'?\n");
}

TEST_CASE("a date field compared with a number, inside an all: list") {
  CHECK(Errors(OneSegment("        when:\n          all:\n            - status = Member\n"
                          "            - last_exam > 5")) ==
        "r.yaml:9:27: error: cannot compare date field 'last_exam' with the number 5\n"
        "                - last_exam > 5\n"
        "                              ^\n");
}

TEST_CASE("a regex RE2 rejects is an error with RE2's message") {
  CHECK(Errors(OneSegment("        when: employer matches /[a-/")) ==
        "r.yaml:6:33: error: invalid regular expression: missing ]: [a-\n"
        "            when: employer matches /[a-/\n"
        "                                    ^\n");
}

TEST_CASE("columns inside quoted and block scalars") {
  DiagSink quoted;
  LoadText(OneSegment("        when: \"city contians x\""), quoted);
  REQUIRE(quoted.diagnostics().size() == 1);
  CHECK(quoted.diagnostics()[0].pos.line == 6);
  CHECK(quoted.diagnostics()[0].pos.col == 21);

  DiagSink block;
  LoadText(OneSegment("        when: >\n          city = x and\n          more"), block);
  REQUIRE(block.diagnostics().size() == 1);
  CHECK(block.diagnostics()[0].message == "unexpected 'and' after the predicate");
  CHECK(block.diagnostics()[0].pos.line == 7);
  CHECK(block.diagnostics()[0].pos.col == 20);
}

TEST_CASE("a cycle of segment references is named at the reference") {
  std::string yaml =
      "tag_groups:\n"
      "  - name: G\n"
      "    segments:\n"
      "      - id: a\n"
      "        tag: A\n"
      "        when: in segment b\n"
      "      - id: b\n"
      "        tag: B\n"
      "        when:\n"
      "          any:\n"
      "            - city = x\n"
      "            - in segment a\n";
  CHECK(Errors(yaml) ==
        "r.yaml:12:26: error: cycle in segment references: a -> b -> a\n"
        "                - in segment a\n"
        "                             ^\n");
}

TEST_CASE("an exclusive group orders its segments: referring forward is a cycle") {
  std::string yaml =
      "tag_groups:\n"
      "  - name: G\n"
      "    exclusive: true\n"
      "    segments:\n"
      "      - id: first\n"
      "        tag: A\n"
      "        when: in segment second\n"
      "      - id: second\n"
      "        tag: B\n"
      "        when: city = x\n";
  DiagSink sink;
  LoadText(yaml, sink);
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(sink.diagnostics()[0].message == "cycle in segment references: first -> second -> first");
  CHECK(sink.diagnostics()[0].pos.line == 7);
  CHECK(sink.diagnostics()[0].pos.col == 26);
  // Referring backwards is fine.
  DiagSink ok;
  LoadText("tag_groups:\n  - name: G\n    exclusive: true\n    segments:\n"
           "      - {id: first, tag: A, when: city = x}\n"
           "      - {id: second, tag: B, when: in segment first}\n",
           ok);
  CHECK_MESSAGE(ok.ok(), ok.FormatAll());
}

TEST_CASE("an unknown segment reference gets a did-you-mean hint") {
  DiagSink sink;
  LoadText(OneSegment("        when: not in segment lapsde", "      - {id: lapsed, tag: L, when: status = Lapsed}\n"),
           sink);
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(FormatDiagnostic(sink.diagnostics()[0]) ==
        "r.yaml:6:30: error: unknown segment 'lapsde'\n"
        "            when: not in segment lapsde\n"
        "                                 ^\n"
        "    did you mean 'lapsed'?\n");
}

TEST_CASE("a duplicate segment id is an error across files") {
  DiagSink sink;
  LoadRuleSources({{"a.yaml", "tag_groups:\n  - name: G\n    segments:\n      - {id: x, tag: A, when: city = a}\n"},
                   {"b.yaml", "tag_groups:\n  - name: H\n    segments:\n      - id: x\n        tag: B\n        when: city = b\n"}},
                  testing::AffiliateSchema(), sink);
  CHECK(sink.FormatAll() ==
        "b.yaml:4:13: error: duplicate segment id 'x' (first defined at a.yaml:4:14)\n"
        "          - id: x\n"
        "                ^\n");
}

TEST_CASE("a tag is at most 30 characters, counted as UTF-8 characters") {
  std::string thirty, thirty_one;
  for (int i = 0; i < 30; ++i) thirty += "转";
  thirty_one = thirty + "会";
  DiagSink ok;
  LoadText("tag_groups:\n  - name: G\n    segments:\n      - id: a\n        tag: " + thirty +
               "\n        when: city = x\n",
           ok);
  CHECK_MESSAGE(ok.ok(), ok.FormatAll());
  DiagSink sink;
  LoadText("tag_groups:\n  - name: G\n    segments:\n      - id: a\n        tag: " + thirty_one +
               "\n        when: city = x\n",
           sink);
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(sink.diagnostics()[0].message ==
        "tag '" + thirty_one + "' is too long (31 characters, at most 30)");
  CHECK(sink.diagnostics()[0].pos.line == 5);
  CHECK(sink.diagnostics()[0].pos.col == 14);
}

TEST_CASE("tag_from needs values or max_tags") {
  CHECK(Errors("tag_groups:\n  - name: 城市\n    segments:\n      - id: city\n        tag_from: city\n") ==
        "r.yaml:5:19: error: tag_from 'city' needs 'values:' (an allow-list) or 'max_tags:'\n"
        "            tag_from: city\n"
        "                      ^\n");
}

TEST_CASE("a YAML syntax error is a diagnostic with its position") {
  CHECK(Errors("tag_groups:\n  - name: G\n    segments: [a, b\n") ==
        "r.yaml:4:1: error: invalid YAML: end of sequence flow not found\n");
  CHECK(Errors("tag_groups:\n  - name: G\n   bad: x\n") ==
        "r.yaml:3:4: error: invalid YAML: end of sequence not found\n"
        "       bad: x\n"
        "       ^\n");
}

TEST_CASE("an unknown key gets a did-you-mean hint") {
  CHECK(Errors(OneSegment("        whem: city = x")) ==
        "r.yaml:6:9: error: unknown key 'whem' in segment\n"
        "            whem: city = x\n"
        "            ^\n"
        "    did you mean 'when'?\n"
        "r.yaml:4:13: error: segment 'a' needs 'when:'\n"
        "          - id: a\n"
        "                ^\n");
  CHECK(Errors(OneSegment("        when: city = x\n        when: city = y")) ==
        "r.yaml:7:9: error: duplicate key 'when' in segment\n"
        "            when: city = y\n"
        "            ^\n");
  DiagSink sink;
  LoadText("tag_group:\n  - name: G\n", sink);
  REQUIRE(sink.diagnostics().size() == 1);
  CHECK(sink.diagnostics()[0].message == "unknown key 'tag_group' in the rule file");
  CHECK(sink.diagnostics()[0].hint == "did you mean 'tag_groups'?");
}

TEST_CASE("structural errors in segments, when trees, group chats and examples") {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::string head = "tag_groups:\n  - name: G\n    segments:\n      - id: a\n";
  const Case cases[] = {
      {head + "        when: city = x\n", "segment 'a' needs 'tag:' or 'tag_from:'"},
      {head + "        tag: A\n        tag_from: city\n        values: [x]\n        when: city = x\n",
       "a segment has either 'tag:' or 'tag_from:', not both"},
      {head + "        tag: A\n        when: {all: [city = x], any: [city = y]}\n",
       "a 'when' is a predicate string or a map with one key: all, any or not"},
      {head + "        tag: A\n        when:\n          - city = x\n",
       "a list of conditions needs 'all:' or 'any:' before it"},
      {head + "        tag: A\n        when: {al: [city = x]}\n", "unknown key 'al' in when"},
      {head + "        tag: A\n        when: {all: []}\n", "'all:' needs a non-empty list of conditions"},
      {head + "        tag: A\n        when: city = x\n        group_chat: {chat_ids: [a, b, c, d, e, f], invitation: hi}\n",
       "group_chat needs 1 to 5 chat_ids, got 6"},
      {head + "        tag: A\n        when: city = x\n        group_chat: {chat_ids: [a]}\n",
       "group_chat needs an 'invitation:' text"},
      {head + "        tag: A\n        when: city = x\n        group_chat: {chat_ids: [a], invitation: " +
           std::string(4001, 'x') + "}\n",
       "invitation is too long (4001 bytes, at most 4000)"},
      {head + "        tag: A\n        when: city = x\n        examples:\n          - expect: in\n            profile: {cty: x}\n",
       "unknown field 'cty' in example"},
      {head + "        tag: A\n        when: city = x\n        examples:\n          - expect: maybe\n            profile: {city: x}\n",
       "expect must be 'in' or 'out', not 'maybe'"},
      {head + "        tag: A\n        when: city = x\n        examples:\n          - expect: in\n            profile: {exams_passed: many}\n",
       "example value 'many' for int field 'exams_passed': not an integer"},
      {head + "        tag_from: last_exam\n        max_tags: 3\n",
       "tag_from needs a string, list or int field; 'last_exam' is a date field"},
      {head + "        tag_from: city\n        max_tags: 0\n", "'max_tags' must be a whole number from 1 to 1000"},
      {"tag_groups:\n  - name: 一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一\n    segments:\n      - {id: a, tag: A, when: city = x}\n",
       "tag group name '一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一' is too long (31 characters, at most 30)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    DiagSink sink;
    LoadText(c.yaml, sink);
    REQUIRE_FALSE(sink.ok());
    CHECK(sink.diagnostics()[0].message == c.message);
  }
}

TEST_CASE("campaigns: unknown segments and touches outside the period are errors, gaps warn") {
  std::string rules =
      "tag_groups:\n"
      "  - name: G\n"
      "    exclusive: true\n"
      "    segments:\n"
      "      - {id: a, tag: A, when: city = a}\n"
      "      - {id: b, tag: B, when: city = b}\n"
      "campaigns:\n"
      "  - name: Q1\n"
      "    from: 2027-01-01\n"
      "    to: 2027-03-31\n"
      "    touches:\n"
      "      - date: 2027-04-02\n"
      "        segments: [a, c]\n"
      "        message: hi\n"
      "        link: {title: t, url: ftp://x}\n";
  DiagSink sink;
  RuleSet rs = LoadText(rules, sink);
  CHECK(sink.FormatAll() ==
        "r.yaml:12:15: error: touch date 2027-04-02 is outside campaign 'Q1' (2027-01-01 to 2027-03-31)\n"
        "          - date: 2027-04-02\n"
        "                  ^\n"
        "r.yaml:13:23: error: unknown segment 'c'\n"
        "            segments: [a, c]\n"
        "                          ^\n"
        "    did you mean 'a'?\n"
        "r.yaml:15:31: error: link url 'ftp://x' must start with https://\n"
        "            link: {title: t, url: ftp://x}\n"
        "                                  ^\n"
        "r.yaml:8:5: warning: segment 'b' of group 'G' has no touch in campaign 'Q1' (2027-01-01 to 2027-03-31)\n"
        "      - name: Q1\n"
        "        ^\n");
  REQUIRE(rs.campaigns.size() == 1);
  CHECK(rs.campaigns[0].touches[0].segments == std::vector<int>{0});
}

TEST_CASE("a valid file loads into groups, segments, examples and a group chat") {
  DiagSink sink;
  RuleSet rs = LoadText(
      "tag_groups:\n"
      "  - name: 会籍阶段\n"
      "    exclusive: true\n"
      "    segments:\n"
      "      - id: ready\n"
      "        tag: 待转会员\n"
      "        when: {all: [status = Affiliate, exams_passed >= 13]}\n"
      "        group_chat: {chat_ids: [wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA], invitation: 欢迎}\n"
      "        examples:\n"
      "          - {expect: in, profile: {status: Affiliate, exams_passed: 13, ethics_done: true, last_exam: today-3}}\n"
      "  - name: 城市\n"
      "    segments:\n"
      "      - {id: city, tag_from: city, values: [Shanghai, Beijing]}\n",
      sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  REQUIRE(rs.groups.size() == 2);
  CHECK(rs.groups[0].exclusive);
  REQUIRE(rs.segments.size() == 2);
  CHECK(rs.segments[0].group_chat->chat_ids == std::vector<std::string>{"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"});
  CHECK(rs.segments[0].group_chat->reinvite_after_days == 30);
  const Example& ex = rs.segments[0].examples[0];
  CHECK(std::get<bool>(ex.profile.values[rs.schema.IndexOf("ethics_done")]));
  REQUIRE(ex.relative_dates.size() == 1);
  CHECK(ex.relative_dates[0].offset_days == -3);
  CHECK(rs.segments[1].tag_from == rs.schema.IndexOf("city"));
  CHECK(rs.GroupTag(1, "Shanghai") == "城市/Shanghai");
}

TEST_CASE("ExpandRulePath: a directory gives its *.yaml files sorted, a missing path is an error") {
  testing::TempDir dir;
  testing::WriteFile(dir / "20-b.yaml", "");
  testing::WriteFile(dir / "10-a.yml", "");
  testing::WriteFile(dir / "notes.txt", "");
  DiagSink sink;
  CHECK(ExpandRulePath(dir.path(), sink) == std::vector<std::string>{dir / "10-a.yml", dir / "20-b.yaml"});
  CHECK(ExpandRulePath(dir / "20-b.yaml", sink) == std::vector<std::string>{dir / "20-b.yaml"});
  CHECK(sink.ok());
  CHECK(ExpandRulePath(dir / "nope", sink).empty());
  CHECK(sink.FormatAll() == dir / "nope" + ": error: rules: no such file or directory\n");
}

}  // namespace segsync

namespace segsync {

// Found by mutating the example rules under AddressSanitizer: a key taken by reference from a
// yaml-cpp iterator dangled. Every mutation must load or fail with positioned diagnostics.
TEST_CASE("mutated rule files never crash and every problem has a line") {
  std::string text = testing::ReadFile(std::string(SEGSYNC_SOURCE_DIR) + "/rules/10-journey.yaml");
  const char* inserts[] = {" ", ":", "- ", "[", "]", "{", "}", "\"", "'", "\n", "#", "in segment x",
                           "not:", "all:", "today", "/", "|", ">", "\t", "&a ", "*a", "!!str "};
  uint64_t x = 12345;
  auto rnd = [&](uint64_t m) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % m;
  };
  int failed_loads = 0;
  for (int i = 0; i < 300; ++i) {
    std::string t = text;
    for (int m = 0, n = 1 + static_cast<int>(rnd(3)); m < n; ++m) {
      size_t p = rnd(t.size() + 1);
      if (rnd(2)) t.erase(p, rnd(6));
      else t.insert(p, inserts[rnd(sizeof inserts / sizeof *inserts)]);
    }
    DiagSink sink;
    LoadRuleSources({{"m.yaml", t}}, testing::AffiliateSchema(), sink);
    if (!sink.ok()) ++failed_loads;
    for (const auto& d : sink.diagnostics()) {
      CAPTURE(t);
      CHECK(d.pos.line > 0);
    }
  }
  CHECK(failed_loads > 100);  // the mutations do break the file most of the time
}

}  // namespace segsync

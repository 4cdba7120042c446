// `group_chat:` limits in the rules (spec §4, issue 6) that `validate` reports with their
// position: those tests/segment does not cover (chat ids, link_title, reinvite_after_days).
#include <doctest/doctest.h>

#include "../segment/affiliate_schema.h"
#include "segment/rule_loader.h"

namespace segsync {
namespace {

std::string Rules(const std::string& group_chat) {
  return "tag_groups:\n  - name: G\n    segments:\n      - id: a\n        tag: A\n        when: city = x\n"
         "        group_chat:\n" + group_chat;
}

TEST_CASE("groups rules: bad group_chat values are errors with their line and column") {
  struct Case {
    std::string group_chat;
    std::string message;
    int line, col;
  };
  const std::vector<Case> cases{
      {"          chat_ids: [wrA, wrB, wrA]\n          invitation: hi\n", "chat id wrA is listed twice", 8, 32},
      {"          chat_ids: [\"\"]\n          invitation: hi\n", "a chat id is 1 to 128 characters", 8, 22},
      {"          chat_ids: [wrA]\n          invitation: hi\n          link_title: " + std::string(129, 't') + "\n",
       "link_title is too long (129 bytes, at most 128)", 10, 23},
      {"          chat_ids: [wrA]\n          invitation: hi\n          reinvite_after_days: 0\n",
       "'reinvite_after_days' must be a whole number from 1 to 3650", 10, 32},
      {"          chat_ids: [wrA]\n          invitation: hi\n          reinvite_after_days: 3651\n",
       "'reinvite_after_days' must be a whole number from 1 to 3650", 10, 32},
      {"          chat_ids: []\n          invitation: hi\n", "group_chat needs 1 to 5 chat_ids, got 0", 8, 21},
      {"          chat_ids: [wrA]\n          invitation: \"\"\n", "empty invitation", 9, 23},
      {"          chat_ids: [wrA]\n          invitation: hi\n          reinvite: 3\n",
       "unknown key 'reinvite' in group_chat", 10, 11},
  };
  for (const auto& c : cases) {
    CAPTURE(c.group_chat);
    DiagSink sink;
    testing::LoadText(Rules(c.group_chat), sink);
    REQUIRE_FALSE(sink.ok());
    const Diagnostic& d = sink.diagnostics()[0];
    CHECK(d.message.find(c.message) == 0);
    CHECK(d.pos.line == c.line);
    CHECK(d.pos.col == c.col);
  }
}

TEST_CASE("groups rules: the limits themselves are accepted") {
  DiagSink sink;
  RuleSet rs = testing::LoadText(
      Rules("          chat_ids: [wr1, wr2, wr3, wr4, wr5]\n          invitation: " + std::string(4000, 'i') +
            "\n          link_title: " + std::string(128, 't') + "\n          reinvite_after_days: 3650\n"),
      sink);
  REQUIRE_MESSAGE(sink.ok(), sink.FormatAll());
  REQUIRE(rs.segments[0].group_chat);
  CHECK(rs.segments[0].group_chat->chat_ids.size() == 5);
  CHECK(rs.segments[0].group_chat->reinvite_after_days == 3650);
  CHECK(rs.segments[0].group_chat->link_title.size() == 128);
}

}  // namespace
}  // namespace segsync

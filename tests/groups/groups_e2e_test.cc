// End-to-end tests of the group-chat invitations (issue 6, docs/groups.md): the real segsync
// binary against fake-wecom, asserting WeCom's state, the ledger and what `plan`/`runs` show.
#include "world.h"

namespace segsync::groups_test {
namespace {

const std::map<int, std::string> kStatuses{{1, "Affiliate"}, {2, "Affiliate"}, {3, "Affiliate"},
                                           {4, "Member"},    {5, "Lapsed"},    {6, "Affiliate"}};
// 31 days after now: outside reinvite_after_days = 30 (the default for `members` too).
std::string Later(int days = 31) {
  auto t = std::chrono::system_clock::now() + std::chrono::hours(24 * days);
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", std::gmtime(&tt));
  return buf;
}

TEST_CASE("groups: a segment with a group chat produces exactly one join way and invitation tasks grouped by member") {
  World w(/*max_invitations=*/4);
  w.WriteExport(kStatuses);

  // `plan` and `sync --dry-run` show the invitations per segment and member and create nothing.
  RunResult plan = w.Segsync("plan");
  REQUIRE_MESSAGE(plan.exit_code == 0, plan.out << plan.err);
  CHECK(plan.out.find("Group chats: 5 invitations in 3 tasks") != std::string::npos);
  CHECK(plan.out.find("ready (会籍阶段/待转会员): join way create") != std::string::npos);
  CHECK(plan.out.find("staff002             2 invitations") != std::string::npos);
  RunResult pj = w.Segsync("plan", {"--format", "json"});
  REQUIRE(pj.exit_code == 0);
  json::object pjo = ParseJson(pj.out);
  CHECK(pjo.at("summary").as_object().at("invitations").to_number<int64_t>() == 5);
  REQUIRE(pjo.at("invitations").as_array().size() == 3);
  RunResult pc = w.Segsync("plan", {"--format", "csv"});
  REQUIRE(pc.exit_code == 0);
  CHECK(pc.out.find("C6,wmC6,staff002,invite,会籍阶段/待转会员\r\n") != std::string::npos);
  CHECK(w.Segsync("sync", {"--dry-run"}).exit_code == 0);
  json::object before = w.fake().State();
  CHECK(before.at("join_ways").as_array().empty());
  CHECK(before.at("msg_templates").as_array().empty());

  // 5 invitations > guard.max_invitations = 4: blocked like any guard reason, then approved.
  std::string blocked = w.Sync(3);
  CHECK(blocked.find("would invite 5 customers into group chats, more than guard.max_invitations = 4") !=
        std::string::npos);
  CHECK(w.fake().State().at("join_ways").as_array().empty());
  std::string plan_id(pjo.at("plan_id").as_string());
  std::string out = w.Sync(0, {"--approve", plan_id});
  CHECK(out.find("5 invited") != std::string::npos);
  json::object st = w.fake().State();
  // One join way per segment, owned (recorded) with its state and chat.
  const auto& ways = st.at("join_ways").as_array();
  REQUIRE(ways.size() == 2);
  std::map<std::string, json::object> by_state;
  for (const auto& v : ways) by_state[std::string(v.as_object().at("state").as_string())] = v.as_object();
  REQUIRE(by_state.count("sg_ready"));
  REQUIRE(by_state.count("sg_members"));
  CHECK(by_state["sg_ready"].at("chat_id_list").as_array()[0].as_string() == kReadyChat);
  CHECK(w.Count("SELECT count(*) FROM join_way WHERE deleted = 0") == 2);
  CHECK(w.Text("SELECT state FROM join_way WHERE segment_id = 'ready'") == "sg_ready");
  CHECK_FALSE(w.Text("SELECT qr_code FROM join_way WHERE segment_id = 'ready'").empty());
  // Tasks grouped by member; wmC6 through staff002, its earliest relationship.
  Tasks ready = TasksOf(st, kReadyText);
  Tasks expect{{"staff001", {"wmC1", "wmC2"}}, {"staff002", {"wmC3", "wmC6"}}};
  CHECK_MESSAGE(ready == expect, Describe(ready));
  Tasks members = TasksOf(st, kMembersText);
  Tasks expect_members{{"staff001", {"wmC4"}}};
  CHECK_MESSAGE(members == expect_members, Describe(members));
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE status = 'created' AND msgid IS NOT NULL") == 5);
  // The invitation text with the join way's QR URL as its link attachment.
  std::string qr = w.Text("SELECT qr_code FROM join_way WHERE segment_id = 'ready'");
  for (const auto& v : st.at("msg_templates").as_array()) {
    const auto& m = v.as_object();
    if (m.at("text").as_string() != kReadyText) continue;
    REQUIRE(m.at("attachments").as_array().size() == 1);
    const auto& link = m.at("attachments").as_array()[0].as_object().at("link").as_object();
    CHECK(link.at("url").as_string() == qr.c_str());
    CHECK(link.at("title").as_string() == "扫码入群");
  }
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC6' AND userid = 'staff002'") == 1);
  json::object g = GroupStats(w, "ready");
  CHECK(Int(g, "invited") == 4);

  // A changed chat list updates the same join way; a removed segment's join way is deleted.
  w.fake().Admin("add_group_chat", {{"owner", "staff001"}, {"chat_id", "wrReadyChat0002"}});
  w.WriteRules(RulesYaml(std::string(kReadyChat) + ", wrReadyChat0002", false));
  w.Sync();
  json::object st2 = w.fake().State();
  REQUIRE(st2.at("join_ways").as_array().size() == 1);
  const auto& way = st2.at("join_ways").as_array()[0].as_object();
  CHECK(way.at("config_id") == by_state["sg_ready"].at("config_id"));
  CHECK(way.at("chat_id_list").as_array().size() == 2);
  CHECK(w.Count("SELECT count(*) FROM join_way WHERE deleted = 1 AND segment_id = 'members'") == 1);
  CHECK(w.Text("SELECT chat_ids FROM join_way WHERE segment_id = 'ready'") == std::string(kReadyChat) + ",wrReadyChat0002");
  CHECK(st2.at("msg_templates").as_array().size() == 3);  // nothing new inside the window
}

TEST_CASE("groups: a customer who joins through the join way is recorded with its state and is not invited again") {
  World w;
  w.WriteExport(kStatuses);
  w.Sync();
  std::string config_id = w.Text("SELECT config_id FROM join_way WHERE segment_id = 'ready'");
  REQUIRE_FALSE(config_id.empty());
  w.fake().Admin("join_group", {{"config_id", config_id}, {"external_userid", "wmC1"}});

  // Past reinvite_after_days everyone else in the segment is invited again, wmC1 is not.
  w.Sync(0, {"--as-of", Later()});
  CHECK(w.Text("SELECT state FROM group_member WHERE chat_id = 'wrReadyChat0001' AND external_userid = 'wmC1'") ==
        "sg_ready");
  CHECK(w.Count("SELECT count(*) FROM group_member WHERE external_userid = 'wmC1' AND left_at IS NULL") == 1);
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC1'") == 1);
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC2'") == 2);
  Tasks ready = TasksOf(w.fake().State(), kReadyText);
  CHECK(std::count(ready["staff001"].begin(), ready["staff001"].end(), "wmC1") == 1);
  json::object g = GroupStats(w, "ready");
  CHECK(Int(g, "joined") == 1);
  CHECK(g.at("join_rate").to_number<double>() == doctest::Approx(0.25));
  CHECK(Int(g, "left") == 0);

  // Leaving is recorded too (and the member_version changed, so the chat is re-read).
  w.fake().Admin("leave_group", {{"chat_id", kReadyChat}, {"external_userid", "wmC1"}});
  w.Sync();
  CHECK(w.Count("SELECT count(*) FROM group_member WHERE external_userid = 'wmC1' AND left_at IS NOT NULL") == 1);
  CHECK(Int(GroupStats(w, "ready"), "left") == 1);
  RunResult runs = w.Segsync("runs");
  CHECK(runs.out.find("Group chats (all runs)") != std::string::npos);
  CHECK(runs.out.find("25.0%") != std::string::npos);
}

TEST_CASE("groups: a customer who left the segment is not invited") {
  World w;
  w.WriteExport(kStatuses);
  w.Sync();
  auto changed = kStatuses;
  changed[2] = "Lapsed";  // C2 leaves `ready`
  w.WriteExport(changed);
  RunResult plan = w.Segsync("plan", {"--format", "csv", "--as-of", Later()});
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("wmC2,staff001,invite") == std::string::npos);
  CHECK(plan.out.find("wmC1,staff001,invite") != std::string::npos);
  w.Sync(0, {"--as-of", Later()});
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC2'") == 1);
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC1'") == 2);
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC5'") == 0);  // never in it
}

TEST_CASE("groups: a second run inside reinvite_after_days sends nothing") {
  World w;
  w.WriteExport(kStatuses);
  w.Sync();
  int64_t calls = Fake::Calls(w.fake().Stats(), "add_msg_template");
  CHECK(calls == 3);
  RunResult plan = w.Segsync("plan");
  CHECK(plan.out.find("Group chats: 0 invitations") != std::string::npos);
  CHECK(plan.out.find("4 invited recently") != std::string::npos);
  w.Sync(0, {"--as-of", Later(29)});
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == calls);
  CHECK(w.Count("SELECT count(*) FROM invitation") == 5);
  // ... and past the window the same customers are invited again.
  w.Sync(0, {"--as-of", Later(31)});
  CHECK(Fake::Calls(w.fake().Stats(), "add_msg_template") == calls + 3);
  CHECK(w.Count("SELECT count(*) FROM invitation") == 10);
}

TEST_CASE("groups: a deleted chat id gives a clear per-segment error") {
  World w;
  w.WriteExport(kStatuses);
  w.fake().Admin("delete_group_chat", {{"chat_id", kMemberChat}});
  RunResult plan = w.Segsync("plan");
  CHECK(plan.out.find("ERROR group chat wrMemberChat001 is not listed by WeCom") != std::string::npos);
  std::string out = w.Sync(5);
  CHECK(out.find("segment members: group chat wrMemberChat001 is not listed by WeCom (deleted") != std::string::npos);
  // The other segment went on.
  CHECK(TasksOf(w.fake().State(), kReadyText).size() == 2);
  CHECK(TasksOf(w.fake().State(), kMembersText).empty());
  CHECK(w.Count("SELECT count(*) FROM join_way WHERE segment_id = 'members'") == 0);
  CHECK(w.Count("SELECT count(*) FROM audit WHERE action = 'group_chat' AND outcome = 'failed' AND "
                "target = 'members wrMemberChat001' AND reason LIKE '%wrMemberChat001%'") == 1);
  CHECK(w.Text("SELECT outcome FROM run ORDER BY id DESC LIMIT 1") == "partial");
  CHECK(w.Text("SELECT message FROM run ORDER BY id DESC LIMIT 1").find("segment members") != std::string::npos);

  // The chat is back, but WeCom refuses the segment's task: recorded per customer with the
  // errcode and reason, the run is partial again, and the next run invites them.
  w.fake().Admin("add_group_chat", {{"owner", "staff002"}, {"chat_id", kMemberChat}});
  w.fake().Admin("fault", {{"endpoint", "add_msg_template"}, {"count", 1}, {"errcode", 60011}});
  std::string refused = w.Sync(5);
  CHECK(refused.find("segment members: add_msg_template for 1 customers of member staff001 failed: errcode 60011") !=
        std::string::npos);
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC4' AND status = 'failed' AND "
                "errcode = 60011 AND reason LIKE 'add_msg_template: errcode 60011%'") == 1);
  w.Sync();
  CHECK(w.Count("SELECT count(*) FROM invitation WHERE external_userid = 'wmC4' AND status = 'created'") == 1);
  CHECK(TasksOf(w.fake().State(), kMembersText).size() == 1);
}

TEST_CASE("groups: the send-result states are recorded") {
  World w(1000, "2s");
  w.WriteExport(kStatuses);
  w.Sync();
  json::object st = w.fake().State();
  std::map<std::string, std::string> msgid;  // sender -> msgid of the ready task
  for (const auto& v : st.at("msg_templates").as_array()) {
    const auto& m = v.as_object();
    if (m.at("text").as_string() == kReadyText) msgid[std::string(m.at("sender").as_string())] = m.at("msgid").as_string().c_str();
  }
  REQUIRE(msgid.size() == 2);
  auto set = [&](const std::string& sender, const std::string& ext, int status) {
    w.fake().Admin("send_result", {{"msgid", msgid[sender]}, {"userid", sender}, {"external_userid", ext}, {"status", status}});
  };
  w.fake().Admin("send_result", {{"msgid", msgid["staff001"]}, {"userid", "staff001"}, {"task_status", 2}});
  set("staff001", "wmC1", 1);
  set("staff001", "wmC2", 2);
  set("staff002", "wmC3", 3);  // wmC6 stays 0: not sent by the member
  w.Sync();
  CHECK(w.Count("SELECT send_status FROM invitation WHERE external_userid = 'wmC1'") == 1);
  CHECK(w.Count("SELECT send_status FROM invitation WHERE external_userid = 'wmC2'") == 2);
  CHECK(w.Count("SELECT send_status FROM invitation WHERE external_userid = 'wmC3'") == 3);
  CHECK(w.Count("SELECT send_status FROM invitation WHERE external_userid = 'wmC6'") == 0);
  CHECK(w.Count("SELECT send_time FROM invitation WHERE external_userid = 'wmC1'") > 0);
  json::object g = GroupStats(w, "ready");
  CHECK(Int(g, "sent") == 1);
  CHECK(Int(g, "not_contact") == 1);
  CHECK(Int(g, "quota") == 1);
  CHECK(Int(g, "not_sent") == 1);
  // Settled tasks are not read again; open ones are: staff002's (wmC6 at 0) and the members
  // task (wmC4 at 0); staff001's ready task (all settled) is not.
  auto stats = w.fake().Stats();
  int64_t before = Fake::Calls(stats, "get_groupmsg_send_result");
  w.Sync();
  CHECK(Fake::Calls(w.fake().Stats(), "get_groupmsg_send_result") == before + 2);

  // The daemon's /metrics after its run shows the same figures per segment.
  auto daemon = w.StartDaemon();
  CHECK(ScrapeWhenPresent(*daemon, "segsync_group_invitations{segment=\"ready\",state=\"quota\"}") == 1);
  CHECK(ScrapeWhenPresent(*daemon, "segsync_group_invitations{segment=\"ready\",state=\"invited\"}") == 4);
  CHECK(ScrapeWhenPresent(*daemon, "segsync_group_join_rate{segment=\"ready\"}") == 0);
  daemon->Signal(SIGTERM);
  CHECK(daemon->Wait(15000) == 0);
}

}  // namespace
}  // namespace segsync::groups_test

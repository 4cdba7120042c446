// Observed: relationship pages become plan rows as they arrive, and end in member-group order
// whatever order the concurrent cursor chains answered in (the plan must not depend on it).
#include <doctest/doctest.h>

#include "ledger/ledger_fixture.h"
#include "service/sync_internal.h"

namespace segsync {
namespace {

std::vector<wecom::Relationship> Page(const std::string& userid, std::vector<std::string> customers,
                                      std::vector<std::string> tag_ids = {}) {
  std::vector<wecom::Relationship> page;
  for (auto& c : customers) {
    wecom::Relationship r;
    r.userid = userid;
    r.external_userid = std::move(c);
    r.tag_ids = tag_ids;
    page.push_back(std::move(r));
  }
  return page;
}

std::vector<std::string> Keys(const Observed& o) {
  std::vector<std::string> keys;
  for (const auto& r : o.relationships) keys.push_back(r.userid + "/" + r.external_userid);
  return keys;
}

TEST_CASE("pages that arrive interleaved across member groups end in group order, each group's pages in cursor order") {
  Observed o;
  auto g2a = Page("s3", {"wm5", "wm6"});
  auto g0a = Page("s1", {"wm1", "wm2"}, {"et_a", "et_b"});
  auto g1a = Page("s2", {"wm4"});
  auto g0b = Page("s1", {"wm3"}, {"et_b"});
  auto g2b = Page("s3", {"wm7"});
  o.AddPage(2, g2a);
  o.AddPage(0, g0a);
  o.AddPage(1, g1a);
  o.AddPage(0, g0b);
  o.AddPage(2, g2b);
  o.PutInGroupOrder();
  CHECK(Keys(o) == std::vector<std::string>{"s1/wm1", "s1/wm2", "s1/wm3", "s2/wm4", "s3/wm5", "s3/wm6", "s3/wm7"});
  // Tags moved with their relationship, numbered in arrival order.
  REQUIRE(o.tag_ids == std::vector<std::string>{"et_a", "et_b"});
  CHECK(o.relationships[0].tags == std::vector<uint32_t>{0, 1});
  CHECK(o.relationships[2].tags == std::vector<uint32_t>{1});
  CHECK(o.relationships[3].tags.empty());
  CHECK(o.pages.empty());
}

TEST_CASE("every arrival order of the same pages gives the same relationships in the same order") {
  std::vector<std::pair<size_t, std::vector<std::string>>> pages{
      {0, {"wm01", "wm02", "wm03"}}, {0, {"wm04"}}, {1, {"wm05", "wm06"}}, {2, {"wm07"}}, {2, {"wm08", "wm09"}}, {3, {}}};
  std::vector<std::string> expected;
  for (const auto& [g, customers] : pages)
    for (const auto& c : customers) expected.push_back("s" + std::to_string(g) + "/" + c);
  // Arrival orders that keep each group's own pages in order (as one cursor chain does).
  std::vector<size_t> order{0, 1, 2, 3, 4, 5};
  int tried = 0;
  do {
    if (std::find(order.begin(), order.end(), 0) > std::find(order.begin(), order.end(), 1)) continue;
    if (std::find(order.begin(), order.end(), 3) > std::find(order.begin(), order.end(), 4)) continue;
    Observed o;
    for (size_t i : order) {
      auto page = Page("s" + std::to_string(pages[i].first), pages[i].second);
      o.AddPage(pages[i].first, page);
    }
    o.PutInGroupOrder();
    CHECK(Keys(o) == expected);
    ++tried;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(tried == 180);  // 6! / 2 / 2
}

TEST_CASE("the ledger's owned tags land on the observed relationship with the same key") {
  using testing::Must;
  testing::LedgerFixture f;
  int64_t run = f.NewRun();
  constexpr int64_t kNow = 1'800'000'100;
  for (const char* id : {"etA", "etB", "etC"}) Must(f.ledger->RecordTagCreated(run, f.Tag(id, id, id), kNow));
  auto ids = Must(f.ledger->RecordRelationships(
      run, {{"s1", "wm1", "C1"}, {"s2", "wm2", "C2"}, {"s3", "wmGone", "C3"}, {"s1", "wm2", "C2"}}));
  Must(f.ledger->ConfirmIntents(Must(f.ledger->RecordIntents(run,
                                                             {{ids[0], "etB", TagOp::kAdd},
                                                              {ids[0], "etA", TagOp::kAdd},
                                                              {ids[1], "etC", TagOp::kAdd},
                                                              {ids[2], "etA", TagOp::kAdd},
                                                              {ids[2], "etB", TagOp::kAdd},
                                                              {ids[3], "etA", TagOp::kAdd}},
                                                             kNow)),
                                kNow));
  OwnedTags owned = Must(f.ledger->LoadOwnedTags());
  // etC is no longer one of the rules' tags: not placed, not counted.
  std::vector<std::optional<TagIndex>> catalog_of;
  for (const auto& id : owned.tag_ids)
    catalog_of.push_back(id == "etA" ? std::optional<TagIndex>(0) : id == "etB" ? std::optional<TagIndex>(1) : std::nullopt);

  Observed o;
  // WeCom lists s2/wm2 (only etC owned), a relationship the ledger never saw, s1/wm1 twice,
  // and s1/wm2 (same customer as s2/wm2, another member); s3/wmGone is not listed any more.
  auto page = Page("s2", {"wm2"});
  o.AddPage(0, page);
  page = Page("s9", {"wm9"});
  o.AddPage(0, page);
  page = Page("s1", {"wm1", "wm1", "wm2"});
  o.AddPage(0, page);
  PlanOwnedIndex placed = Must(o.PlaceOwnedTags(*f.ledger, owned, catalog_of));
  CHECK(placed.begin == std::vector<uint32_t>{0, 0, 0, 2, 2, 3});
  std::vector<TagIndex> on_wm1(placed.tags.begin(), placed.tags.begin() + 2);
  std::sort(on_wm1.begin(), on_wm1.end());
  CHECK(on_wm1 == std::vector<TagIndex>{0, 1});  // on the first of the two listings
  CHECK(placed.tags[2] == 0);                     // s1/wm2: etA, not s2/wm2's etC
  CHECK(placed.unobserved == 2);                  // s3/wmGone's etA and etB
}

TEST_CASE("no pages: nothing to order") {
  Observed o;
  o.PutInGroupOrder();
  CHECK(o.relationships.empty());
}

}  // namespace
}  // namespace segsync

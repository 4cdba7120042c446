// Snapshots: who entered, who left, whose status changed; sizes over time.
#include <map>

#include "ledger_fixture.h"

namespace segsync {
using testing::LedgerFixture;
using testing::Must;

namespace {

// A readable snapshot builder: {"C1", "Affiliate", {"ready", "city/Shanghai"}}.
struct P {
  std::string crm_id;
  std::optional<std::string> status;
  std::vector<std::string> segments;  // "segment" or "segment/tag"
};

Snapshot Build(const std::vector<P>& profiles) {
  Snapshot s;
  std::map<std::string, uint32_t> index;
  for (const P& p : profiles) {
    ProfileState st{p.crm_id, p.status, {}};
    for (const std::string& name : p.segments) {
      auto [it, fresh] = index.emplace(name, static_cast<uint32_t>(s.segments.size()));
      if (fresh) {
        auto slash = name.find('/');
        s.segments.push_back(slash == std::string::npos
                                 ? SegmentKey{name, name}
                                 : SegmentKey{name.substr(0, slash), name.substr(slash + 1)});
      }
      st.segments.push_back(it->second);
    }
    s.profiles.push_back(st);
  }
  return s;
}

// crm_id -> sorted "segment/tag" names of the last snapshot.
std::map<std::string, std::vector<std::string>> Members(const Snapshot& s) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& p : s.profiles) {
    auto& v = out[p.crm_id];
    for (uint32_t k : p.segments) v.push_back(s.segments[k].segment_id + "/" + s.segments[k].tag);
    std::sort(v.begin(), v.end());
  }
  return out;
}

}  // namespace

TEST_CASE("snapshots record who entered, who left and whose status changed") {
  LedgerFixture f;
  int64_t r1 = f.NewRun(1000);
  auto d1 = Must(f.ledger->RecordSnapshot(
      r1, Build({{"C1", "Affiliate", {"ready", "city/Shanghai"}},
                 {"C2", "Affiliate", {"ready"}},
                 {"C3", std::nullopt, {}}})));
  CHECK(d1.entered == 3);
  CHECK(d1.left == 0);
  CHECK(d1.status_changed == 2);  // first seen with a status

  int64_t r2 = f.NewRun(2000);
  // C1 leaves city/Shanghai and converts; C2 disappears from the export; C4 is new.
  auto d2 = Must(f.ledger->RecordSnapshot(
      r2, Build({{"C4", "Affiliate", {"city/Shanghai"}},
                 {"C1", "Member", {"ready"}},
                 {"C3", std::nullopt, {}}})));
  CHECK(d2.entered == 1);
  CHECK(d2.left == 2);
  CHECK(d2.status_changed == 2);  // C1 Affiliate->Member, C4 first seen

  int64_t r3 = f.NewRun(3000);
  auto d3 = Must(f.ledger->RecordSnapshot(
      r3, Build({{"C1", "Member", {"ready"}}, {"C4", "Affiliate", {"city/Shanghai"}}})));
  CHECK(d3.entered == 0);  // nothing changed: nothing written
  CHECK(d3.left == 0);
  CHECK(d3.status_changed == 0);

  Snapshot last = Must(f.ledger->LoadLastSnapshot());
  CHECK(last.run_id == r3);
  auto members = Members(last);
  CHECK(members == std::map<std::string, std::vector<std::string>>{
                       {"C1", {"ready/ready"}}, {"C2", {}}, {"C4", {"city/Shanghai"}}});
  for (const auto& p : last.profiles) {
    if (p.crm_id == "C1") CHECK(p.status == std::optional<std::string>("Member"));
    if (p.crm_id == "C2") CHECK(p.status == std::optional<std::string>("Affiliate"));
  }

  // run, segment -> size/entered/left
  std::map<std::pair<int64_t, std::string>, std::tuple<int64_t, int64_t, int64_t>> sizes;
  for (const auto& row : Must(f.ledger->LoadSegmentSizes())) {
    sizes[{row.run_id, row.segment.segment_id + "/" + row.segment.tag}] = {row.size, row.entered,
                                                                           row.left};
  }
  using T = std::tuple<int64_t, int64_t, int64_t>;
  CHECK(sizes[{r1, "ready/ready"}] == T{2, 2, 0});
  CHECK(sizes[{r1, "city/Shanghai"}] == T{1, 1, 0});
  CHECK(sizes[{r2, "ready/ready"}] == T{1, 0, 1});
  CHECK(sizes[{r2, "city/Shanghai"}] == T{1, 1, 1});
  CHECK(sizes[{r3, "ready/ready"}] == T{1, 0, 0});
  CHECK(sizes.size() == 6);
  CHECK(Must(f.ledger->LoadSegmentSizes(2000)).size() == 4);

  auto tr = Must(f.ledger->LoadStatusTransitions());
  std::map<std::tuple<int64_t, std::string, std::string>, int64_t> counts;
  for (const auto& t : tr) counts[{t.run_id, t.from.value_or("-"), t.to.value_or("-")}] = t.count;
  CHECK(counts == std::map<std::tuple<int64_t, std::string, std::string>, int64_t>{
                      {{r1, "-", "Affiliate"}, 2}, {{r2, "-", "Affiliate"}, 1},
                      {{r2, "Affiliate", "Member"}, 1}});
}

TEST_CASE("a segment that empties is recorded with size zero") {
  LedgerFixture f;
  int64_t r1 = f.NewRun(1000);
  Must(f.ledger->RecordSnapshot(r1, Build({{"C1", "A", {"vip"}}})));
  int64_t r2 = f.NewRun(2000);
  Must(f.ledger->RecordSnapshot(r2, Build({{"C1", "A", {}}})));
  auto rows = Must(f.ledger->LoadSegmentSizes(2000));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].segment.segment_id == "vip");
  CHECK(rows[0].size == 0);
  CHECK(rows[0].left == 1);
}

TEST_CASE("a profile that re-enters a segment starts a new stay") {
  LedgerFixture f;
  for (int k = 0; k < 4; ++k) {
    int64_t run = f.NewRun(1000 + k);
    bool in = k % 2 == 0;
    auto d = Must(f.ledger->RecordSnapshot(run, Build({{"C1", "A", in ? std::vector<std::string>{"s"}
                                                                       : std::vector<std::string>{}}})));
    CHECK(d.entered == (in ? 1 : 0));
    CHECK(d.left == (in ? 0 : 1));
  }
  auto last = Must(f.ledger->LoadLastSnapshot());
  CHECK(Members(last)["C1"].empty());
}

TEST_CASE("a snapshot naming a segment index out of range is refused whole") {
  LedgerFixture f;
  int64_t run = f.NewRun();
  Snapshot s = Build({{"C1", "A", {"s"}}});
  s.profiles.push_back({"C2", "A", {7}});
  auto r = f.ledger->RecordSnapshot(run, s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().message.find("C2") != std::string::npos);
  CHECK(Must(f.ledger->LoadLastSnapshot()).profiles.empty());
  CHECK(Must(f.ledger->LoadSegmentSizes()).empty());
}

}  // namespace segsync

// Snapshots (stored as membership spans and status changes) and the report's queries.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {
namespace {

struct KnownProfile {
  int64_t id = 0;
  std::optional<std::string> status;
};

std::optional<std::string> ColOptText(const SQLite::Statement& q, int i) {
  auto c = q.getColumn(i);
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

void BindOpt(SQLite::Statement& s, int i, const std::optional<std::string>& v) {
  if (v) s.bind(i, *v); else s.bind(i);
}

}  // namespace

Result<SnapshotDelta> Ledger::RecordSnapshot(int64_t run_id, const Snapshot& snap) {
  return impl_->Guard("recording the segment snapshot", [&] {
    Impl& i = *impl_;
    SQLite::Transaction tx(i.db, SQLite::TransactionBehavior::IMMEDIATE);
    SnapshotDelta delta;

    std::vector<int64_t> seg_refs;  // Snapshot::segments index -> segment.id
    for (const SegmentKey& k : snap.segments) {
      auto& s = i.Stmt(
          "INSERT INTO segment (segment_id, tag) VALUES (?1, ?2) "
          "ON CONFLICT DO UPDATE SET tag = excluded.tag RETURNING id");
      s.bind(1, k.segment_id);
      s.bind(2, k.tag);
      s.executeStep();
      seg_refs.push_back(ColInt(s, 0));
      s.reset();
    }

    std::unordered_map<std::string, KnownProfile> known;
    {
      auto& q = i.Stmt("SELECT id, crm_id, status FROM profile");
      while (q.executeStep()) known.emplace(ColText(q, 1), KnownProfile{ColInt(q, 0), ColOptText(q, 2)});
    }
    // Open spans, ordered by profile (the partial index), as (profile_ref, segment_ref).
    std::vector<std::pair<int64_t, int64_t>> open;
    {
      auto& q = i.Stmt(
          "SELECT profile_ref, segment_ref FROM membership WHERE left_run IS NULL "
          "ORDER BY profile_ref, segment_ref");
      while (q.executeStep()) open.emplace_back(ColInt(q, 0), ColInt(q, 1));
    }
    std::vector<bool> settled(open.size(), false);
    std::map<int64_t, int64_t> sizes;  // segment_ref -> size; previously open ones start at 0
    for (const auto& o : open) sizes.emplace(o.second, 0);

    auto enter = [&](int64_t profile, int64_t seg) {
      auto& s = i.Stmt(
          "INSERT OR REPLACE INTO membership (profile_ref, segment_ref, entered_run, left_run) "
          "VALUES (?1, ?2, ?3, NULL)");
      s.bind(1, profile);
      s.bind(2, seg);
      s.bind(3, run_id);
      s.exec();
      ++delta.entered;
    };
    auto leave = [&](int64_t profile, int64_t seg) {
      auto& s = i.Stmt(
          "UPDATE membership SET left_run = ?3 "
          "WHERE profile_ref = ?1 AND segment_ref = ?2 AND left_run IS NULL");
      s.bind(1, profile);
      s.bind(2, seg);
      s.bind(3, run_id);
      s.exec();
      ++delta.left;
    };

    std::vector<int64_t> want;
    for (const ProfileState& p : snap.profiles) {
      auto it = known.find(p.crm_id);
      int64_t profile_ref;
      if (it == known.end()) {
        auto& s = i.Stmt(
            "INSERT INTO profile (crm_id, status, first_run) VALUES (?1, ?2, ?3) RETURNING id");
        s.bind(1, p.crm_id);
        BindOpt(s, 2, p.status);
        s.bind(3, run_id);
        s.executeStep();
        profile_ref = ColInt(s, 0);
        s.reset();
        it = known.emplace(p.crm_id, KnownProfile{profile_ref, std::nullopt}).first;
      } else {
        profile_ref = it->second.id;
        if (it->second.status != p.status) {
          auto& s = i.Stmt("UPDATE profile SET status = ?2 WHERE id = ?1");
          s.bind(1, profile_ref);
          BindOpt(s, 2, p.status);
          s.exec();
        }
      }
      if (it->second.status != p.status) {
        auto& s = i.Stmt(
            "INSERT OR REPLACE INTO status_change (run_id, profile_ref, from_status, to_status) "
            "VALUES (?1, ?2, ?3, ?4)");
        s.bind(1, run_id);
        s.bind(2, profile_ref);
        BindOpt(s, 3, it->second.status);
        BindOpt(s, 4, p.status);
        s.exec();
        it->second.status = p.status;
        ++delta.status_changed;
      }

      want.clear();
      for (uint32_t k : p.segments) {
        if (k >= seg_refs.size()) {
          throw LedgerAbort{{ErrorCode::kInvalidInput,
                             fmt::format("snapshot: profile {} names segment index {} of {}",
                                         p.crm_id, k, seg_refs.size())}};
        }
        want.push_back(seg_refs[k]);
      }
      std::sort(want.begin(), want.end());
      want.erase(std::unique(want.begin(), want.end()), want.end());
      for (int64_t seg : want) ++sizes[seg];

      auto lo = std::lower_bound(open.begin(), open.end(), std::make_pair(profile_ref, INT64_MIN));
      auto hi = lo;
      while (hi != open.end() && hi->first == profile_ref) ++hi;
      // Merge the two sorted lists: only differences are written.
      auto w = want.begin();
      for (auto o = lo; o != hi; ++o) {
        settled[static_cast<size_t>(o - open.begin())] = true;
        while (w != want.end() && *w < o->second) enter(profile_ref, *w++);
        if (w != want.end() && *w == o->second) {
          ++w;
        } else {
          leave(profile_ref, o->second);
        }
      }
      while (w != want.end()) enter(profile_ref, *w++);
    }
    // Profiles that are no longer in the export leave every segment.
    for (size_t k = 0; k < open.size(); ++k) {
      if (!settled[k]) leave(open[k].first, open[k].second);
    }
    for (const auto& [seg, size] : sizes) {
      auto& s = i.Stmt(
          "INSERT OR REPLACE INTO segment_size (run_id, segment_ref, size) VALUES (?1, ?2, ?3)");
      s.bind(1, run_id);
      s.bind(2, seg);
      s.bind(3, size);
      s.exec();
    }
    tx.commit();
    return delta;
  });
}

Result<Snapshot> Ledger::LoadLastSnapshot() {
  return impl_->Guard("loading the last snapshot", [&] {
    Impl& i = *impl_;
    SQLite::Transaction tx(i.db);  // one consistent read
    Snapshot out;
    out.run_id = i.db.execAndGet("SELECT coalesce(max(run_id), 0) FROM segment_size").getInt64();
    std::unordered_map<int64_t, uint32_t> seg_index;
    {
      auto& q = i.Stmt("SELECT id, segment_id, tag FROM segment ORDER BY id");
      while (q.executeStep()) {
        seg_index.emplace(ColInt(q, 0), static_cast<uint32_t>(out.segments.size()));
        out.segments.push_back({ColText(q, 1), ColText(q, 2)});
      }
    }
    auto& q = i.Stmt(
        "SELECT p.id, p.crm_id, p.status, m.segment_ref FROM profile p "
        "LEFT JOIN membership m ON m.profile_ref = p.id AND m.left_run IS NULL "
        "WHERE p.status IS NOT NULL OR m.segment_ref IS NOT NULL ORDER BY p.id");
    int64_t last = -1;
    while (q.executeStep()) {
      int64_t id = ColInt(q, 0);
      if (id != last) {
        out.profiles.push_back({ColText(q, 1), ColOptText(q, 2), {}});
        last = id;
      }
      if (!q.getColumn(3).isNull()) out.profiles.back().segments.push_back(seg_index.at(ColInt(q, 3)));
    }
    return out;
  });
}

Result<std::vector<SegmentSizeRow>> Ledger::LoadSegmentSizes(int64_t since_as_of) {
  return LoadSegmentSizesIn(KpiWindow{since_as_of, INT64_MAX});  // the same rows, open-ended
}

Result<std::vector<StatusTransitionRow>> Ledger::LoadStatusTransitions(int64_t since_as_of) {
  return impl_->Guard("reading status changes", [&] {
    auto& q = impl_->Stmt(
        "SELECT c.run_id, r.as_of, c.from_status, c.to_status, count(*) FROM status_change c "
        "JOIN run r ON r.id = c.run_id WHERE r.as_of >= ?1 "
        "GROUP BY c.run_id, c.from_status, c.to_status ORDER BY c.run_id, 3, 4");
    q.bind(1, since_as_of);
    std::vector<StatusTransitionRow> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColInt(q, 1), ColOptText(q, 2), ColOptText(q, 3), ColInt(q, 4)});
    }
    return out;
  });
}

}  // namespace segsync

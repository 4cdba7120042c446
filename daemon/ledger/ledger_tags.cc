// The tag library and the relationships segsync has seen.
#include <fmt/format.h>

#include "ledger/ledger_impl.h"

namespace segsync {

void Ledger::Impl::LoadTagCache() {
  tag_refs.clear();
  tag_ids.clear();
  SQLite::Statement q(db, "SELECT id, tag_id FROM tag");
  while (q.executeStep()) {
    tag_refs.emplace(ColText(q, 1), ColInt(q, 0));
    tag_ids.emplace(ColInt(q, 0), ColText(q, 1));
  }
}

int64_t Ledger::Impl::TagRef(const std::string& tag_id) {
  auto it = tag_refs.find(tag_id);
  if (it == tag_refs.end()) {
    LoadTagCache();
    it = tag_refs.find(tag_id);
  }
  if (it == tag_refs.end()) {
    throw LedgerAbort{{ErrorCode::kInvalidInput,
                       fmt::format("ledger {}: tag '{}' is not in segsync's tag library (segsync "
                                   "only changes tags it created)",
                                   path, tag_id)}};
  }
  return it->second;
}

const std::string& Ledger::Impl::TagIdOf(int64_t ref) {
  auto it = tag_ids.find(ref);
  if (it == tag_ids.end()) {
    LoadTagCache();
    it = tag_ids.find(ref);
  }
  if (it == tag_ids.end()) {
    throw LedgerAbort{{ErrorCode::kCorrupt, fmt::format("ledger {}: unknown tag key {}", path, ref)}};
  }
  return it->second;
}

namespace {

void Audit(Ledger::Impl& i, int64_t run_id, int64_t at, const char* action,
           const std::string& target, const std::string& reason) {
  auto& a = i.Stmt(
      "INSERT INTO audit (run_id, at, action, target, outcome, reason) "
      "VALUES (?1, ?2, ?3, ?4, 'ok', ?5)");
  if (run_id) a.bind(1, run_id); else a.bind(1);
  a.bind(2, at);
  a.bind(3, action);
  a.bind(4, target);
  BindTextOrNull(a, 5, reason);
  a.exec();
}

}  // namespace

Result<Ledger::Done> Ledger::RecordTagCreated(int64_t run_id, const TagRecord& tag, int64_t now) {
  auto r = impl_->Guard("recording a created tag", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    auto& s = impl_->Stmt(
        "INSERT INTO tag (tag_id, group_id, segment_id, group_name, tag_name, created_at, "
        "created_run, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0) "
        "ON CONFLICT (tag_id) DO UPDATE SET group_id = excluded.group_id, "
        "segment_id = excluded.segment_id, group_name = excluded.group_name, "
        "tag_name = excluded.tag_name, deleted = 0");
    s.bind(1, tag.tag_id);
    s.bind(2, tag.group_id);
    s.bind(3, tag.segment_id);
    s.bind(4, tag.group_name);
    s.bind(5, tag.tag_name);
    s.bind(6, tag.created_at ? tag.created_at : now);
    if (run_id) s.bind(7, run_id); else s.bind(7);
    s.exec();
    Audit(*impl_, run_id, now, "create_tag", tag.group_name + "/" + tag.tag_name,
          "tag_id " + tag.tag_id);
    tx.commit();
    return Done{};
  });
  if (r) impl_->LoadTagCache();
  return r;
}

Result<Ledger::Done> Ledger::RenameTag(int64_t run_id, const std::string& tag_id,
                                       const std::string& new_name, int64_t now) {
  return impl_->Guard("renaming a tag", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    auto& q = impl_->Stmt("SELECT group_name, tag_name FROM tag WHERE tag_id = ?1");
    q.bind(1, tag_id);
    if (!q.executeStep()) impl_->TagRef(tag_id);  // throws the "not in the library" error
    std::string group = ColText(q, 0), old_name = ColText(q, 1);
    q.reset();
    auto& s = impl_->Stmt("UPDATE tag SET tag_name = ?2 WHERE tag_id = ?1");
    s.bind(1, tag_id);
    s.bind(2, new_name);
    s.exec();
    Audit(*impl_, run_id, now, "rename_tag", group + "/" + old_name, "now " + new_name);
    tx.commit();
    return Done{};
  });
}

Result<Ledger::Done> Ledger::MarkTagDeleted(int64_t run_id, const std::string& tag_id,
                                            int64_t now) {
  return impl_->Guard("marking a tag deleted", [&] {
    int64_t ref = impl_->TagRef(tag_id);
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    auto& s = impl_->Stmt("UPDATE tag SET deleted = 1 WHERE id = ?1");
    s.bind(1, ref);
    s.exec();
    for (std::string_view sql : {std::string_view("DELETE FROM owned_tag WHERE tag_ref = ?1"),
                                 std::string_view("DELETE FROM retry WHERE tag_ref = ?1"),
                                 std::string_view("DELETE FROM intent WHERE tag_ref = ?1")}) {
      auto& d = impl_->Stmt(sql);
      d.bind(1, ref);
      d.exec();
    }
    Audit(*impl_, run_id, now, "delete_tag", "tag_id " + tag_id, "");
    tx.commit();
    return Done{};
  });
}

Result<std::vector<TagRecord>> Ledger::LoadTags(bool include_deleted) {
  return impl_->Guard("reading the tag library", [&] {
    auto& q = impl_->Stmt(
        "SELECT tag_id, group_id, segment_id, group_name, tag_name, created_at, created_run, "
        "deleted FROM tag WHERE deleted = 0 OR ?1 ORDER BY id");
    q.bind(1, include_deleted ? 1 : 0);
    std::vector<TagRecord> out;
    while (q.executeStep()) {
      out.push_back({ColText(q, 0), ColText(q, 1), ColText(q, 2), ColText(q, 3), ColText(q, 4),
                     ColInt(q, 5), ColInt(q, 6), ColInt(q, 7) != 0});
    }
    return out;
  });
}

Result<std::vector<int64_t>> Ledger::RecordRelationships(
    int64_t run_id, const std::vector<RelationshipSeen>& seen) {
  return impl_->Guard("recording relationships", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<int64_t> ids;
    ids.reserve(seen.size());
    for (const RelationshipSeen& r : seen) {
      auto& s = impl_->Stmt(
          "INSERT INTO relationship (userid, external_userid, crm_id, first_seen_run, "
          "last_seen_run) VALUES (?1, ?2, ?3, ?4, ?4) "
          "ON CONFLICT (userid, external_userid) DO UPDATE SET crm_id = excluded.crm_id, "
          "last_seen_run = excluded.last_seen_run, gone = 0, gone_reason = NULL RETURNING id");
      s.bindNoCopy(1, r.userid);
      s.bindNoCopy(2, r.external_userid);
      if (r.crm_id.empty()) s.bind(3); else s.bindNoCopy(3, r.crm_id);
      s.bind(4, run_id);
      if (!s.executeStep()) throw LedgerAbort{{ErrorCode::kIo, "relationship upsert returned no id"}};
      ids.push_back(ColInt(s, 0));
      s.reset();
    }
    tx.commit();
    return ids;
  });
}

Result<int64_t> Ledger::MarkUnseenGone(int64_t run_id, const std::string& reason) {
  return impl_->Guard("marking relationships gone", [&] {
    auto& s = impl_->Stmt(
        "UPDATE relationship SET gone = 1, gone_reason = ?2 "
        "WHERE gone = 0 AND last_seen_run < ?1");
    s.bind(1, run_id);
    s.bind(2, reason);
    return static_cast<int64_t>(s.exec());
  });
}

Result<Ledger::Done> Ledger::MarkGone(const std::vector<int64_t>& relationship_ids,
                                      const std::string& reason) {
  return impl_->Guard("marking relationships gone", [&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    for (int64_t id : relationship_ids) {
      auto& s = impl_->Stmt("UPDATE relationship SET gone = 1, gone_reason = ?2 WHERE id = ?1");
      s.bind(1, id);
      s.bind(2, reason);
      s.exec();
    }
    tx.commit();
    return Done{};
  });
}

Result<std::vector<RelationshipRecord>> Ledger::LoadRelationships(bool include_gone) {
  return impl_->Guard("reading relationships", [&] {
    auto& q = impl_->Stmt(
        "SELECT id, userid, external_userid, crm_id, first_seen_run, last_seen_run, gone, "
        "gone_reason FROM relationship WHERE gone = 0 OR ?1 ORDER BY id");
    q.bind(1, include_gone ? 1 : 0);
    std::vector<RelationshipRecord> out;
    while (q.executeStep()) {
      out.push_back({ColInt(q, 0), ColText(q, 1), ColText(q, 2), ColText(q, 3), ColInt(q, 4),
                     ColInt(q, 5), ColInt(q, 6) != 0, ColText(q, 7)});
    }
    return out;
  });
}

Result<Ledger::Done> Ledger::ForEachRelationshipKey(const RelationshipKeySink& sink) {
  return impl_->Guard("reading relationships", [&] {
    auto& q = impl_->Stmt("SELECT id, userid, external_userid FROM relationship WHERE gone = 0 ORDER BY id");
    while (q.executeStep()) {
      sink(ColInt(q, 0), std::string_view(q.getColumn(1).getText(), static_cast<size_t>(q.getColumn(1).getBytes())),
           std::string_view(q.getColumn(2).getText(), static_cast<size_t>(q.getColumn(2).getBytes())));
    }
    return Done{};
  });
}

Result<int64_t> Ledger::CountRelationships() {
  return impl_->Guard("counting relationships", [&] {
    return impl_->db.execAndGet("SELECT count(*) FROM relationship WHERE gone = 0").getInt64();
  });
}

}  // namespace segsync

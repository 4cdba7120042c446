#include "tag_library.h"

#include <algorithm>
#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

namespace {

constexpr std::size_t kMaxNameChars = 30;

void CheckName(const std::string& name, std::string_view what) {
  if (name.empty()) throw ApiError{kInvalidParameter, std::string(what) + " is empty"};
  if (Utf8Length(name) > kMaxNameChars)
    throw ApiError{kInvalidTagName, std::string(what) + " longer than 30 characters"};
}

// Higher order first, then creation order (stable).
template <typename T>
std::vector<const T*> Sorted(const std::vector<T>& items) {
  std::vector<const T*> out;
  for (const auto& i : items) out.push_back(&i);
  std::stable_sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->order > b->order; });
  return out;
}

json::object GroupHead(const TagGroup& g) {
  return {{"group_id", g.id}, {"group_name", g.name}, {"create_time", g.create_time},
          {"order", g.order}, {"deleted", g.deleted}};
}

}  // namespace

const char* OwnerName(Owner o) { return o == Owner::kApp ? "app" : "console"; }

json::object TagLibrary::TagJson(const Tag& t) {
  return {{"id", t.id}, {"name", t.name}, {"create_time", t.create_time}, {"order", t.order},
          {"deleted", t.deleted}};
}

TagGroup* TagLibrary::FindLiveGroupByName(const std::string& name) {
  for (auto& g : groups_)
    if (!g.deleted && g.name == name) return &g;
  return nullptr;
}

TagGroup* TagLibrary::FindLiveGroup(const std::string& id) {
  auto it = group_index_.find(id);
  if (it == group_index_.end() || groups_[it->second].deleted) return nullptr;
  return &groups_[it->second];
}

void TagLibrary::Index(std::size_t g) {
  group_index_[groups_[g].id] = g;
  for (std::size_t t = 0; t < groups_[g].tags.size(); ++t) tag_index_[groups_[g].tags[t].id] = {g, t};
}

const Tag* TagLibrary::FindLiveTag(const std::string& id, const TagGroup** group) const {
  auto it = tag_index_.find(id);
  if (it == tag_index_.end()) return nullptr;
  const TagGroup& g = groups_[it->second.first];
  const Tag& t = g.tags[it->second.second];
  if (t.deleted) return nullptr;
  if (group) *group = &g;
  return &t;
}

json::object TagLibrary::Add(const json::object& body, Owner caller) {
  const json::array* tags = GetArray(body, "tag");
  if (!tags || tags->empty()) throw ApiError{kInvalidParameter, "field `tag` is empty"};
  // Validate everything before changing anything, so a rejected call leaves no trace.
  std::vector<std::pair<std::string, std::int64_t>> wanted;  // distinct names, request order
  for (const auto& v : *tags) {
    if (!v.is_object()) throw ApiError{kInvalidParameter, "field `tag` must hold objects"};
    std::string name = GetString(v.get_object(), "name");
    CheckName(name, "tag name");
    bool seen = std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return w.first == name; });
    if (!seen) wanted.emplace_back(name, GetInt(v.get_object(), "order", 0));
  }
  TagGroup* group = nullptr;
  std::string group_name;
  if (body.contains("group_id")) {
    std::string id = GetString(body, "group_id");
    if (id.empty()) throw ApiError{kInvalidParameter, "field `group_id` unexpected empty string"};
    group = FindLiveGroup(id);
    if (!group) throw ApiError{kInvalidTagId, "group_id " + id + " does not exist"};
  } else {
    group_name = GetString(body, "group_name");
    CheckName(group_name, "group_name");
    group = FindLiveGroupByName(group_name);
  }
  int fresh = 0;
  for (const auto& [name, order] : wanted) {
    bool exists = group && std::any_of(group->tags.begin(), group->tags.end(),
                                       [&](const Tag& t) { return !t.deleted && t.name == name; });
    if (!exists) ++fresh;
  }
  if (live_tags_ + fresh > max_tags_)
    throw ApiError{kTagLimit, "the corp may hold at most " + std::to_string(max_tags_) + " tags"};

  std::int64_t now = NowSeconds();
  if (!group) {
    TagGroup g;
    g.id = ids_.Next("et");
    g.name = group_name;
    g.order = GetInt(body, "order", 0);
    g.create_time = now;
    g.owner = caller;
    groups_.push_back(std::move(g));
    group_index_[groups_.back().id] = groups_.size() - 1;
    group = &groups_.back();
  }
  std::size_t gi = group_index_.at(group->id);
  json::array out_tags;
  for (const auto& [name, order] : wanted) {
    auto it = std::find_if(group->tags.begin(), group->tags.end(),
                           [&](const Tag& t) { return !t.deleted && t.name == name; });
    if (it == group->tags.end()) {  // an existing name is returned as it is, not duplicated
      group->tags.push_back(Tag{ids_.Next("et"), name, order, now, caller, false});
      tag_index_[group->tags.back().id] = {gi, group->tags.size() - 1};
      ++live_tags_;
      it = group->tags.end() - 1;
    }
    json::object t = TagJson(*it);
    t.erase("deleted");
    out_tags.push_back(std::move(t));
  }
  json::object out = GroupHead(*group);
  out.erase("deleted");
  out["tag"] = std::move(out_tags);
  return out;
}

void TagLibrary::Edit(const json::object& body, Owner caller) {
  std::string id = GetString(body, "id");
  if (id.empty()) throw ApiError{kInvalidParameter, "field `id` is required"};
  bool has_name = Has(body, "name");
  std::string name = GetString(body, "name");
  if (has_name) CheckName(name, "name");
  auto it = tag_index_.find(id);
  if (it != tag_index_.end() && !groups_[it->second.first].tags[it->second.second].deleted) {
    TagGroup& g = groups_[it->second.first];
    Tag& t = g.tags[it->second.second];
    if (caller == Owner::kApp && t.owner != Owner::kApp) throw ApiError{kNoPermission, "tag " + id + " was not created by this app"};
    if (has_name) {
      for (const Tag& other : g.tags)
        if (!other.deleted && other.id != id && other.name == name)
          throw ApiError{kTagNameExists, "tag name " + name + " exists in this group"};
      t.name = name;
    }
    t.order = GetInt(body, "order", t.order);
    return;
  }
  TagGroup* g = FindLiveGroup(id);
  if (!g) throw ApiError{kInvalidTagId, "id " + id + " is neither a tag nor a group"};
  if (caller == Owner::kApp && g->owner != Owner::kApp) throw ApiError{kNoPermission, "group " + id + " was not created by this app"};
  if (has_name) {
    TagGroup* other = FindLiveGroupByName(name);
    if (other && other != g) throw ApiError{kTagNameExists, "group name " + name + " exists"};
    g->name = name;
  }
  g->order = GetInt(body, "order", g->order);
}

std::vector<std::string> TagLibrary::Delete(const std::vector<std::string>& tag_ids,
                                            const std::vector<std::string>& group_ids, Owner caller) {
  if (tag_ids.empty() && group_ids.empty())
    throw ApiError{kInvalidParameter, "tag_id and group_id are both empty"};
  for (const auto& id : tag_ids) {
    const Tag* t = FindLiveTag(id);
    if (!t) throw ApiError{kInvalidTagId, "tag " + id + " does not exist"};
    if (caller == Owner::kApp && t->owner != Owner::kApp) throw ApiError{kNoPermission, "tag " + id + " was not created by this app"};
  }
  for (const auto& id : group_ids) {
    TagGroup* g = FindLiveGroup(id);
    if (!g) throw ApiError{kInvalidTagId, "group " + id + " does not exist"};
    if (caller == Owner::kApp && g->owner != Owner::kApp) throw ApiError{kNoPermission, "group " + id + " was not created by this app"};
  }
  std::vector<std::string> removed;
  auto kill = [&](Tag& t) {
    if (t.deleted) return;
    t.deleted = true;
    --live_tags_;
    removed.push_back(t.id);
  };
  for (const auto& id : group_ids) {
    TagGroup& g = groups_[group_index_.at(id)];
    for (Tag& t : g.tags) kill(t);
    g.deleted = true;
  }
  for (const auto& id : tag_ids) {
    auto [gi, ti] = tag_index_.at(id);
    TagGroup& g = groups_[gi];
    kill(g.tags[ti]);
    // A group cannot be empty: deleting its last tag deletes the group.
    if (std::none_of(g.tags.begin(), g.tags.end(), [](const Tag& t) { return !t.deleted; }))
      g.deleted = true;
  }
  return removed;
}

json::array TagLibrary::List(const std::vector<std::string>& tag_ids,
                             const std::vector<std::string>& group_ids) const {
  json::array out;
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (const TagGroup* g : Sorted(groups_)) {
    bool whole = false;
    if (!group_ids.empty()) {
      if (!contains(group_ids, g->id)) continue;
      whole = true;
    } else if (tag_ids.empty()) {
      if (g->deleted) continue;
    }
    json::array tags;
    for (const Tag* t : Sorted(g->tags)) {
      bool pick;
      if (!group_ids.empty()) pick = whole && (g->deleted || !t->deleted);
      else if (!tag_ids.empty()) pick = contains(tag_ids, t->id);
      else pick = !t->deleted;
      if (pick) tags.push_back(TagJson(*t));
    }
    if (tags.empty() && !(whole && g->deleted)) continue;
    json::object o = GroupHead(*g);
    o["tag"] = std::move(tags);
    out.push_back(std::move(o));
  }
  return out;
}

json::array TagLibrary::ToState() const {
  json::array out;
  for (const auto& g : groups_) {
    json::array tags;
    for (const auto& t : g.tags)
      tags.push_back({{"id", t.id}, {"name", t.name}, {"owner", OwnerName(t.owner)}, {"order", t.order},
                      {"create_time", t.create_time}, {"deleted", t.deleted}});
    out.push_back({{"group_id", g.id}, {"group_name", g.name}, {"owner", OwnerName(g.owner)},
                   {"order", g.order}, {"create_time", g.create_time}, {"deleted", g.deleted},
                   {"tags", std::move(tags)}});
  }
  return out;
}

void TagLibrary::LoadState(const json::array& groups) {
  auto owner = [](const json::object& o) {
    std::string s = GetString(o, "owner", "app");
    if (s != "app" && s != "console") throw std::runtime_error("owner must be \"app\" or \"console\"");
    return s == "app" ? Owner::kApp : Owner::kConsole;
  };
  for (const auto& gv : groups) {
    const auto& go = gv.as_object();
    TagGroup g{GetString(go, "group_id"), GetString(go, "group_name"), GetInt(go, "order", 0),
               GetInt(go, "create_time", 0), owner(go), GetBool(go, "deleted", false), {}};
    if (g.id.empty() || g.name.empty()) throw std::runtime_error("a tag group needs group_id and group_name");
    if (const json::array* tags = GetArray(go, "tags")) {
      for (const auto& tv : *tags) {
        const auto& to = tv.as_object();
        Tag t{GetString(to, "id"), GetString(to, "name"), GetInt(to, "order", 0),
              GetInt(to, "create_time", 0), owner(to), GetBool(to, "deleted", false) || g.deleted};
        if (t.id.empty() || t.name.empty()) throw std::runtime_error("a tag needs id and name");
        if (tag_index_.count(t.id)) throw std::runtime_error("duplicate tag id " + t.id);
        if (!t.deleted) ++live_tags_;
        g.tags.push_back(std::move(t));
      }
    }
    if (group_index_.count(g.id)) throw std::runtime_error("duplicate group id " + g.id);
    groups_.push_back(std::move(g));
    Index(groups_.size() - 1);
  }
}

}  // namespace segsync::fake

// The corp tag library (wecom-api.md §3): groups of ordered tags, each owned by the app that
// created it ("app", the caller of the API) or by the admin console ("console").
//
// Deleted tags and groups are kept, flagged, so that get_corp_tag_list can answer deleted:true
// for an id queried directly. Groups are never erased, so indices into groups_ stay valid.
// Methods throw ApiError for WeCom business errors. Not thread-safe: the caller locks.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ids.h"

namespace segsync::fake {

enum class Owner { kApp, kConsole };

struct Tag {
  std::string id;
  std::string name;
  std::int64_t order = 0;
  std::int64_t create_time = 0;
  Owner owner = Owner::kApp;
  bool deleted = false;
};

struct TagGroup {
  std::string id;
  std::string name;
  std::int64_t order = 0;
  std::int64_t create_time = 0;
  Owner owner = Owner::kApp;
  bool deleted = false;
  std::vector<Tag> tags;
};

class TagLibrary {
 public:
  TagLibrary(IdSource& ids, int max_tags) : ids_(ids), max_tags_(max_tags) {}

  // add_corp_tag: returns the "tag_group" object of the answer.
  boost::json::object Add(const boost::json::object& body, Owner caller);
  // edit_corp_tag on a tag or a group id. The app may only edit or delete what it created
  // (else 301002); the console (caller kConsole) may change anything.
  void Edit(const boost::json::object& body, Owner caller);
  // del_corp_tag; returns the ids of the tags that were live and are now deleted.
  std::vector<std::string> Delete(const std::vector<std::string>& tag_ids,
                                  const std::vector<std::string>& group_ids, Owner caller);
  // get_corp_tag_list: group_id wins over tag_id; both empty lists every live tag.
  boost::json::array List(const std::vector<std::string>& tag_ids,
                          const std::vector<std::string>& group_ids) const;

  // The live tag with this id and its group, or nullptrs.
  const Tag* FindLiveTag(const std::string& id, const TagGroup** group = nullptr) const;
  int live_tag_count() const { return live_tags_; }

  boost::json::array ToState() const;
  void LoadState(const boost::json::array& groups);  // throws std::runtime_error on bad shape

 private:
  TagGroup* FindLiveGroupByName(const std::string& name);
  TagGroup* FindLiveGroup(const std::string& id);
  void Index(std::size_t g);
  static boost::json::object TagJson(const Tag& t);

  IdSource& ids_;
  int max_tags_;
  int live_tags_ = 0;
  std::vector<TagGroup> groups_;  // creation order
  std::unordered_map<std::string, std::size_t> group_index_;
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> tag_index_;
};

const char* OwnerName(Owner o);

}  // namespace segsync::fake

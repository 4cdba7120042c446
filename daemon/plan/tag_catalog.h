// The tags the planner reasons about, interned to small integers (TagIndex).
//
// A catalog holds segsync's tag groups (with their `exclusive` flag from the rules) and
// every tag the plan may add or remove: the tags the rules produce, plus any tag the ledger
// says segsync still owns (e.g. of a segment that was deleted from the rules) so that it can
// be removed and printed by name. Each tag knows its WeCom tag_id once WeCom has it; a tag
// that is not created yet has an empty id: the plan still counts it, and after the integrator
// has created it (add_corp_tag) it calls SetTagId and applies the plan unchanged.
//
// Tags on WeCom that are not in the catalog (other apps', personal, console groups) are of no
// interest to the plan: the integrator drops them when it converts tag ids with FindById.
// Small (WeCom caps a corp at 3000 tags); not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace segsync {

using TagIndex = uint32_t;

class TagCatalog {
 public:
  // Adds the group, or finds it by name. `exclusive` is sticky: once a group is declared
  // exclusive it stays so. Returns the group's index (groups keep insertion order).
  uint32_t AddGroup(std::string_view group, bool exclusive = false);

  // Interns (group, tag); the group is added (not exclusive) when unknown. A non-empty
  // `tag_id` is recorded (see SetTagId). Returns the tag's index (insertion order).
  TagIndex AddTag(std::string_view group, std::string_view tag, std::string_view tag_id = {});

  std::optional<TagIndex> Find(std::string_view group, std::string_view tag) const;
  // The tag with this WeCom id; nullopt for an empty or unknown id.
  std::optional<TagIndex> FindById(std::string_view tag_id) const;

  // Records the WeCom id of a tag (after get_corp_tag_list, or after add_corp_tag created it).
  void SetTagId(TagIndex t, std::string tag_id);

  size_t size() const { return tags_.size(); }
  size_t group_count() const { return groups_.size(); }
  bool Valid(TagIndex t) const { return t < tags_.size(); }

  const std::string& group_name(TagIndex t) const { return groups_[tags_[t].group].name; }
  const std::string& tag_name(TagIndex t) const { return tags_[t].name; }
  const std::string& tag_id(TagIndex t) const { return tags_[t].id; }
  uint32_t group_of(TagIndex t) const { return tags_[t].group; }
  bool exclusive(TagIndex t) const { return groups_[tags_[t].group].exclusive; }
  const std::string& group_label(uint32_t g) const { return groups_[g].name; }
  bool group_exclusive(uint32_t g) const { return groups_[g].exclusive; }

  // "GROUP/TAG", the form used in plan output (spec §5).
  std::string Key(TagIndex t) const;

 private:
  struct Group {
    std::string name;
    bool exclusive = false;
  };
  struct Tag {
    uint32_t group = 0;
    std::string name;
    std::string id;
  };
  std::vector<Group> groups_;
  std::vector<Tag> tags_;
  std::unordered_map<std::string, uint32_t> group_by_name_;
  std::unordered_map<std::string, TagIndex> tag_by_key_;  // group + '\x1f' + tag
  std::unordered_map<std::string, TagIndex> tag_by_id_;
};

// Joins a group and a tag name the way plan output writes them: "GROUP/TAG".
std::string FormatTagKey(std::string_view group, std::string_view tag);

}  // namespace segsync

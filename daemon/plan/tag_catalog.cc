#include "plan/tag_catalog.h"

namespace segsync {
namespace {

std::string CompositeKey(std::string_view group, std::string_view tag) {
  std::string k;
  k.reserve(group.size() + tag.size() + 1);
  k.append(group);
  k.push_back('\x1f');  // cannot occur in a WeCom name, unlike '/'
  k.append(tag);
  return k;
}

}  // namespace

std::string FormatTagKey(std::string_view group, std::string_view tag) {
  std::string k;
  k.reserve(group.size() + tag.size() + 1);
  k.append(group);
  k.push_back('/');
  k.append(tag);
  return k;
}

uint32_t TagCatalog::AddGroup(std::string_view group, bool exclusive) {
  auto [it, inserted] =
      group_by_name_.try_emplace(std::string(group), static_cast<uint32_t>(groups_.size()));
  if (inserted) groups_.push_back({std::string(group), exclusive});
  if (exclusive) groups_[it->second].exclusive = true;
  return it->second;
}

TagIndex TagCatalog::AddTag(std::string_view group, std::string_view tag, std::string_view tag_id) {
  uint32_t g = AddGroup(group);
  auto [it, inserted] =
      tag_by_key_.try_emplace(CompositeKey(group, tag), static_cast<TagIndex>(tags_.size()));
  if (inserted) tags_.push_back({g, std::string(tag), {}});
  if (!tag_id.empty()) SetTagId(it->second, std::string(tag_id));
  return it->second;
}

std::optional<TagIndex> TagCatalog::Find(std::string_view group, std::string_view tag) const {
  auto it = tag_by_key_.find(CompositeKey(group, tag));
  if (it == tag_by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<TagIndex> TagCatalog::FindById(std::string_view tag_id) const {
  if (tag_id.empty()) return std::nullopt;
  auto it = tag_by_id_.find(std::string(tag_id));
  if (it == tag_by_id_.end()) return std::nullopt;
  return it->second;
}

void TagCatalog::SetTagId(TagIndex t, std::string tag_id) {
  Tag& tag = tags_.at(t);
  if (tag.id == tag_id) return;
  if (!tag.id.empty()) tag_by_id_.erase(tag.id);
  tag.id = std::move(tag_id);
  if (!tag.id.empty()) tag_by_id_[tag.id] = t;
}

std::string TagCatalog::Key(TagIndex t) const { return FormatTagKey(group_name(t), tag_name(t)); }

}  // namespace segsync

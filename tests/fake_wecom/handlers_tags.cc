// get_corp_tag_list, add_corp_tag, edit_corp_tag, del_corp_tag (wecom-api.md §3).
#include "api_error.h"
#include "world.h"

namespace segsync::fake {

namespace {

json::object GetCorpTagList(World& w, const Call& c) {
  return {{"tag_group", w.tags.List(GetStringList(c.body, "tag_id"), GetStringList(c.body, "group_id"))}};
}

json::object AddCorpTag(World& w, const Call& c) {
  return {{"tag_group", w.tags.Add(c.body, Owner::kApp)}};
}

json::object EditCorpTag(World& w, const Call& c) {
  w.tags.Edit(c.body, Owner::kApp);
  return {};
}

json::object DelCorpTag(World& w, const Call& c) {
  auto removed = w.tags.Delete(GetStringList(c.body, "tag_id"), GetStringList(c.body, "group_id"), Owner::kApp);
  w.customers.RemoveTagsEverywhere(removed);  // a deleted tag disappears from every customer
  return {};
}

}  // namespace

void AddTagRoutes(Routes& routes) {
  routes["get_corp_tag_list"] = GetCorpTagList;
  routes["add_corp_tag"] = AddCorpTag;
  routes["edit_corp_tag"] = EditCorpTag;
  routes["del_corp_tag"] = DelCorpTag;
}

}  // namespace segsync::fake

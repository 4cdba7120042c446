#include "world.h"

#include <stdexcept>

#include "api_error.h"

namespace segsync::fake {

json::object World::ToState() const {
  return {{"tag_groups", tags.ToState()},
          {"members", customers.MembersState()},
          {"customers", customers.CustomersState()},
          {"relationships", customers.RelationshipsState()},
          {"group_chats", groups.ChatsState()},
          {"join_ways", groups.JoinWaysState()},
          {"contact_ways", groups.ContactWaysState()},
          {"msg_templates", messages.ToState()}};
}

void World::LoadState(const json::object& state) {
  // The field helpers signal a wrong type with ApiError; here it is a bad file.
  try {
    if (const json::array* a = GetArray(state, "tag_groups")) tags.LoadState(*a);
    if (const json::array* a = GetArray(state, "relationships"))
      customers.LoadState(*a, GetArray(state, "members"), GetArray(state, "customers"));
    else if (const json::array* m = GetArray(state, "members"))
      customers.LoadState({}, m, GetArray(state, "customers"));
    groups.LoadState(GetArray(state, "group_chats"), GetArray(state, "join_ways"), GetArray(state, "contact_ways"));
    if (const json::array* a = GetArray(state, "msg_templates")) messages.LoadState(*a);
  } catch (const ApiError& e) {
    throw std::runtime_error(e.detail);
  } catch (const boost::system::system_error& e) {  // as_object() etc. on the wrong kind
    throw std::runtime_error(std::string("unexpected JSON shape: ") + e.what());
  }
}

}  // namespace segsync::fake

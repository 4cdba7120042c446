// Everything the fake corp knows: tag library, customers, group chats, join/contact ways and
// message templates, plus the id source. GET /admin/state dumps it and --state loads the same
// shape. Not thread-safe: the App holds one mutex around every use.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "customers.h"
#include "groups.h"
#include "ids.h"
#include "messages.h"
#include "tag_library.h"

namespace segsync::fake {

struct WorldConfig {
  std::uint64_t id_seed = 0;
  int max_tags = 3000;
  bool large_corp = false;  // groupchat/list without owner_filter gives 81017
};

class World {
 public:
  explicit World(const WorldConfig& config)
      : ids(config.id_seed), tags(ids, config.max_tags), large_corp(config.large_corp) {}

  IdSource ids;
  TagLibrary tags;
  CustomerStore customers;
  GroupStore groups;
  MessageStore messages;
  bool large_corp;

  boost::json::object ToState() const;
  // Loads a state dumped by ToState (into an empty world); throws std::runtime_error.
  void LoadState(const boost::json::object& state);
};

// One call of a WeCom endpoint: the query parameters (GET) and the JSON body (POST, {} if none).
struct Call {
  const std::map<std::string, std::string>& query;
  const boost::json::object& body;
  std::int64_t now;
  // Where the answer's JSON is built: one arena per request, so a 100-relationship page is a
  // few large allocations instead of thousands of small ones (the answer is freed whole).
  boost::json::storage_ptr storage = {};
  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

// A handler returns the payload fields of a successful answer or throws ApiError.
using HandlerFn = boost::json::object (*)(World&, const Call&);
using Routes = std::unordered_map<std::string, HandlerFn>;

void AddTagRoutes(Routes& routes);       // handlers_tags.cc
void AddCustomerRoutes(Routes& routes);  // handlers_customers.cc
void AddGroupRoutes(Routes& routes);     // handlers_groups.cc
void AddMessageRoutes(Routes& routes);   // handlers_messages.cc

}  // namespace segsync::fake

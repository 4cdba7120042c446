// Members, customers and the (userid, external_userid) relationships that carry tags
// (wecom-api.md §4-5). Relationships live in a hash map for O(1) mark_tag, plus a sorted set
// of keys for batch/get_by_user paging and a per-customer index for externalcontact/get.
// Not thread-safe: the caller locks.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace segsync::fake {

struct Customer {
  std::string external_userid;
  std::string name;
  std::string unionid;  // empty: none known
  int type = 1;         // 1 WeChat user, 2 WeCom user
  int gender = 0;
};

struct Relationship {
  std::string userid;
  std::string external_userid;
  std::string remark;
  std::string description;
  std::string state;
  std::string oper_userid;
  std::vector<std::string> remark_mobiles;
  std::int64_t createtime = 0;
  int add_way = 0;
  std::vector<std::string> tag_ids;  // distinct, in the order they were added
};

using RelKey = std::pair<std::string, std::string>;  // (userid, external_userid)

struct RelKeyHash {
  std::size_t operator()(const RelKey& k) const noexcept {
    std::size_t a = std::hash<std::string>{}(k.first), b = std::hash<std::string>{}(k.second);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
};

class CustomerStore {
 public:
  void AddMember(const std::string& userid) { members_.insert(userid); }
  bool HasMember(const std::string& userid) const { return members_.count(userid) > 0; }
  const std::set<std::string>& members() const { return members_; }

  Customer& UpsertCustomer(const std::string& external_userid);
  const Customer* FindCustomer(const std::string& external_userid) const;

  Relationship* Find(const std::string& userid, const std::string& external_userid);
  // Adds the relationship (and its member and customer) or replaces an existing one's fields.
  Relationship& Put(Relationship r);
  bool Erase(const std::string& userid, const std::string& external_userid);
  void RemoveTagsEverywhere(const std::vector<std::string>& tag_ids);

  // Relationships in (userid, external_userid) order, for paging.
  const std::set<RelKey>& sorted() const { return sorted_; }
  const Relationship& at(const RelKey& k) const { return rels_.at(k); }
  // The relationships of one customer, oldest first.
  std::vector<const Relationship*> OfCustomer(const std::string& external_userid) const;
  std::size_t size() const { return rels_.size(); }

  boost::json::object ExternalContactJson(const Customer& c, boost::json::storage_ptr sp = {}) const;

  boost::json::array RelationshipsState() const;
  void LoadState(const boost::json::array& relationships, const boost::json::array* members,
                 const boost::json::array* customers);
  boost::json::array MembersState() const;
  boost::json::array CustomersState() const;

 private:
  std::set<std::string> members_;
  std::unordered_map<std::string, Customer> customers_;
  std::unordered_map<RelKey, Relationship, RelKeyHash> rels_;
  std::set<RelKey> sorted_;
  std::unordered_map<std::string, std::set<std::string>> by_customer_;  // ext -> userids
};

}  // namespace segsync::fake

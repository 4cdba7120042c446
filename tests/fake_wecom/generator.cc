#include "generator.h"

#include <fmt/format.h>

#include <array>
#include <random>

namespace segsync::fake {

namespace {

constexpr std::int64_t kBaseTime = 1700000000;

std::string RandomName(std::mt19937_64& rng) {
  static constexpr std::array<const char*, 12> kFamily = {"王", "李", "张", "刘", "陈", "杨",
                                                          "黄", "赵", "吴", "周", "徐", "孙"};
  static constexpr std::array<const char*, 12> kGiven = {"伟", "芳", "娜", "敏", "静", "磊",
                                                         "洋", "艳", "勇", "军", "杰", "婷"};
  return std::string(kFamily[rng() % kFamily.size()]) + kGiven[rng() % kGiven.size()];
}

// "13800000007" -> "+86 138-0000-0007": what a member types into the remark field.
std::string FormattedMobile(const std::string& mobile) {
  return "+86 " + mobile.substr(0, 3) + "-" + mobile.substr(3, 4) + "-" + mobile.substr(7);
}

}  // namespace

std::string MemberId(int n) { return fmt::format("staff{:03d}", n); }

void Generate(World& world, const GenerateSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  CustomerStore& store = world.customers;
  const int m = spec.members;
  for (int i = 1; i <= m; ++i) store.AddMember(MemberId(i));

  auto add_customer = [&](const std::string& ext, const std::string& unionid) {
    Customer& c = store.UpsertCustomer(ext);
    c.name = RandomName(rng);
    c.unionid = unionid;
    c.type = 1;
    c.gender = static_cast<int>(rng() % 3);
  };
  auto follow = [&](const std::string& ext, int member, std::int64_t createtime, std::string state,
                    std::vector<std::string> mobiles) {
    Relationship r;
    r.userid = MemberId(member);
    r.external_userid = ext;
    r.createtime = createtime;
    r.add_way = state.empty() ? 3 : 1;  // a channel state means the customer scanned a QR code
    r.oper_userid = state.empty() ? r.userid : ext;
    r.state = std::move(state);
    r.remark_mobiles = std::move(mobiles);
    store.Put(std::move(r));
  };

  for (int i = 1; i <= spec.customers; ++i) {
    std::string contact_id = fmt::format("C{:07d}", 1000000 + i);
    std::string mobile = fmt::format("138{:08d}", i);
    std::string ext = "wm" + contact_id;
    int k = i % 10;
    add_customer(ext, k <= 5 ? "oU" + contact_id : "");
    follow(ext, (i - 1) % m + 1, kBaseTime + std::int64_t{i} * 60, (k == 6 || k == 7) ? contact_id : "",
           k == 8 ? std::vector<std::string>{FormattedMobile(mobile)} : std::vector<std::string>{});
    if (i % 5 == 0 && m > 1) follow(ext, i % m + 1, kBaseTime + std::int64_t{i} * 60 + 86400, "", {});
  }
  const int extra = spec.customers / 20;
  for (int j = 1; j <= extra; ++j) {
    std::string ext = fmt::format("wmX{:07d}", j);
    add_customer(ext, j % 2 == 0 ? fmt::format("oUX{:07d}", j) : "");
    follow(ext, (j - 1) % m + 1, kBaseTime + std::int64_t{spec.customers + j} * 60, "", {});
  }
}

}  // namespace segsync::fake

// gen_export: writes a realistic, deterministic synthetic CRM export (shared data contract):
//   gen_export --rows N [--seed S] [--format csv|jsonl] [--bad-rows K] [--today YYYY-MM-DD] --out FILE
// Profile i (1..N) is row i: ContactID C(1000000+i), Mobile 138 + 8-digit i, WeChatUnionId
// "oU"+ContactID when i % 10 is 0..5. Dates are spread around --today (default: today in
// Asia/Shanghai), so date-window segments stay non-empty whenever the file is generated.
// --bad-rows K replaces K evenly spread rows with rows a reader or mapper must reject.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <date/date.h>
#include <fmt/format.h>

namespace {

struct Rng {  // splitmix64: tiny and deterministic across platforms
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) { return a[Below(static_cast<int>(N))]; }
};

const char* kColumns[] = {"ContactID", "FirstName", "LastName", "Email", "Mobile", "WeChatUnionId",
                          "Status", "ExamsPassed", "PERMonths", "EthicsModule", "LastExamDate",
                          "SubscriptionPaidUntil", "MemberSince", "Country", "Region", "City",
                          "Employer", "PreferredLanguage", "SourceChannel", "RegisteredAt", "Interests"};
constexpr int kNumColumns = sizeof(kColumns) / sizeof(kColumns[0]);

const char* kFirst[] = {"Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yang", "Jun", "Xin", "Hui", "Emma", "Oliver"};
const char* kLast[] = {"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Smith"};
struct CityInfo {
  const char* city;
  const char* region;
  const char* country;
};
const CityInfo kCities[] = {
    {"Shanghai", "East China", "China"},  {"Shanghai", "East China", "China"},
    {"Hangzhou", "East China", "China"},  {"Nanjing", "East China", "China"},
    {"Beijing", "North China", "China"},  {"Beijing", "North China", "China"},
    {"Tianjin", "North China", "China"},  {"Shenzhen", "South China", "China"},
    {"Guangzhou", "South China", "China"}, {"Chengdu", "West China", "China"},
    {"Wuhan", "Central China", "China"},  {"Singapore", "Overseas", "Singapore"},
    {"London", "Overseas", "United Kingdom"}, {"Kuala Lumpur", "Overseas", "Malaysia"},
};
const char* kEmployers[] = {
    "普华永道中天会计师事务所（特殊普通合伙）", "德勤华永会计师事务所", "安永华明会计师事务所",
    "毕马威华振会计师事务所", "中国工商银行", "阿里巴巴集团", "腾讯科技（深圳）有限公司",
    "Deloitte, Shanghai Branch", "Ernst & Young Hua Ming LLP, Beijing", "KPMG \"Huazhen\" LLP",
    "HSBC Bank (China) Company Limited", "上海汽车集团股份有限公司", "华为技术有限公司", ""};
const char* kChannels[] = {"event_qr", "email_link", "sms_link", "oa_menu", "referral"};
const char* kInterests[] = {"tax", "audit", "esg", "fintech", "management_accounting", "data_analytics"};

struct Row {
  std::string v[kNumColumns];
  bool broken = false;  // CSV: a stray quote mid-field; JSON Lines: a malformed line
};

std::string Day(date::sys_days d) { return date::format("%F", d); }

Row MakeRow(int64_t i, Rng& rng, date::sys_days today) {
  Row r;
  std::string id = fmt::format("C{:07}", 1000000 + i);
  r.v[0] = id;
  r.v[1] = rng.Pick(kFirst);
  r.v[2] = rng.Pick(kLast);
  r.v[3] = fmt::format("{}.{}{}@example.com", r.v[1], r.v[2], i);
  for (char& c : r.v[3]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.v[4] = fmt::format("138{:08}", i);
  if (i % 10 <= 5) r.v[5] = "oU" + id;
  int s = rng.Below(100);
  std::string status = s < 50 ? "Affiliate" : s < 80 ? "Member" : s < 90 ? "Lapsed" : "Student";
  r.v[6] = status;
  int exams = status == "Member" ? 13 : status == "Student" ? rng.Below(4) : (rng.Chance(40) ? 13 : rng.Below(13));
  r.v[7] = std::to_string(exams);
  int per = status == "Member" ? 36 + rng.Below(25) : rng.Below(61);
  r.v[8] = std::to_string(per);
  r.v[9] = (status == "Member" || rng.Chance(60)) ? "Y" : "N";
  if (exams > 0) r.v[10] = Day(today - date::days{rng.Below(900)});
  r.v[11] = Day(today + date::days{rng.Below(730) - 365});
  if (status == "Member" || status == "Lapsed") r.v[12] = Day(today - date::days{30 + rng.Below(3000)});
  const CityInfo& c = rng.Pick(kCities);
  r.v[13] = c.country;
  r.v[14] = c.region;
  r.v[15] = c.city;
  r.v[16] = rng.Pick(kEmployers);
  r.v[17] = (c.region[0] == 'O' || rng.Chance(15)) ? "en" : "zh";
  r.v[18] = rng.Pick(kChannels);
  auto reg = date::sys_seconds{today} - date::days{rng.Below(1100)} + std::chrono::seconds{rng.Below(86400)};
  r.v[19] = date::format("%F %T", reg);
  int n = rng.Below(4);
  for (int k = 0; k < n; ++k) {
    const char* it = rng.Pick(kInterests);
    if (r.v[20].find(it) != std::string::npos) continue;
    r.v[20] += (r.v[20].empty() ? "" : ";") + std::string(it);
  }
  return r;
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JsonLine(const Row& r) {
  std::string out = "{";
  for (int k = 0; k < kNumColumns; ++k) {
    out += (k ? "," : "") + JsonString(kColumns[k]) + ":";
    const std::string& v = r.v[k];
    if (v.empty()) out += "null";
    else if ((k == 7 || k == 8) && v.find_first_not_of("0123456789") == std::string::npos)
      out += v;  // ExamsPassed, PERMonths: numbers
    else if (k == 20) {
      out += "[";
      size_t start = 0;
      while (start <= v.size()) {
        size_t semi = v.find(';', start);
        if (semi == std::string::npos) semi = v.size();
        out += (start ? "," : "") + JsonString(v.substr(start, semi - start));
        start = semi + 1;
      }
      out += "]";
    } else out += JsonString(v);
  }
  if (r.broken) out += ",";  // a trailing comma: malformed JSON
  return out + "}\n";
}

int Usage() {
  std::fprintf(stderr, "usage: gen_export --rows N [--seed S] [--format csv|jsonl] [--bad-rows K] "
                       "[--today YYYY-MM-DD] --out FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = -1, bad = 0;
  uint64_t seed = 1;
  std::string format = "csv", out_path, today_text;
  for (int a = 1; a < argc; ++a) {
    std::string arg = argv[a];
    if (a + 1 >= argc) return Usage();
    std::string val = argv[++a];
    if (arg == "--rows") rows = std::atoll(val.c_str());
    else if (arg == "--seed") seed = std::strtoull(val.c_str(), nullptr, 10);
    else if (arg == "--format") format = val;
    else if (arg == "--bad-rows") bad = std::atoll(val.c_str());
    else if (arg == "--out") out_path = val;
    else if (arg == "--today") today_text = val;
    else return Usage();
  }
  if (rows < 0 || out_path.empty() || (format != "csv" && format != "jsonl") || bad < 0) return Usage();
  date::sys_days today;
  if (today_text.empty()) {
    auto now = std::chrono::system_clock::now() + std::chrono::hours(8);  // Asia/Shanghai, no DST
    today = std::chrono::floor<date::days>(now);
  } else {
    std::istringstream in(today_text);
    in >> date::parse("%F", today);
    if (in.fail()) return Usage();
  }
  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (!out) {
    std::perror(out_path.c_str());
    return 1;
  }
  std::vector<char> buffer(1 << 20);
  std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
  if (format == "csv") {
    std::string header;
    for (int k = 0; k < kNumColumns; ++k) header += (k ? "," : "") + std::string(kColumns[k]);
    header += "\r\n";  // CRLF, as CRM exports usually are
    std::fputs(header.c_str(), out);
  }
  Rng rng{seed};
  int64_t next_bad = bad > 0 ? rows / (bad + 1) : -1, bad_done = 0;
  std::string line;
  for (int64_t i = 1; i <= rows; ++i) {
    Row r = MakeRow(i, rng, today);
    if (i == next_bad && bad_done < bad) {
      switch (bad_done % 4) {
        case 0: r.v[7] = "thirteen"; break;         // not an integer
        case 1: r.v[11] = "2026-13-45"; break;       // not a date
        case 2: r.v[9] = "maybe"; break;             // not a bool of the mapping
        case 3: r.broken = true; break;              // stray quote / malformed JSON
      }
      ++bad_done;
      next_bad = (bad_done + 1) * rows / (bad + 1);
    }
    if (format == "csv") {
      line.clear();
      for (int k = 0; k < kNumColumns; ++k) {
        if (k) line += ',';
        line += (k == 2 && r.broken) ? r.v[k] + "\"x" : CsvCell(r.v[k]);
      }
      line += "\r\n";
    } else {
      line = JsonLine(r);
    }
    std::fwrite(line.data(), 1, line.size(), out);
  }
  if (std::fclose(out) != 0) {
    std::perror(out_path.c_str());
    return 1;
  }
  return 0;
}

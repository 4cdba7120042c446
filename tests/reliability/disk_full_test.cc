// Disk full while segsync writes its ledger (issue 8): the run stops with a clear error, the
// ledger stays sound (PRAGMA integrity_check), and once there is room again the next run
// converges. Two ways to run out of room:
//   - a real full file system: the ledger on a small tmpfs (needs root and mount rights;
//     skipped with a message otherwise);
//   - a file size limit (RLIMIT_FSIZE with SIGXFSZ ignored: writes past it fail with EFBIG),
//     which needs no privileges.
#include <doctest/doctest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include "campaign.h"

namespace segsync::reliability {
namespace {

using e2e::LedgerCount;
using e2e::RelTags;

constexpr int kCustomers = 3000;

std::map<RelKey, TagSet> Desired(World& w) {
  std::map<RelKey, TagSet> out;
  for (const auto& [rel, tags] : RelTags(w.fake().State())) out[rel] = DesiredTags(rel);
  return out;
}

// PRAGMA integrity_check with a read-write connection (a read-only one cannot open the WAL
// the failed run left behind: SQLITE_CANTOPEN).
std::string Integrity(const std::string& ledger) {
  SQLite::Database db(ledger, SQLite::OPEN_READWRITE);
  return db.execAndGet("PRAGMA integrity_check").getString();
}

// The run after the failure converges and the ledger agrees with WeCom.
void CheckRecovers(World& w, const std::string& ledger) {
  RunResult again = w.Segsync("sync");
  REQUIRE_MESSAGE(again.exit_code == 0, again.out << again.err.substr(0, 3000));
  CHECK(Integrity(ledger) == "ok");
  auto diffs = Differences(RelTags(w.fake().State()), Desired(w));
  CHECK(diffs.empty());
  // The ledger agrees with WeCom item for item (as World::CheckLedgerMatchesWecom, for this path).
  std::set<std::string> ours = e2e::LedgerTagIds(ledger);
  std::set<std::pair<std::string, std::string>> on_wecom, in_ledger;
  for (const auto& [rel, ids] : e2e::RelTagIds(w.fake().State()))
    for (const auto& id : ids)
      if (ours.count(id)) on_wecom.insert({rel, id});
  for (const auto& o : e2e::LedgerOwned(ledger)) in_ledger.insert({o.rel, o.tag_id});
  CHECK(on_wecom.size() > 1000);
  CHECK(on_wecom == in_ledger);
  CHECK(LedgerCount(ledger, "SELECT count(*) FROM intent") == 0);
}

TEST_CASE("disk full: the ledger on a full tmpfs - clear error - no corruption - the next run converges") {
  World w("", {"--generate", fmt::format("customers={},members=10,seed=3", kCustomers)});
  std::string mnt = w.dir() + "/small";
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k,mode=0700") != 0) {
    MESSAGE("skipped: cannot mount a tmpfs here (" << std::strerror(errno)
                                                  << "; needs root and CAP_SYS_ADMIN); the RLIMIT_FSIZE case still runs");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  WriteConfig(w, ConfigKnobs{});
  std::string cfg = segsync::testing::ReadFile(w.config());
  cfg.replace(cfg.find("ledger: ledger.db"), 17, "ledger: small/ledger.db");
  segsync::testing::WriteFile(w.config(), cfg);
  w.WriteExport(GeneratedRows(kCustomers));
  std::string ledger = mnt + "/ledger.db";

  RunResult full = w.Segsync("sync");
  std::string all = full.out + full.err;
  CHECK_MESSAGE(full.exit_code == 4, all.substr(0, 3000));
  CHECK_MESSAGE(all.find("disk is full") != std::string::npos, all.substr(0, 3000));
  CHECK_MESSAGE(all.find("ledger") != std::string::npos, all.substr(0, 3000));
  MESSAGE("tmpfs full: exit " << full.exit_code << ": " << all.substr(0, 400));
  // Room again (a read-only check of a WAL ledger needs room for its -shm file), then the
  // ledger as the failed run left it is checked, and the next run converges from it.
  REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m,mode=0700") == 0);
  CHECK(Integrity(ledger) == "ok");
  CheckRecovers(w, ledger);
}

TEST_CASE("disk full: a file size limit while writing the ledger - clear error - no corruption") {
  World w("", {"--generate", fmt::format("customers={},members=10,seed=3", kCustomers)});
  WriteConfig(w, ConfigKnobs{});
  w.WriteExport(GeneratedRows(kCustomers));
  // 256 KiB for any file segsync writes; SIGXFSZ ignored so that write() fails with EFBIG.
  RunResult limited = segsync::testing::Run(
      {"/bin/bash", "-c", "trap '' XFSZ; ulimit -f 256; exec \"$0\" \"$@\"", SEGSYNC_BIN, "sync", "--config", w.config()},
      {{"SEGSYNC_WECOM_SECRET", "fake-secret-do-not-use"}}, w.dir());
  std::string all = limited.out + limited.err;
  CHECK_MESSAGE(limited.exit_code == 4, all.substr(0, 3000));
  CHECK_MESSAGE(all.find("ledger") != std::string::npos, all.substr(0, 3000));
  MESSAGE("file size limit: exit " << limited.exit_code << ": " << all.substr(0, 600));
  struct stat st {};
  REQUIRE(::stat(w.ledger().c_str(), &st) == 0);
  CHECK(st.st_size <= 256 * 1024);
  CHECK(Integrity(w.ledger()) == "ok");
  CheckRecovers(w, w.ledger());
}

}  // namespace
}  // namespace segsync::reliability

// Ledger throughput: batched writes (relationships, intents, confirmations, snapshots) and the
// planner's load of every owned tag.
//
//   ledger_bench [RELATIONSHIPS=1200000] [DIR=/tmp] [keep]   write phases, then loads
//   ledger_bench load PATH                                     loads only, in a fresh process
//
// Prints one line per phase: rows, seconds, rows/s; for loads also the RSS growth. With
// `keep` the ledger file is left behind for `load`, whose RSS figures are not muddied by
// memory the write phases freed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "ledger/ledger.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBatch = 10000;

long RssKiB(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtol(line.c_str() + std::string(key).size(), nullptr, 10);
  }
  return -1;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// This process's CPU seconds: on a shared, loaded machine wall time mostly measures the
// neighbours, so each phase reports both.
double CpuNow() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

void Report(const char* phase, size_t rows, double s, double cpu) {
  std::printf("%-34s %9zu rows %7.2f s wall %9.0f rows/s | %6.2f s cpu %9.0f rows/s\n", phase,
              rows, s, rows / s, cpu, rows / cpu);
}

template <typename T>
T Must(segsync::Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "ledger_bench: %s\n", r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

}  // namespace

void Loads(segsync::Ledger& ledger) {
  using namespace segsync;
  long rss0 = RssKiB("VmRSS:");
  auto t5 = Clock::now();
  OwnedTags owned = Must(ledger.LoadOwnedTags());
  double s5 = Seconds(t5);
  long rss1 = RssKiB("VmRSS:");
  std::printf("%-34s %9zu rows %7.2f s, RSS +%ld MiB (structure %zu MiB)\n", "owned tags loaded",
              owned.size(), s5, (rss1 - rss0) / 1024,
              (owned.relationship_ids.capacity() * 8 + owned.offsets.capacity() * 4 +
               owned.tags.capacity() * 4) >> 20);
  auto t6 = Clock::now();
  auto rels = Must(ledger.LoadRelationships());
  double s6 = Seconds(t6);
  long rss2 = RssKiB("VmRSS:");
  std::printf("%-34s %9zu rows %7.2f s, RSS +%ld MiB\n", "relationships loaded", rels.size(), s6,
              (rss2 - rss1) / 1024);
  auto t7 = Clock::now();
  Snapshot prev = Must(ledger.LoadLastSnapshot());
  long rss3 = RssKiB("VmRSS:");
  std::printf("%-34s %9zu rows %7.2f s, RSS +%ld MiB\n", "last snapshot loaded",
              prev.profiles.size(), Seconds(t7), (rss3 - rss2) / 1024);
  std::printf("peak RSS %ld MiB\n", RssKiB("VmHWM:") / 1024);
}

int main(int argc, char** argv) {
  using namespace segsync;
  if (argc == 3 && std::string(argv[1]) == "load") {
    Logger log(stderr, LogLevel::kWarning);
    std::printf("fresh process: RSS %ld MiB before opening\n", RssKiB("VmRSS:") / 1024);
    auto ledger = Must(Ledger::Open(argv[2], log));
    Loads(*ledger);
    return 0;
  }
  size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1200000;
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  std::string path = dir + "/ledger_bench_" + std::to_string(::getpid()) + ".db";
  Logger log(stderr, LogLevel::kWarning);
  auto ledger = Must(Ledger::Open(path, log));
  std::printf("ledger %s, %zu relationships, batches of %zu\n", path.c_str(), n, kBatch);

  RunRecord run_record;
  run_record.as_of = 1'800'000'000;
  int64_t run = Must(ledger->StartRun(run_record));
  const char* tag_ids[] = {"etBenchA", "etBenchB", "etBenchC"};
  for (const char* t : tag_ids) {
    Must(ledger->RecordTagCreated(run, {t, "etGroup", "seg", "Group", t, 0, run, false}, 1));
  }

  // 1. Relationships seen.
  std::vector<int64_t> rel_ids;
  rel_ids.reserve(n);
  auto t0 = Clock::now();
  double c0 = CpuNow();
  for (size_t start = 0; start < n; start += kBatch) {
    std::vector<RelationshipSeen> batch;
    for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
      batch.push_back({"staff" + std::to_string(i % 500), "wmC" + std::to_string(1000000 + i),
                       "C" + std::to_string(1000000 + i)});
    }
    auto ids = Must(ledger->RecordRelationships(run, batch));
    rel_ids.insert(rel_ids.end(), ids.begin(), ids.end());
  }
  Report("relationships upserted", n, Seconds(t0), CpuNow() - c0);
  // The next run sees the same relationships again (the usual case: updates in place).
  int64_t seen_run = Must(ledger->StartRun(run_record));
  t0 = Clock::now();
  c0 = CpuNow();
  for (size_t start = 0; start < n; start += kBatch) {
    std::vector<RelationshipSeen> batch;
    for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
      batch.push_back({"staff" + std::to_string(i % 500), "wmC" + std::to_string(1000000 + i),
                       "C" + std::to_string(1000000 + i)});
    }
    Must(ledger->RecordRelationships(seen_run, batch));
  }
  Report("relationships re-seen (next run)", n, Seconds(t0), CpuNow() - c0);

  // 2. One tag per relationship: intents, then confirmations (owned tags).
  double intent_s = 0, confirm_s = 0, intent_c = 0, confirm_c = 0;
  for (size_t start = 0; start < n; start += kBatch) {
    std::vector<TagIntent> batch;
    for (size_t i = start; i < std::min(n, start + kBatch); ++i) {
      batch.push_back({rel_ids[i], tag_ids[i % 3], TagOp::kAdd});
    }
    auto t1 = Clock::now();
    double c1 = CpuNow();
    auto ids = Must(ledger->RecordIntents(run, batch, 2));
    intent_s += Seconds(t1);
    intent_c += CpuNow() - c1;
    auto t2 = Clock::now();
    double c2 = CpuNow();
    Must(ledger->ConfirmIntents(ids, 3));
    confirm_s += Seconds(t2);
    confirm_c += CpuNow() - c2;
  }
  Report("intents recorded", n, intent_s, intent_c);
  Report("intents confirmed (owned + audit)", n, confirm_s, confirm_c);
  Report("apply bookkeeping end to end", n, intent_s + confirm_s, intent_c + confirm_c);

  // 3. Snapshots: n profiles, two segments each out of 40; then 5% of them change.
  Snapshot snap;
  for (int s = 0; s < 40; ++s) snap.segments.push_back({"seg" + std::to_string(s), "t"});
  for (size_t i = 0; i < n; ++i) {
    snap.profiles.push_back({"C" + std::to_string(1000000 + i), std::string("Affiliate"),
                             {static_cast<uint32_t>(i % 40), static_cast<uint32_t>((i / 40) % 40)}});
  }
  auto t3 = Clock::now();
  double c3 = CpuNow();
  auto d1 = Must(ledger->RecordSnapshot(run, snap));
  Report("snapshot, first (all entered)", static_cast<size_t>(d1.entered), Seconds(t3),
         CpuNow() - c3);
  int64_t run2 = Must(ledger->StartRun(run_record));
  for (size_t i = 0; i < n; i += 20) {
    snap.profiles[i].segments[0] = static_cast<uint32_t>((i + 1) % 40);
    snap.profiles[i].status = "Member";
  }
  auto t4 = Clock::now();
  auto d2 = Must(ledger->RecordSnapshot(run2, snap));
  double s4 = Seconds(t4);
  std::printf("%-34s %9zu profiles %6.3f s (%lld entered, %lld left, %lld status changes)\n",
              "snapshot, second (5% changed)", n, s4, static_cast<long long>(d2.entered),
              static_cast<long long>(d2.left), static_cast<long long>(d2.status_changed));

  // 4. The planner's loads.
  Loads(*ledger);

  if (argc > 3 && std::string(argv[3]) == "keep") return 0;
  ledger.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  return 0;
}

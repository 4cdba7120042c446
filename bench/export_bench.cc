// export_bench: times reading + mapping an export, the first half of `segments`.
//   export_bench --in FILE [--mapping mapping/affiliates.yaml] [--threads 1|2]
// --threads 1: one thread reads and maps. --threads N >= 2: a reader thread plus N-1
// mapping workers (ForEachBatchParallel). --threads 0 only reads, to see the parser alone.
// Prints rows, rejected rows, seconds, rows/s and peak RSS (VmHWM).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <map>
#include <string>

#include <date/tz.h>
#include <fmt/format.h>

#include "export/export_reader.h"
#include "export/pipeline.h"
#include "mapper/mapper.h"

namespace {

std::string PeakRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(6);
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace segsync;
  std::string in_path, mapping_path = "mapping/affiliates.yaml";
  int threads = 2;
  for (int a = 1; a + 1 < argc; a += 2) {
    std::string arg = argv[a];
    if (arg == "--in") in_path = argv[a + 1];
    else if (arg == "--mapping") mapping_path = argv[a + 1];
    else if (arg == "--threads") threads = std::atoi(argv[a + 1]);
  }
  if (in_path.empty()) {
    std::fprintf(stderr, "usage: export_bench --in FILE [--mapping FILE] [--threads 1|2]\n");
    return 2;
  }
  DiagSink sink;
  auto mapping = LoadMapping(mapping_path, sink);
  if (!mapping) {
    std::fputs(sink.FormatAll().c_str(), stderr);
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  auto reader = ExportReader::Open(in_path, ReaderOptions{}, sink);
  if (!reader) {
    std::fputs(sink.FormatAll().c_str(), stderr);
    return 1;
  }
  auto mapper = Mapper::Bind(*mapping, *reader, date::locate_zone("Asia/Shanghai"), sink);
  if (!mapper) {
    std::fputs(sink.FormatAll().c_str(), stderr);
    return 1;
  }
  struct PerWorker {  // each worker keeps its own state: no locks while mapping
    int64_t mapped = 0, errors = 0;
    std::map<std::string, int64_t> by_status;  // a stand-in for evaluation
    std::vector<MappedRow> rows;
    std::vector<Diagnostic> diags;
  };
  std::vector<PerWorker> workers(static_cast<size_t>(std::max(1, threads)));
  int status = mapping->schema.IndexOf("status");
  bool read_only = threads == 0;
  auto consume = [&](int w, int64_t, RecordBatch& batch) {
    PerWorker& pw = workers[static_cast<size_t>(w)];
    if (read_only) {
      pw.mapped += static_cast<int64_t>(batch.size());
      return true;
    }
    pw.diags.clear();
    size_t n = mapper->MapBatch(batch, pw.rows, &pw.diags);
    pw.errors += static_cast<int64_t>(pw.diags.size());
    pw.mapped += static_cast<int64_t>(n);
    for (size_t i = 0; i < n; ++i)
      if (auto* s = std::get_if<std::string>(&pw.rows[i].profile.values[status])) ++pw.by_status[*s];
    return true;
  };
  if (threads >= 2) {
    ForEachBatchParallel(*reader, threads - 1, consume);
  } else {
    RecordBatch batch;
    while (reader->Next(batch)) consume(0, 0, batch);
  }
  int64_t mapped = 0, errors = 0;
  std::map<std::string, int64_t> by_status;
  for (const auto& pw : workers) {
    mapped += pw.mapped;
    errors += pw.errors;
    for (const auto& [k, v] : pw.by_status) by_status[k] += v;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ExportStats& st = reader->stats();
  fmt::print("rows {} mapped {} row_errors {} (reader rejected {})\n", st.rows, mapped, errors,
             st.rows_rejected);
  fmt::print("bytes {} hash {}\n", st.bytes, HashHex(st.hash));
  for (const auto& [k, v] : by_status) fmt::print("  status {}: {}\n", k, v);
  fmt::print("threads {}: {:.3f} s, {:.0f} rows/s, {:.0f} MB/s, peak RSS {}\n", threads, secs,
             st.rows / secs, st.bytes / secs / 1e6, PeakRss());
  return 0;
}

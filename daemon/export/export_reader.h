// Streaming readers for the CRM export: CSV (RFC 4180 as CRMs really write it) and JSON
// Lines, in bounded memory.
//
// Open() reads the header (CSV: the first row; JSON Lines: the keys of the first object)
// and reports fatal problems: an unreadable or empty file, duplicate column names, a broken
// header. Next() then fills one RecordBatch at a time (about chunk_bytes of input).
// A bad row (wrong cell count, unterminated or stray quote, invalid UTF-8, a cell over the
// cap, a malformed JSON line) becomes a Diagnostic in batch.errors naming its line, is left
// out of the batch, and reading goes on. Memory stays near a few chunks whatever the file
// size: a record longer than max_record_bytes is skipped, not buffered.
//
// Not thread-safe: one thread calls Next(); the batches it fills may go to other threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/error.h"
#include "config/config.h"
#include "export/hash.h"
#include "export/record_batch.h"

namespace segsync {

struct ReaderOptions {
  ExportFormat format = ExportFormat::kAuto;  // kAuto: .jsonl/.ndjson are JSON Lines, else CSV
  size_t chunk_bytes = 1 << 20;               // read size; one batch holds about this much
  size_t max_cell_bytes = 1 << 20;            // a longer cell rejects its row
  size_t max_record_bytes = 16 << 20;         // a longer record is skipped without buffering it
  size_t max_columns = 2000;                  // a wider header is fatal
  int max_reported_errors = 100;              // row errors beyond this are counted, not listed
  std::string display_name;                   // the file name in messages; default: the path
};

// What the ledger keeps about one export.
struct ExportStats {
  uint64_t bytes = 0;          // bytes read, BOM included
  uint64_t hash = 0;           // Hash64 (XXH64) of those bytes
  int64_t rows = 0;            // data records seen (not the header), rejected ones included
  int64_t rows_rejected = 0;   // rows the reader rejected (the mapper rejects more)
  int64_t errors_unreported = 0;  // row errors not listed because of max_reported_errors
};

class ExportReader {
 public:
  virtual ~ExportReader() = default;

  // Opens `path` and reads its header. On a fatal problem, reports it into `sink` and
  // returns null.
  static std::unique_ptr<ExportReader> Open(const std::string& path, const ReaderOptions& options,
                                            DiagSink& sink);

  const std::vector<std::string>& header() const { return header_; }
  // Index of column `name` in the header, or -1.
  int ColumnIndex(std::string_view name) const;
  ExportFormat format() const { return format_; }
  const std::string& name() const { return name_; }

  // Fills `batch` (cleared first) with the next records. Returns false when the export is
  // exhausted (batch may still carry row errors then) or on an I/O error (see io_error()).
  virtual bool Next(RecordBatch& batch) = 0;

  // Set when a read failed midway: the export must not be used.
  const std::optional<Error>& io_error() const { return io_error_; }
  // Complete once Next() has returned false.
  const ExportStats& stats() const { return stats_; }

 protected:
  std::vector<std::string> header_;
  ExportFormat format_ = ExportFormat::kCsv;
  std::string name_;
  std::optional<Error> io_error_;
  ExportStats stats_;
};

// The format an export would be read as: `configured` unless kAuto, else from the file
// extension (.jsonl, .ndjson: JSON Lines; anything else: CSV).
ExportFormat DetectFormat(const std::string& path, ExportFormat configured);

}  // namespace segsync

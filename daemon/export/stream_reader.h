// The chunk loop shared by the CSV and JSON Lines readers (internal to daemon/export).
//
// A batch gets the unparsed tail of the previous chunk plus one new chunk; whole records
// are parsed out of it and the incomplete last one is carried to the next batch. The batch
// buffer only grows while it holds no record yet, so cell views never dangle. A record
// longer than max_record_bytes is skipped by scanning, never buffered whole.
#pragma once

#include <string>

#include "export/chunked_input.h"
#include "export/export_reader.h"

namespace segsync {

class StreamReader : public ExportReader {
 public:
  bool Next(RecordBatch& batch) override;

 protected:
  enum class Step { kRecord, kBlank, kBad, kNeedMore, kEnd };
  struct RowError {
    int64_t line = 0;
    int col = 0;
    std::string message;
    std::string_view source;  // the record's raw bytes (or their start), for the message
  };

  StreamReader(const std::string& path, const ReaderOptions& options);

  // Parses the record at data[pos...]. kRecord: `width` cells and the line were appended to
  // the batch. kBad: nothing appended, *err set. Both advance pos and line_. kNeedMore: the
  // record is incomplete and eof is false; kEnd: nothing left. Neither changes anything.
  virtual Step ParseOne(std::string& data, size_t& pos, bool eof, RecordBatch& batch,
                        RowError* err) = 0;

  // Skipping a record too long to buffer: scans `bytes` (the record's bytes so far, in
  // pieces) and returns the offset just past the record's end, or npos if it goes on.
  // `in_quotes` and *newlines carry the scan state across pieces.
  virtual size_t ScanRecordEnd(std::string_view bytes, bool* in_quotes, int64_t* newlines) = 0;

  // Reads until data[pos...] holds one complete record (or the end); used for headers.
  // False on an I/O error or when the record exceeds max_record_bytes.
  bool FillForRecord(std::string& data, size_t pos);

  // Opens the file; reports a failure into `sink`.
  bool OpenFile(const std::string& path, DiagSink& sink);
  void AddRowError(RecordBatch& batch, RowError err);
  std::string ColumnName(size_t index) const;

  ReaderOptions options_;
  ChunkedInput in_;
  std::string carry_;  // bytes read but not yet parsed
  int64_t line_ = 1;   // physical line at the start of carry_
  bool done_ = false;
  int reported_ = 0;

 private:
  void SkipOversizeRecord(RecordBatch& batch, std::string& data, size_t pos);
};

}  // namespace segsync

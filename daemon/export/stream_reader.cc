#include "export/stream_reader.h"

#include <fmt/format.h>

#include "export/utf8.h"

namespace segsync {

StreamReader::StreamReader(const std::string& path, const ReaderOptions& options)
    : options_(options) {
  name_ = options.display_name.empty() ? path : options.display_name;
}

std::string StreamReader::ColumnName(size_t index) const {
  return index < header_.size() ? header_[index] : fmt::format("#{}", index + 1);
}

void StreamReader::AddRowError(RecordBatch& batch, RowError err) {
  ++stats_.rows;
  ++stats_.rows_rejected;
  if (reported_ >= options_.max_reported_errors) {
    ++stats_.errors_unreported;
    return;
  }
  ++reported_;
  batch.errors.push_back(Diagnostic{{name_, static_cast<int>(err.line), err.col}, Severity::kError,
                                    std::move(err.message), {}, ShownLine(err.source)});
}

bool StreamReader::OpenFile(const std::string& path, DiagSink& sink) {
  if (auto err = in_.Open(path)) {
    sink.Error({name_, 0, 0}, err->message);
    return false;
  }
  return true;
}

bool StreamReader::FillForRecord(std::string& data, size_t pos) {
  // The caller re-parses after each read; this only reads one more chunk within the cap.
  if (data.size() - pos >= options_.max_record_bytes) return false;
  in_.Read(data, options_.chunk_bytes);
  return !in_.error();
}

bool StreamReader::Next(RecordBatch& batch) {
  batch.Clear();
  batch.width = header_.size();
  if (done_) return false;
  std::string& data = batch.data;
  data.clear();
  data.reserve(carry_.size() + options_.chunk_bytes);
  data.append(carry_);
  carry_.clear();
  if (data.size() < options_.chunk_bytes) in_.Read(data, options_.chunk_bytes);
  size_t pos = 0;
  while (true) {
    if (in_.error()) {
      io_error_ = in_.error();
      done_ = true;
      batch.Clear();
      return false;
    }
    RowError err;
    Step step = ParseOne(data, pos, in_.eof(), batch, &err);
    if (step == Step::kRecord) {
      ++stats_.rows;
      continue;
    }
    if (step == Step::kBlank) continue;
    if (step == Step::kBad) {
      AddRowError(batch, std::move(err));
      continue;
    }
    if (step == Step::kEnd) {
      done_ = true;
      stats_.bytes = in_.bytes();
      stats_.hash = in_.hash();
      return batch.size() > 0 || !batch.errors.empty();
    }
    // kNeedMore: hand out what we have, or grow while the batch is still empty of records
    // (growing reallocates, which would move the bytes earlier cells point into).
    if (batch.size() > 0 || !batch.errors.empty()) {
      carry_.assign(data, pos, std::string::npos);
      data.resize(pos);
      return true;
    }
    if (data.size() - pos >= options_.max_record_bytes) {
      SkipOversizeRecord(batch, data, pos);
      return true;
    }
    if (pos > 0) {
      data.erase(0, pos);
      pos = 0;
    }
    in_.Read(data, options_.chunk_bytes);
  }
}

void StreamReader::SkipOversizeRecord(RecordBatch& batch, std::string& data, size_t pos) {
  int64_t start_line = line_;
  bool in_quotes = false;
  int64_t newlines = 0;
  std::string_view piece(data.data() + pos, data.size() - pos);
  std::string shown = ShownLine(piece);
  size_t end = ScanRecordEnd(piece, &in_quotes, &newlines);
  while (end == std::string::npos && !in_.eof() && !in_.error()) {
    data.clear();
    in_.Read(data, options_.chunk_bytes);
    piece = data;
    end = ScanRecordEnd(piece, &in_quotes, &newlines);
  }
  line_ += newlines;
  carry_.assign(end == std::string::npos ? std::string_view() : piece.substr(end));
  data.clear();
  std::string message =
      end == std::string::npos && in_quotes
          ? "unterminated quoted cell: the quote is never closed before the end of the file"
          : fmt::format("record is longer than the {} cap (max_record_bytes); skipped",
                        FormatCap(options_.max_record_bytes));
  AddRowError(batch, RowError{start_line, 0, std::move(message), shown});
}

}  // namespace segsync

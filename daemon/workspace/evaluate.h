// export -> profiles -> segments, the first half of every run (segments, explain, plan, sync).
//
// EvaluateExport resolves the export (file or glob), binds the mapping to its header, and
// streams it: a reader thread fills batches while `workers` threads map and evaluate them.
// For every batch of accepted profiles it calls `fn` on the worker that evaluated it, so
// `fn` must only touch that worker's state (ProfileBatch::worker), or lock.
// Bad rows are counted and the first few kept as diagnostics, in line order; they are left
// out of every segment (spec §3). Memory stays bounded by the batches in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/diag.h"
#include "base/error.h"
#include "export/export_reader.h"
#include "mapper/mapper.h"
#include "segment/evaluator.h"
#include "workspace/workspace.h"

namespace segsync {

struct EvaluateOptions {
  std::string export_override;  // --export; empty: crm.export
  DateTime as_of;
  int workers = 0;              // consumer threads; 0: one per core
  size_t max_row_errors = 100;  // row errors kept as diagnostics (all are counted)
};

struct ProfileBatch {
  int worker = 0;
  int64_t seq = 0;  // batches are numbered in file order
  std::span<const MappedRow> rows;
  std::span<const std::vector<Membership>> tags;  // parallel to rows
};
using ProfileBatchFn = std::function<void(const ProfileBatch&)>;

struct ExportEvaluation {
  std::string export_path;  // the file that was read
  ExportStats stats;        // bytes, hash, rows as the reader saw them
  int64_t profiles = 0;     // rows accepted
  int64_t rows_rejected = 0;  // by the reader or the mapper
  std::vector<Diagnostic> row_errors;  // the first max_row_errors, in line order
  // Mapped columns missing from the header (a schema change): nothing was evaluated.
  std::vector<std::string> lost_columns;
  // tag_from max_tags caps. When no other segment depends on a capped one, they are counted
  // during the single pass, so the memberships handed to `fn` are not capped yet: consumers
  // keep a membership only if TagAllowed() says so once EvaluateExport has returned.
  ValueCaps caps;
  bool TagAllowed(const RuleSet& rules, int segment, const std::string& tag) const;
  EvalContext ctx;
  int workers = 1;
};

// Errors: the export cannot be found or read (kInvalidInput / kIo); the message says which
// file and why. A lost column is not an Error: it is reported in `sink` and lost_columns.
Result<ExportEvaluation> EvaluateExport(const Workspace& ws, const EvaluateOptions& options,
                                        const ProfileBatchFn& fn, DiagSink& sink);

}  // namespace segsync

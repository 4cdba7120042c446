#include "workspace/evaluate.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <thread>

#include <fmt/format.h>

#include "export/pipeline.h"
#include "export/source.h"

namespace segsync {

namespace {

bool NeedsValueCaps(const RuleSet& rules) {
  for (const auto& s : rules.segments)
    if (IsCappedSegment(s)) return true;
  return false;
}

std::unique_ptr<ExportReader> OpenReader(const Workspace& ws, const std::string& path,
                                         DiagSink& sink) {
  ReaderOptions ro;
  ro.format = ws.config.crm.format;
  return ExportReader::Open(path, ro, sink);
}

// The `max_tags` caps need the frequency of every value over the whole export: a first,
// single-threaded pass that only counts.
Result<ValueCaps> CountValues(const Workspace& ws, const std::string& path, const EvalContext& ctx) {
  DiagSink ignored;  // the second pass reports every problem
  auto reader = OpenReader(ws, path, ignored);
  if (!reader) return Error{ErrorCode::kInvalidInput, "cannot re-open the export " + path};
  auto mapper = Mapper::Bind(ws.mapping, *reader, ws.config.tz, ignored);
  if (!mapper) return Error{ErrorCode::kInvalidInput, "cannot map the export " + path};
  ValueCounter counter(ws.rules, ctx);
  std::vector<MappedRow> rows;
  std::vector<Diagnostic> errors;
  auto io = ForEachBatch(*reader, [&](RecordBatch& batch) {
    errors.clear();
    size_t n = mapper->MapBatch(batch, rows, &errors);
    for (size_t i = 0; i < n; ++i) counter.Add(rows[i].profile);
    return true;
  });
  if (io) return *io;
  return counter.Finish();
}

}  // namespace

bool ExportEvaluation::TagAllowed(const RuleSet& rules, int segment, const std::string& tag) const {
  if (!IsCappedSegment(rules.segments[static_cast<size_t>(segment)])) return true;
  if (static_cast<size_t>(segment) >= caps.allowed.size()) return true;  // no caps computed
  const auto& allowed = caps.allowed[static_cast<size_t>(segment)];
  return std::binary_search(allowed.begin(), allowed.end(), tag);
}

Result<ExportEvaluation> EvaluateExport(const Workspace& ws, const EvaluateOptions& options,
                                        const ProfileBatchFn& fn, DiagSink& sink) {
  const std::string& spec =
      options.export_override.empty() ? ws.config.crm.export_source : options.export_override;
  Result<ExportSource> source = ResolveExportSource(spec);
  if (!source) return source.error();

  ExportEvaluation out;
  out.export_path = source->path;
  out.ctx = MakeEvalContext(options.as_of, ws.config.tz);
  auto reader = OpenReader(ws, source->path, sink);
  if (!reader) {
    return Error{ErrorCode::kInvalidInput,
                 fmt::format("the export {} cannot be read (see the errors above)", source->path)};
  }
  for (const auto& column : ws.mapping.Columns())
    if (reader->ColumnIndex(column) < 0) out.lost_columns.push_back(column);
  auto mapper = Mapper::Bind(ws.mapping, *reader, ws.config.tz, sink);
  if (!mapper) return out;  // Bind reported the lost columns; nothing is evaluated

  // Caps that decide other segments need a first pass; otherwise they are counted on the way.
  const bool count_caps_inline = NeedsValueCaps(ws.rules) && !CapsAffectOtherSegments(ws.rules);
  if (NeedsValueCaps(ws.rules) && !count_caps_inline) {
    Result<ValueCaps> caps = CountValues(ws, source->path, out.ctx);
    if (!caps) return caps.error();
    out.caps = std::move(*caps);
  }

  int workers = options.workers > 0 ? options.workers
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  out.workers = workers;
  struct WorkerState {
    Evaluator eval;
    std::vector<MappedRow> rows;
    std::vector<std::vector<Membership>> tags;
    std::vector<Diagnostic> errors;
    int64_t profiles = 0;
    int64_t rejected = 0;
    std::vector<std::unordered_map<std::string, int64_t>> value_counts;
  };
  std::vector<std::unique_ptr<WorkerState>> state;
  for (int w = 0; w < workers; ++w)
    state.push_back(std::unique_ptr<WorkerState>(new WorkerState{Evaluator(ws.rules, out.ctx, count_caps_inline ? nullptr : &out.caps), {}, {}, {}, 0, 0,
                                                       std::vector<std::unordered_map<std::string, int64_t>>(
                                                           count_caps_inline ? ws.rules.segments.size() : 0)}));

  auto io = ForEachBatchParallel(*reader, workers, [&](int w, int64_t seq, RecordBatch& batch) {
    WorkerState& st = *state[w];
    size_t before = st.errors.size();
    size_t n = mapper->MapBatch(batch, st.rows, &st.errors);
    st.rejected += static_cast<int64_t>(st.errors.size() - before);
    // Keep memory flat: only the first few errors of each worker are kept as text.
    if (st.errors.size() > options.max_row_errors) st.errors.resize(options.max_row_errors);
    if (st.tags.size() < n) st.tags.resize(n);
    for (size_t i = 0; i < n; ++i) {
      st.eval.Evaluate(st.rows[i].profile, &st.tags[i]);
      if (count_caps_inline)
        for (const auto& m : st.tags[i])
          if (IsCappedSegment(ws.rules.segments[static_cast<size_t>(m.segment_index)]))
            ++st.value_counts[static_cast<size_t>(m.segment_index)][m.tag];
    }
    st.profiles += static_cast<int64_t>(n);
    if (fn && n > 0) {
      fn(ProfileBatch{w, seq, std::span<const MappedRow>(st.rows.data(), n),
                      std::span<const std::vector<Membership>>(st.tags.data(), n)});
    }
    return true;
  });
  if (io) return *io;
  if (reader->io_error()) return *reader->io_error();

  out.stats = reader->stats();
  if (count_caps_inline) {
    std::vector<std::unordered_map<std::string, int64_t>> counts(ws.rules.segments.size());
    for (auto& st : state)
      for (size_t seg = 0; seg < st->value_counts.size(); ++seg)
        for (const auto& [value, n] : st->value_counts[seg]) counts[seg][value] += n;
    out.caps = CapsFromCounts(ws.rules, counts);
  }
  for (auto& st : state) {
    out.profiles += st->profiles;
    out.rows_rejected += st->rejected;
    for (auto& d : st->errors) out.row_errors.push_back(std::move(d));
  }
  // The reader's own count covers rows it dropped before the mapper saw them; errors past
  // its reporting cap were counted but not listed.
  out.rows_rejected += out.stats.errors_unreported;
  std::stable_sort(out.row_errors.begin(), out.row_errors.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.pos.line < b.pos.line; });
  if (out.row_errors.size() > options.max_row_errors) out.row_errors.resize(options.max_row_errors);
  return out;
}

}  // namespace segsync

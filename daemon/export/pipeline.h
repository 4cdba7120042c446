// Reading and evaluating on several threads: the reader fills batches on a helper thread
// while consumer threads work on the previous ones. Memory is bounded by the number of
// batches in flight (workers + 2), whatever the size of the export.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "base/error.h"
#include "export/export_reader.h"

namespace segsync {

// Calls consume(batch) on the calling thread for every batch of `reader`, in file order,
// including batches that only carry row errors. consume returning false stops the read
// early. Returns the reader's I/O error, if any.
std::optional<Error> ForEachBatch(ExportReader& reader,
                                  const std::function<bool(RecordBatch&)>& consume);

// Same with `workers` consumer threads (the calling thread is worker 0; the others are
// started here): consume(worker, seq, batch) runs concurrently on different batches, so it
// must only write to per-worker state. `seq` numbers the batches 0, 1, 2... in file order,
// for callers that need to put results or row errors back in order. consume must not
// throw (the helper threads could not be joined).
std::optional<Error> ForEachBatchParallel(
    ExportReader& reader, int workers,
    const std::function<bool(int worker, int64_t seq, RecordBatch& batch)>& consume);

}  // namespace segsync

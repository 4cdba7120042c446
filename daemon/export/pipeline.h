// Reading and evaluating on two threads: the reader fills batches on a helper thread while
// the caller's thread consumes the previous ones. Memory is bounded by `depth` batches.
#pragma once

#include <functional>
#include <optional>

#include "base/error.h"
#include "export/export_reader.h"

namespace segsync {

// Calls consume(batch) on the calling thread for every batch of `reader`, in file order,
// including batches that only carry row errors. consume returning false stops the read
// early. Returns the reader's I/O error, if any. `depth` is the number of batches in flight.
std::optional<Error> ForEachBatch(ExportReader& reader,
                                  const std::function<bool(RecordBatch&)>& consume, int depth = 3);

}  // namespace segsync

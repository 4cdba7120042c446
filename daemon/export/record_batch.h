// A batch of export records, as the reader hands them out.
//
// The batch owns the bytes its cells point into (`data`), so a batch can be handed to
// another thread and parsed further while the reader fills the next one. Cells are
// string_views: a cell is copied only when it had to be unquoted, and then in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/diag.h"

namespace segsync {

// A JSON Lines array value arrives as one cell: kJsonListMark, then the items separated by
// kJsonListSep. The mapper treats a cell as an array only when the export is JSON Lines.
inline constexpr char kJsonListMark = '\x1e';
inline constexpr char kJsonListSep = '\x1f';

struct RecordBatch {
  std::string data;                     // the raw bytes the cells point into
  std::vector<std::string_view> cells;  // row-major, `width` cells per record
  std::vector<int64_t> lines;           // per record: the physical line where it starts
  std::vector<Diagnostic> errors;       // row errors found in this batch (rows left out)
  size_t width = 0;                     // cells per record (the header's column count)

  size_t size() const { return lines.size(); }
  std::span<const std::string_view> record(size_t i) const {
    return {cells.data() + i * width, width};
  }
  // Empties the batch but keeps its capacity, so a recycled batch does not allocate.
  void Clear() {
    cells.clear();
    lines.clear();
    errors.clear();
  }
};

}  // namespace segsync

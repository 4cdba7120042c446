// Turns export records into typed Profiles plus their identity values (spec §3).
//
// Bind() checks the export's header against the mapping once, before any row: a mapped
// column missing from the header is fatal (one error naming every missing column). Map()
// is then const and thread-safe: several threads may map different batches at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diag.h"
#include "config/config.h"
#include "export/record_batch.h"
#include "mapper/mapping.h"
#include "mapper/profile.h"

namespace date {
class time_zone;
}

namespace segsync {

class ExportReader;

// How the profile can be found in WeCom; an empty string means "not given".
struct Identity {
  std::string unionid;
  std::string state;
  std::string mobile;  // normalised by NormalizeMobile
};

struct MappedRow {
  Profile profile;
  Identity identity;
};

class Mapper {
 public:
  // `tz` interprets date-times without an offset (the configured zone; null means UTC).
  // `export_name` is the file name used in row errors.
  static std::optional<Mapper> Bind(const Mapping& mapping, const std::vector<std::string>& header,
                                    ExportFormat format, const std::string& export_name,
                                    const date::time_zone* tz, DiagSink& sink);
  static std::optional<Mapper> Bind(const Mapping& mapping, const ExportReader& reader,
                                    const date::time_zone* tz, DiagSink& sink);

  const Schema& schema() const { return mapping_->schema; }
  const Mapping& mapping() const { return *mapping_; }

  // Maps record `i` of `batch` into *row (its storage is reused). On a cell that does not
  // parse, returns false and sets *error: "column 'X' (field x): 'v' is not an integer".
  bool Map(const RecordBatch& batch, size_t i, MappedRow* row, Diagnostic* error) const;

  // Maps every record of `batch` into rows[0..n) and returns n; rows is only grown, so
  // its Profiles keep their storage between batches. The row errors of the batch (the
  // reader's and the mapper's, in line order) are appended to *errors.
  size_t MapBatch(const RecordBatch& batch, std::vector<MappedRow>& rows,
                  std::vector<Diagnostic>* errors) const;

 private:
  struct Binding {
    const FieldDef* field;
    size_t cell;
  };
  Mapper(const Mapping& mapping) : mapping_(&mapping) {}

  const Mapping* mapping_;  // not owned: must outlive the Mapper
  std::vector<Binding> fields_;  // parallel to schema().fields
  int unionid_ = -1, state_ = -1, mobile_ = -1;  // cell indexes, -1 when not in the mapping
  bool jsonl_ = false;
  std::string export_name_;
  const date::time_zone* tz_ = nullptr;
};

// Digits only, without a leading 0086 or 86 country code (the latter only when 11 digits
// remain, as in a Chinese mobile number): "+86 138-0000-0007" -> "13800000007".
std::string NormalizeMobile(std::string_view text);
// Same, into *out (its storage reused).
void NormalizeMobileInto(std::string_view text, std::string* out);

}  // namespace segsync

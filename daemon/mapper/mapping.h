// The mapping file (spec §3): which export column becomes which typed profile field, and
// which columns identify the profile's WeCom customer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/diag.h"
#include "mapper/profile.h"

namespace segsync {

enum class IdentityKind { kUnionId, kState, kMobile };

struct IdentityKey {
  IdentityKind kind = IdentityKind::kUnionId;
  std::string column;
  SourcePos pos;
};

struct Mapping {
  std::string path;
  Schema schema;           // field 0 is `id` (a string read from key_column)
  std::string key_column;  // the CRM's primary key column
  SourcePos key_pos;
  std::vector<IdentityKey> identity;  // in the order they are tried

  // Every column the mapping reads (key, fields, identity), each once, in first-use order.
  std::vector<std::string> Columns() const;
};

// Loads a mapping file. Every problem goes to `sink` (unknown keys and types with a
// did-you-mean hint, duplicate or reserved field names, a bad identity list); returns the
// Mapping only when there was no error.
std::optional<Mapping> LoadMapping(const std::string& path, DiagSink& sink);
// Same from text; `path` is used for messages.
std::optional<Mapping> ParseMapping(const std::string& path, const std::string& text,
                                    DiagSink& sink);

const char* IdentityKindName(IdentityKind k);

}  // namespace segsync

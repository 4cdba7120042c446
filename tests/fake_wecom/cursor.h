// Opaque paging cursors. They are hex-encoded so that clients cannot (and need not) read
// them; a cursor that does not decode is a parameter error (40058).
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace segsync::fake {

std::string EncodeKeyCursor(const std::pair<std::string, std::string>& key);
std::pair<std::string, std::string> DecodeKeyCursor(const std::string& cursor);
std::string EncodeOffsetCursor(std::size_t offset);
std::size_t DecodeOffsetCursor(const std::string& cursor);

}  // namespace segsync::fake

// UTF-8 validation for export cells: CRMs sometimes write GBK or Latin-1 by mistake, and a
// tag or an explain line with broken bytes is worse than a rejected row.
#pragma once

#include <cstddef>
#include <string_view>

namespace segsync {

// Offset of the first byte that is not valid UTF-8 (overlongs, surrogates and code points
// above U+10FFFF are invalid), or npos when all of `s` is valid.
size_t FindInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

}  // namespace segsync

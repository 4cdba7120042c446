// UTF-8 validation for export cells: CRMs sometimes write GBK or Latin-1 by mistake, and a
// tag or an explain line with broken bytes is worse than a rejected row.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace segsync {

// Offset of the first byte that is not valid UTF-8 (overlongs, surrogates and code points
// above U+10FFFF are invalid), or npos when all of `s` is valid.
size_t FindInvalidUtf8(std::string_view s);

// The start of `text` as one display line for a diagnostic: cut at the first line break and
// at `max_bytes` (on a character boundary), invalid bytes shown as '?', control bytes as
// spaces. Never empty for a non-empty input, so the formatter does not reread the file.
std::string ShownLine(std::string_view text, size_t max_bytes = 200);

// "1 MiB", "64 KiB", "100 bytes": how caps are named in messages.
std::string FormatCap(size_t bytes);

inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

}  // namespace segsync

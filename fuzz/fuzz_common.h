// Shared by the libFuzzer targets in fuzz/ (built only with -DSEGSYNC_FUZZ=ON and clang).
// Each target feeds arbitrary bytes to one parser of untrusted input; a crash, a sanitizer
// report or a leak is a bug. Every input found that way becomes a regression test in
// tests/reliability/fuzz_regressions_test.cc.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace segsync::fuzz {

// A file holding `data`, for the readers that take a path. One file per process, rewritten
// on every input (libFuzzer runs inputs one after another in a process).
inline const std::string& WriteInput(std::string_view data, const char* suffix) {
  static const std::string path =
      std::string("/tmp/segsync-fuzz-") + std::to_string(::getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f) {
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  }
  return path;
}

}  // namespace segsync::fuzz

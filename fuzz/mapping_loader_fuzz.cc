// Fuzzes the mapping loader (spec §3): YAML errors, types, identity lists, duplicate fields.
#include <cstdint>
#include <string>

#include "mapper/mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace segsync;
  std::string text(reinterpret_cast<const char*>(data), size);
  DiagSink sink;
  auto mapping = ParseMapping("fuzz.yaml", text, sink);
  if (mapping && !sink.ok()) __builtin_trap();  // a mapping is returned only without errors
  if (mapping) (void)mapping->Columns();
  (void)sink.FormatAll();
  return 0;
}

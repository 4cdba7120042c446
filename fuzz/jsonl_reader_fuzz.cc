// Fuzzes the JSON Lines export reader: the in-place unescaping line parser (escapes,
// surrogates, nested values, lists) and the chunk carry with tiny chunks.
#include <cstdint>
#include <string_view>

#include "export/export_reader.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace segsync;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ReaderOptions options;
  options.format = ExportFormat::kJsonl;
  uint8_t knob = size ? data[0] : 0;
  options.chunk_bytes = 1 + knob % 64;
  options.max_cell_bytes = 4 + knob % 200;
  options.max_record_bytes = 16 + knob % 512;
  options.max_columns = 64;
  options.max_reported_errors = 5;
  DiagSink sink;
  auto reader = ExportReader::Open(fuzz::WriteInput(input, ".jsonl"), options, sink);
  if (!reader) return 0;
  RecordBatch batch;
  size_t width = reader->header().size();
  while (reader->Next(batch)) {
    if (batch.width != width) __builtin_trap();
    for (size_t i = 0; i < batch.size(); ++i)
      for (std::string_view cell : batch.record(i)) (void)cell.size();
  }
  return 0;
}

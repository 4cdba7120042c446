// Fuzzes the rule-file loader (YAML -> RuleSet, checked against the example mapping's
// schema): YAML errors, unknown keys, predicates at FILE:LINE:COL, segment references.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "mapper/mapping.h"
#include "segment/rule_loader.h"

namespace {

const segsync::Schema& ExampleSchema() {
  static const segsync::Schema schema = [] {
    segsync::DiagSink sink;
    auto m = segsync::LoadMapping(SEGSYNC_SOURCE_DIR "/mapping/affiliates.yaml", sink);
    if (!m) std::abort();  // the example mapping must load
    return m->schema;
  }();
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace segsync;
  std::string text(reinterpret_cast<const char*>(data), size);
  DiagSink sink;
  RuleSet rules = LoadRuleSources({{"fuzz.yaml", std::move(text)}}, ExampleSchema(), sink);
  for (const Diagnostic& d : sink.diagnostics())
    if (d.pos.line < 0 || d.pos.col < 0) __builtin_trap();
  (void)sink.FormatAll();
  return 0;
}

// Shared by the ledger tests: a fresh ledger in a temporary directory.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "base/log.h"
#include "ledger/ledger.h"
#include "test_support.h"

namespace segsync::testing {

// Unwraps a Result in a test, failing with the error's message.
template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) FAIL("unexpected ledger error: " << r.error().message);
  return std::move(r.value());
}

struct LedgerFixture {
  TempDir dir;
  Logger log{stderr, LogLevel::kError};
  std::string path = dir / "ledger.db";
  std::unique_ptr<Ledger> ledger;

  explicit LedgerFixture(const LedgerOptions& options = {}) { Reopen(options); }
  void Reopen(const LedgerOptions& options = {}) {
    ledger.reset();
    ledger = Must(Ledger::Open(path, log, options));
  }
  int64_t NewRun(int64_t as_of = 1'800'000'000, RunKind kind = RunKind::kScheduled) {
    RunRecord r;
    r.kind = kind;
    r.as_of = as_of;
    r.started_at = as_of + 5;
    return Must(ledger->StartRun(r));
  }
  TagRecord Tag(const std::string& tag_id, const std::string& segment, const std::string& name) {
    return TagRecord{tag_id, "grp1", segment, "会籍阶段", name, 1'700'000'000, 0, false};
  }
};

}  // namespace segsync::testing

#include "service/progress.h"

#include <cstdlib>

namespace segsync {

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

void ProgressSink::SetRunId(int64_t run_id) {
  std::lock_guard lock(mu_);
  run_id_ = run_id;
}

void ProgressSink::Phase(std::string_view what) {
  std::lock_guard lock(mu_);
  phase_ = std::string(what.substr(0, 200));
  done_ = -1;
}

void ProgressSink::Progress(int64_t done, int64_t total, std::string_view unit) {
  std::lock_guard lock(mu_);
  done_ = done;
  total_ = total;
  unit_ = std::string(unit.substr(0, 100));
}

std::string ProgressSink::Describe() const {
  std::lock_guard lock(mu_);
  std::string out = "run " + std::to_string(run_id_) + ": ";
  if (done_ < 0) return out + phase_;
  out += WithThousands(done_);
  if (total_ > 0) out += " of " + WithThousands(total_);
  return out + " " + unit_;
}

void ProgressSink::Reset(int64_t sequence) {
  std::lock_guard lock(mu_);
  run_id_ = sequence;
  phase_ = "starting";
  done_ = -1;
  total_ = 0;
  unit_.clear();
}

}  // namespace segsync

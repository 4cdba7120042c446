#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang + ASan + UBSan into build-fuzz and
# runs each for FUZZ_SECONDS (default 30) from its seed corpus tests/fuzz/<target>/.
# The seeds in git are never modified: new corpus entries go to build-fuzz/corpus/<target>.
# A crash, leak, timeout or sanitizer report fails the script; the input that caused it is
# kept in build-fuzz/artifacts/<target>/ (make it a test in tests/reliability/).
# Usage: scripts/fuzz.sh [target...]   (default: every target; names as in fuzz/, no _fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-30}
JOBS=${JOBS:-$(nproc)}
CXX_BIN=${FUZZ_CXX:-$(command -v clang++-14 || command -v clang++)}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz/*_fuzz.cc; do n=$(basename "$f" _fuzz.cc); targets+=("$n"); done
fi

t0=$(date +%s)
cmake -S . -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSEGSYNC_FUZZ=ON >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$BUILD_DIR" -j"$JOBS" "${build_targets[@]}"
echo "fuzz: build took $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=()
for t in "${targets[@]}"; do
  corpus="$BUILD_DIR/corpus/$t"
  artifacts="$BUILD_DIR/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  seeds="tests/fuzz/$t"
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 1; }
  s0=$(date +%s)
  # -rss_limit_mb and -timeout: a parser that takes >1 GB or >10 s on one input is a bug too.
  if "$BUILD_DIR/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" \
       "$corpus" "$seeds" >"$BUILD_DIR/fuzz_$t.log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD_DIR/fuzz_$t.log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $t ok: $execs inputs in $(( $(date +%s) - s0 )) s, corpus $(ls "$corpus" | wc -l) files"
  else
    echo "fuzz: $t FAILED (log: $BUILD_DIR/fuzz_$t.log, inputs: $artifacts/)" >&2
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$BUILD_DIR/fuzz_$t.log" | head -20 >&2 || true
    failed+=("$t")
  fi
done
echo "fuzz: total $(( $(date +%s) - t0 )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]}" >&2
  exit 1
fi

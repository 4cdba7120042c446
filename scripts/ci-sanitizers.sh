#!/usr/bin/env bash
# The sanitizer jobs of CI (issue 8), run by .ci/run after the normal test command:
#   1. AddressSanitizer + UndefinedBehaviorSanitizer: the whole test suite (build-asan);
#   2. ThreadSanitizer: the parts that use threads (build-tsan): the export pipeline
#      (test_export), the WeCom client (test_wecom), the service and daemon (test_service);
#   3. the libFuzzer targets, FUZZ_SECONDS each (scripts/fuzz.sh, build-fuzz).
# Sanitizers halt on the first error. Every process (the test binaries and the segsync and
# fake-wecom processes they start) writes its reports under <build>/sanitizer-logs; any report
# there fails the job even when the test that started the process passed.
# Usage: scripts/ci-sanitizers.sh [asan] [tsan] [fuzz]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(asan tsan fuzz)

# Runs a step and prints its duration, for the CI log.
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  echo "::: $name"
  "$@"
  echo "::: $name took $(( $(date +%s) - t0 )) s"
}

# Fails when any sanitizer report was written under $1.
check_logs() {
  local dir=$1
  if compgen -G "$dir/*" >/dev/null; then
    echo "sanitizer reports in $dir:" >&2
    for f in "$dir"/*; do echo "--- $f" >&2; head -60 "$f" >&2; done
    return 1
  fi
}

# configure BUILD_DIR SANITIZER: Debug with -O1 (fast enough, and assertions on), line tables.
configure() {
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
    -DSEGSYNC_SANITIZE="$2" >/dev/null
}

build() {
  local dir=$1; shift
  local args=()
  for t in "$@"; do args+=(--target "$t"); done
  if ! cmake --build "$dir" -j"$JOBS" "${args[@]}" >"$dir/build.log" 2>&1; then
    grep -E "error" "$dir/build.log" | head -40 >&2
    return 1
  fi
}

all_test_targets() {
  for d in tests/*/; do
    compgen -G "$d*_test.cc" >/dev/null && echo "test_$(basename "$d")"
  done
}

run_asan() {
  local dir=build-asan logs
  logs=$(pwd)/$dir/sanitizer-logs
  timed "asan+ubsan configure" configure "$dir" "address,undefined"
  # shellcheck disable=SC2046
  timed "asan+ubsan build" build "$dir" segsync fake-wecom gen_export $(all_test_targets)
  rm -rf "$logs" && mkdir -p "$logs"
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$logs/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
  timed "asan+ubsan tests" ctest --test-dir "$dir" --output-on-failure -j"$JOBS" --timeout 900
  check_logs "$logs"
  unset ASAN_OPTIONS UBSAN_OPTIONS
}

run_tsan() {
  local dir=build-tsan logs
  logs=$(pwd)/$dir/sanitizer-logs
  timed "tsan configure" configure "$dir" "thread"
  timed "tsan build" build "$dir" segsync fake-wecom test_export test_wecom test_service
  rm -rf "$logs" && mkdir -p "$logs"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$logs/tsan"
  timed "tsan tests" ctest --test-dir "$dir" --output-on-failure -j"$JOBS" --timeout 900 \
    -R '^(export|wecom|service):' --no-tests=error
  check_logs "$logs"
  unset TSAN_OPTIONS
}

# clang and its runtimes (libFuzzer) come from Debian; the rest is installed by scripts/setup.sh.
install_clang() {
  command -v clang++-14 >/dev/null && compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
}

for s in "${steps[@]}"; do
  case $s in
    asan) run_asan ;;
    tsan) run_tsan ;;
    fuzz) timed "clang install" install_clang
          timed "fuzz (${FUZZ_SECONDS:-30} s per target)" bash scripts/fuzz.sh ;;
    *) echo "unknown step $s (asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
done

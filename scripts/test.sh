#!/usr/bin/env bash
# Fresh Debian 12 machine → dependencies, build, the whole test suite.
# By default the suite runs once, built with AddressSanitizer + UndefinedBehaviorSanitizer
# (Debug -O1, build-asan; scripts/ci-sanitizers.sh asan): every test, and every segsync and
# fake-wecom process a test starts, is checked for memory errors and undefined behaviour.
# RELEASE=1 runs it on an optimised build instead (./build, like scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${RELEASE:-0}" = 1 ]; then
  bash scripts/build.sh
  cd "${BUILD_DIR:-build}"
  ctest --output-on-failure -j"$(nproc)" --timeout 600
else
  bash scripts/ci-sanitizers.sh asan
fi

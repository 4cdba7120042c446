#!/usr/bin/env bash
# Configures and builds segsync into ./build (RelWithDebInfo unless BUILD_TYPE says otherwise).
# Arguments name targets to build (default: everything, tests and benchmarks included).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
if [ $# -gt 0 ]; then
  for target in "$@"; do cmake --build "$BUILD_DIR" --target "$target" -j"$(nproc)"; done
else
  cmake --build "$BUILD_DIR" -j"$(nproc)"
fi

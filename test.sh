#!/usr/bin/env bash
# Builds z80lm and runs every test (installs missing Debian packages first).
# Usage: ./test.sh              the normal build in build/
#        ./test.sh --sanitize   an ASan/UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--sanitize" ]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DZ80LM_SANITIZE=ON -DZ80LM_BENCH=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -E Slow
else
  scripts/build.sh build
  ctest --test-dir build --output-on-failure -j"$(nproc)"
fi

#!/usr/bin/env bash
# Builds z80lm and runs every test (installs missing Debian packages first).
# Usage: ./test.sh              the normal build in build/
#        ./test.sh --sanitize   a clang ASan/UBSan build in build-asan/, with the fuzz targets
#                               (fuzz/, run them with scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--sanitize" ]; then
  # An older build-asan configured with another compiler or without the fuzz targets is rebuilt.
  if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^Z80LM_FUZZ:BOOL=ON' build-asan/CMakeCache.txt; then
    rm -rf build-asan
  fi
  CC=clang CXX=clang++ scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DZ80LM_SANITIZE=ON -DZ80LM_BENCH=OFF \
    -DZ80LM_FUZZ=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -E Slow
else
  scripts/build.sh build
  ctest --test-dir build --output-on-failure -j"$(nproc)"
fi

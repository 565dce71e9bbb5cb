#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds z80lm.
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]   (default build dir: build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
dir="${1:-build}"
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"

#!/usr/bin/env bash
# Builds z80lm (installing missing Debian packages) and chats with a shipped example model
# running as a real CP/M program on the built-in Z80, showing its speed at 4 MHz.
# Usage: ./chat.sh [tinychat|guess]
set -euo pipefail
cd "$(dirname "$0")"
example="${1:-tinychat}"
case "$example" in
  tinychat|guess) ;;
  *) echo "usage: ./chat.sh [tinychat|guess]" >&2; exit 2 ;;
esac
scripts/build.sh build >&2
program="build/examples/$example/${example^^}.COM"
echo "z80lm: $program on the emulated Z80 (CP/M 2.2, 4 MHz). Type a line; ! quits." >&2
exec build/z80lm run --speed "$program"

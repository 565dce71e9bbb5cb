#!/usr/bin/env bash
# Builds z80lm (installing missing Debian packages) and chats with a shipped example model.
# Usage: ./chat.sh [tinychat|guess]
set -euo pipefail
cd "$(dirname "$0")"
example="${1:-tinychat}"
case "$example" in
  tinychat|guess) ;;
  *) echo "usage: ./chat.sh [tinychat|guess]" >&2; exit 2 ;;
esac
scripts/build.sh build >&2
exec build/z80lm chat "examples/$example/model.zlm"

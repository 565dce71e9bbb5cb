#!/usr/bin/env bash
# Installs the web page's npm packages (web/node_modules) from the committed package-lock.json,
# unless they are already installed from this very lock file. CTest runs it before the web tests.
# Usage: scripts/web_deps.sh
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.z80lm-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "web/node_modules: up to date with package-lock.json"
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "web/node_modules: installed from package-lock.json"

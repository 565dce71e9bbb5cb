#!/usr/bin/env bash
# Installs the Debian packages z80lm needs to build, test and run, if any are missing.
# Usage: scripts/deps.sh        (uses sudo when not root)
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libeigen3-dev libz80ex-dev pasmo libcli11-dev libfmt-dev nlohmann-json3-dev zlib1g-dev
  libcurl4-openssl-dev libcpp-httplib-dev libedit-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
if [ "${Z80LM_WITH_FUSE:-0}" = 1 ]; then
  packages+=(fuse-emulator-utils fuse-emulator-sdl opense-basic xvfb)
fi
if [ "${Z80LM_WITH_PLATFORMS:-0}" = 1 ]; then
  packages+=(chromium)            # the web page's browser test (web/test/browser.test.mjs)
  packages+=(openmsx cbios xvfb)  # the MSX cartridge test (tests/msx_openmsx_test.cpp)
fi
missing=()
# Node and npm for the web page's tests and bundle (web/): Debian's nodejs and npm, unless a
# node and an npm are already there (e.g. a nodejs package that ships its own npm).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "z80lm: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

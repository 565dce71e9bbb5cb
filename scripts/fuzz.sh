#!/usr/bin/env bash
# Runs every fuzz target (build-asan/fuzz/fuzz_*, built by ./test.sh --sanitize) for a bounded
# time on its seed corpus, and prints the executions per target. Exits non-zero on a finding:
# the input that crashed is left in build-asan/fuzz/findings/<target>/ (see fuzz/README.md).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 30 s, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
dir=build-asan/fuzz
[ -d "$dir" ] || { echo "scripts/fuzz.sh: $dir is missing: run ./test.sh --sanitize first" >&2; exit 1; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in "$dir"/fuzz_*; do [ -x "$t" ] && targets+=("$(basename "$t")"); done
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
printf '%-18s %12s %8s  %s\n' target executions corpus result
for t in "${targets[@]}"; do
  work="$dir/work/$t"          # the corpus grows here; the generated seeds stay untouched
  findings="$dir/findings/$t"
  mkdir -p "$work" "$findings"
  log="$dir/work/$t.log"
  rc=0
  "$dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" "$dir/corpus/$t" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FINDING (exit $rc): $(ls "$findings" | head -1) — see $log"
    failed=1
  fi
  printf '%-18s %12s %8s  %s\n' "$t" "${runs:-?}" "$units" "$result"
done
exit "$failed"

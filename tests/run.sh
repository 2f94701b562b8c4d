#!/bin/sh
# Run every Criterion test binary, then print one closing line that sums
# them: "tests: N passed, N failed". Exit 1 if any binary failed.
# Usage: tests/run.sh BUILD_DIR BIN...
build=$1; shift
passed=0; failed=0; bad=""
log="$build/tests/last.log"
for t in "$@"; do
  "$t" --jobs 2 >"$log" 2>&1; rc=$?
  line=$(grep 'Synthesis:' "$log" | tail -n 1)
  p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
  f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p')
  set -- $f "$@"; fl=${1:-0}; cr=${2:-0}; shift 2 2>/dev/null
  passed=$((passed + ${p:-0})); failed=$((failed + fl + cr))
  printf '%-28s %s\n' "$(basename "$t")" "${line:-no summary (exit $rc)}"
  if [ "$rc" != 0 ] || [ -z "$line" ]; then
    bad="$bad $(basename "$t")"; cat "$log"
    [ -z "$line" ] && failed=$((failed + 1))
  fi
done
echo "tests: $passed passed, $failed failed"
[ -z "$bad" ] || { echo "failing:$bad"; exit 1; }

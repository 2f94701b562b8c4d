#!/bin/sh
# Run every Criterion test binary, then print one closing line that sums
# them: "tests: N passed, N failed". Exit 1 if any binary failed. Other
# test programs (the RTL testbenches, rtl_models/) print Criterion's
# closing line themselves and are counted the same way.
# Usage: tests/run.sh BUILD_DIR BIN...   (CLI tests run $BUILD_DIR/attnsim)
# $RUNNER, if set, prefixes every test binary (make test-valgrind).
build=$1; shift
export ATTNSIM="$build/attnsim"
passed=0; failed=0; bad=""
log="$build/tests/last.log"
mkdir -p build/tests/tmp
for t in "$@"; do
  t0=$(date +%s)
  $RUNNER "$t" --jobs 2 >"$log" 2>&1; rc=$?
  secs=$(($(date +%s) - t0))
  line=$(grep -a 'Synthesis:' "$log" | tail -n 1)
  counts=$(echo "$line" | awk -F'|' '{
    for (i = 1; i <= NF; i++) { split($i, kv, ": "); v[kv[1]] = kv[2] + 0 }
  } END { printf "%d %d", v[" Passing"], v[" Failing"] + v[" Crashing"] }')
  passed=$((passed + ${counts% *})); failed=$((failed + ${counts#* }))
  printf '%-28s %5ss %s\n' "$(basename "$t")" "$secs" "${line:-no summary (exit $rc)}"
  if [ "$rc" != 0 ] || [ -z "$line" ]; then
    bad="$bad $(basename "$t")"; cat "$log"
    [ -z "$line" ] && failed=$((failed + 1))
  fi
done
echo "tests: $passed passed, $failed failed"
[ -z "$bad" ] || { echo "failing:$bad"; exit 1; }

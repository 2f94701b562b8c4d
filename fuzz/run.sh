#!/bin/sh
# Run libFuzzer targets and print one line per target:
#   name  executions  exec/s  corpus seeds->final  clean | CRASH <file>
# Usage: fuzz/run.sh BUILD_DIR SECONDS MODE TARGET...
#   MODE fuzz:  each target SECONDS on a scratch copy of fuzz/corpus/<t>/
#   MODE smoke: the same, then every fuzz/regressions/<t>/ file once
# Exit 1 if any target crashed (crash, hang, leak, OOM, sanitizer report).
# Artifacts: BUILD_DIR/crashes/<t>-*; logs: BUILD_DIR/logs/<t>.log.
build=$1 secs=$2 mode=$3; shift 3
mkdir -p "$build/crashes" "$build/logs" "$build/corpus"
max_len() {
  case $1 in config|spec) echo 8192 ;; workload|npy) echo 4096 ;; *) echo 16384 ;; esac
}
count() { find "$1" -type f ! -name .gitkeep 2>/dev/null | wc -l; }
opts="-rss_limit_mb=2048 -timeout=10 -print_final_stats=1"
bad="" start=$(date +%s)
printf '%-9s %10s %8s %14s  %s\n' target execs exec/s corpus result
for t in "$@"; do
  bin="$build/fuzz_$t" log="$build/logs/$t.log" corpus="$build/corpus/$t"
  rm -rf "$corpus"; mkdir -p "$corpus"
  cp fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  seeds=$(count "$corpus") t0=$(date +%s)
  "$bin" $opts -max_len="$(max_len "$t")" -max_total_time="$secs" \
    -artifact_prefix="$build/crashes/$t-" "$corpus" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  tsec=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" |
         tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$tsec" ] && [ "$tsec" -gt 0 ] || tsec=$(( $(date +%s) - t0 ))
  [ "$tsec" -gt 0 ] || tsec=1
  result=clean
  if [ "$rc" != 0 ]; then
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    result="CRASH ${art:-(no artifact, see $log)}"
  fi
  if [ "$mode" = smoke ] && [ "$result" = clean ]; then
    for r in fuzz/regressions/"$t"/*; do
      [ -f "$r" ] || continue
      "$bin" $opts "$r" >"$build/logs/$t-regression.log" 2>&1 ||
        { result="CRASH $r"; break; }
    done
  fi
  printf '%-9s %10s %8s %14s  %s\n' "$t" "${runs:-0}" \
    "$(( ${runs:-0} / tsec ))" "$seeds->$(count "$corpus")" "$result"
  [ "$result" = clean ] || bad="$bad $t"
done
echo "fuzz: $# targets, $(( $(date +%s) - start )) s, ${bad:+crashed:}${bad:-all clean}"
[ -z "$bad" ]

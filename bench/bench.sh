#!/bin/sh
# make bench: simulated cycles per second and wall time per workload, then
# DRAM cycles per second of the bank-level model replaying the reference
# traces (../shared/dram-reference/traces, when present; the reference
# simulator managed 85,000 to 100,000 per second on this kind of machine).
# Usage: bench/bench.sh BIN OUTFILE. Figures go to stdout and OUTFILE.
# Wall time is measured around the whole command (load, compile, simulate,
# check, report; for replays: read the trace, simulate, report), best of
# three runs; peak resident memory by GNU time. Instructions per simulated
# cycle (a figure the machine's load does not move: the whole run's
# instructions, setup included, over its cycles) come from callgrind, when
# valgrind is installed and BENCH_INSTR is not 0 (up to a minute a row).
# Each row is then set beside the same row of bench/baseline.txt, the
# figures of the release before the speed work (issue 15), when that file
# has it: "x" is its wall time over this one, "i" its instructions per
# cycle over these. Wall times drift with the machine's load and speed
# from day to day; BENCH_PREV=BIN (an older attnsim binary) times it too,
# each of its runs beside one of this binary's, and "s" is its best wall
# time over this one's, measured side by side.
set -e
bin=$1; out=$2
base=${BENCH_BASELINE:-bench/baseline.txt}
prev=${BENCH_PREV:-}
instr=${BENCH_INSTR:-1}
command -v valgrind >/dev/null 2>&1 || instr=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM

. "$(dirname "$0")/lib.sh"

# wall BIN ARGS...: run BIN ARGS; its wall time in $w, its peak RSS in
# $tmp/rss.
wall() {
  b=$1; shift
  t0=$(now)
  /usr/bin/time -f %M -o "$tmp/rss" "$b" "$@" >/dev/null
  t1=$(now)
  w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# lesser A B: the smaller number (A may be empty).
lesser() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) a = b; print a }'; }

# best3 ARGS...: best-of-3 wall time of attnsim ARGS in $best (and, with
# BENCH_PREV, of the older binary in $pbest, each of its runs right before
# one of this binary's); this binary's outputs and peak RSS are left.
best3() {
  best=""; pbest=""
  for i in 1 2 3; do
    if [ -n "$prev" ]; then wall "$prev" "$@"; pbest=$(lesser "$pbest" "$w"); fi
    wall "$bin" "$@"; best=$(lesser "$best" "$w")
  done
}

# side: " s<ratio>", the older binary's best wall over this one's.
side() {
  [ -n "$prev" ] || return 0
  awk -v p="$pbest" -v b="$best" 'BEGIN { printf "  s%.2f", p / b }'
}

# bench NAME ARGS...: best-of-3 wall time of one attnsim run.
bench() {
  name=$1; shift
  best3 run --quiet --csv "$tmp/r.csv" "$@"
  cyc=$(csv_get "$tmp/r.csv" cycles)
  rate=$(echo "$cyc $best" | awk '{ printf "%.1f", $1 / $2 / 1e6 }')
  rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")
  ipc=$(instr_per_cycle "$@")
  printf '%-52s %12s %8s s %6s M/s %7s MB %9s%s%s\n' "$name" "$cyc" "$best" "$rate" \
    "$rss" "$ipc" "$(versus "$name" "$best" "$ipc")" "$(side)" | tee -a "$tmp/res"
}

# instr_per_cycle ARGS...: callgrind's instruction count of the run over
# its simulated cycles; "-" when not measured.
instr_per_cycle() {
  [ "$instr" = 1 ] || { echo -; return; }
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    "$bin" run --quiet --csv "$tmp/i.csv" "$@" >/dev/null 2>"$tmp/cg.log"
  ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
  echo "$ir $(csv_get "$tmp/i.csv" cycles)" | awk '{ if ($2 > 0) printf "%.0f", $1 / $2; else print "-" }'
}

# versus NAME WALL IPC: " x<wall ratio> i<instruction ratio>" against the
# same row of the baseline file, or nothing when it has no such row.
versus() {
  [ -f "$base" ] || return 0
  awk -v n="$1" -v w="$2" -v i="$3" '
    substr($0, 1, 52) == sprintf("%-52s", n) {
      r = substr($0, 53); sub(/^ +/, "", r)
      split(r, f, " +"); bw = f[2]; bi = f[8] # cycles wall s rate M/s RSS MB instr
      s = sprintf("  x%.2f", bw / w)
      if (bi != "-" && bi != "" && i != "-") s = s sprintf(" i%.2f", bi / i)
      print s; exit
    }' "$base"
}

{
  echo "attnsim bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -m), $(nproc) cores"
  echo "$("$bin" version)"
  printf '%-52s %12s %10s %10s %10s %9s\n' workload "sim cycles" "wall" "sim rate" \
    "peak RSS" "instr/cyc"
  if [ -f "$base" ]; then
    echo "against $base: x = its wall / this wall, i = its instr/cyc / this"
  fi
  if [ -n "$prev" ]; then
    echo "beside $prev, run side by side: s = its wall / this wall"
  fi
} > "$tmp/res"
cat "$tmp/res"
bench "gpt2-small decode, spatten, dense" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --dense
bench "gpt2-small decode, spatten, dense, --timing-only" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --dense --timing-only
bench "gpt2-small decode, spatten, dense, simple DRAM" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --dense \
  --set dram.model=simple
bench "gpt2-small decode, spatten, schedule" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml
bench "gpt2-small decode, spatten, schedule, --check" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --check
bench "gpt2-small SpAtten trace (CSV), spatten" \
  --config configs/spatten.yaml \
  --workload workloads/spatten-gpt2/gpt2-small-wikitext2-pruned.csv
bench "bert-base prefill L=384, spatten, schedule, --check" \
  --config configs/spatten.yaml --workload workloads/bert-base.yaml \
  --wset prefill.tokens=384 --check
bench "gpt2-medium decode, spatten, schedule" \
  --config configs/spatten.yaml --workload workloads/gpt2-medium.yaml
bench "biformer-t, spatten, --check" \
  --config configs/spatten.yaml --workload workloads/biformer-t.yaml --check
# json_get FILE KEY: a top-level number of attnsim dram's JSON.
json_get() {
  sed -n "s/^ *\"$2\": \([0-9.e+-]*\),*$/\1/p" "$1" | head -n 1
}

# bench_dram NAME TRACE: best-of-3 wall time of one attnsim dram replay.
bench_dram() {
  name=$1; trace=$2
  best3 dram --quiet --issue-per-cycle 8 \
    --config configs/dram/hbm2-reference.yaml --json "$tmp/d.json" "$trace"
  cyc=$(json_get "$tmp/d.json" cycles)
  rate=$(echo "$cyc $best" | awk '{ printf "%.2f", $1 / $2 / 1e6 }')
  rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")
  printf '%-52s %12s %8s s %6s M/s %7s MB%s\n' "$name" "$cyc" "$best" "$rate" "$rss" \
    "$(side)" | tee -a "$tmp/res"
}

ref=${DRAM_REFERENCE:-../shared/dram-reference}
if [ -d "$ref/traces" ]; then
  printf '\n%-52s %12s %10s %10s %10s\n' "DRAM replay (hbm2-reference, 8/cycle)" \
    "DRAM cycles" "wall" "DRAM rate" "peak RSS" | tee -a "$tmp/res"
  for t in stream_read random_read mixed_rw; do
    bench_dram "  $t" "$ref/traces/$t.trace"
  done
else
  echo "DRAM replay: skipped, no reference traces at $ref/traces" | tee -a "$tmp/res"
fi
cp "$tmp/res" "$out"
echo "written to $out"

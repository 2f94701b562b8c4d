#!/bin/sh
# make bench: simulated cycles per second and wall time per workload.
# Usage: bench/bench.sh BIN OUTFILE. Figures go to stdout and OUTFILE.
# Wall time is measured around the whole command (load, compile, simulate,
# check, report), best of three runs; peak resident memory by GNU time.
set -e
bin=$1; out=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM

# csv_get FILE COLUMN: a column of attnsim's one-row CSV, by header name.
csv_get() {
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                       NR == 2 { print $c }' "$1"
}

now() { date +%s.%N; }

# bench NAME ARGS...: best-of-3 wall time of one attnsim run.
bench() {
  name=$1; shift
  best=""
  for i in 1 2 3; do
    t0=$(now)
    /usr/bin/time -f %M -o "$tmp/rss" "$bin" run --quiet --csv "$tmp/r.csv" "$@" >/dev/null
    t1=$(now)
    best=$(awk -v a="$t0" -v b="$t1" -v c="$best" \
      'BEGIN { w = b - a; if (c != "" && c + 0 < w) w = c; printf "%.3f", w }')
  done
  cyc=$(csv_get "$tmp/r.csv" cycles)
  rate=$(echo "$cyc $best" | awk '{ printf "%.1f", $1 / $2 / 1e6 }')
  rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")
  printf '%-44s %12s %8s s %6s M/s %7s MB\n' "$name" "$cyc" "$best" "$rate" "$rss" \
    | tee -a "$tmp/res"
}

{
  echo "attnsim bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -m), $(nproc) cores"
  echo "$("$bin" version)"
  printf '%-44s %12s %10s %10s %10s\n' workload "sim cycles" "wall" "sim rate" "peak RSS"
} > "$tmp/res"
cat "$tmp/res"
bench "gpt2-small decode, spatten" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml
bench "gpt2-small decode, spatten, --timing-only" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --timing-only
bench "gpt2-small decode, spatten, --check" \
  --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --check
bench "bert-base prefill L=384, spatten, --check" \
  --config configs/spatten.yaml --workload workloads/bert-base.yaml \
  --wset prefill.tokens=384 --check
bench "gpt2-medium decode, spatten" \
  --config configs/spatten.yaml --workload workloads/gpt2-medium.yaml
cp "$tmp/res" "$out"
echo "written to $out"

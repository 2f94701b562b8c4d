#!/bin/sh
# What the coarse DRAM model buys and costs: each workload run with the
# bank-level HBM2 model (dram.model: hbm2, the bundled configs' choice)
# and with the bandwidth + latency model (dram.model: simple), same
# config otherwise. Prints simulated cycles and total energy of both, the
# simple model's error against the bank-level one, and the wall time of
# each run (one run each: a guide, not a benchmark; make bench is that).
# Usage: bench/models.sh BIN [OUTFILE]. docs/speed.md quotes its figures.
set -e
bin=$1; out=${2:-/dev/null}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM

. "$(dirname "$0")/lib.sh"

# one MODEL ARGS...: run with dram.model=MODEL; cycles, energy, wall in
# $cyc_MODEL, $pj_MODEL, $wall_MODEL.
one() {
  m=$1; shift
  t0=$(now)
  "$bin" run --quiet --csv "$tmp/$m.csv" --set dram.model="$m" "$@" >/dev/null
  t1=$(now)
  eval "cyc_$m=$(csv_get "$tmp/$m.csv" cycles)"
  eval "pj_$m=$(csv_get "$tmp/$m.csv" energy_pj.total)"
  eval "wall_$m=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

row() {
  name=$1; shift
  one hbm2 "$@"
  one simple "$@"
  awk -v n="$name" -v ch="$cyc_hbm2" -v cs="$cyc_simple" -v eh="$pj_hbm2" \
      -v es="$pj_simple" -v wh="$wall_hbm2" -v ws="$wall_simple" 'BEGIN {
    printf "%-44s %10d %10d %+7.1f%% %9.3g %+7.1f%% %6.2f s %6.2f s %5.1fx\n",
           n, ch, cs, 100 * (cs - ch) / ch, eh / 1e12, 100 * (es - eh) / eh,
           wh, ws, wh / ws }' | tee -a "$tmp/res"
}

{
  echo "attnsim DRAM models  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -m), $(nproc) cores"
  echo "$("$bin" version)"
  printf '%-44s %10s %10s %8s %9s %8s %8s %8s %6s\n' workload "hbm2 cyc" \
    "simple cyc" error "hbm2 J" error "hbm2" simple speed
} > "$tmp/res"
cat "$tmp/res"
sp="--config configs/spatten.yaml"
row "gpt2-small decode, dense, --timing-only" $sp \
  --workload workloads/gpt2-small.yaml --dense --timing-only
row "gpt2-small decode, schedule" $sp --workload workloads/gpt2-small.yaml
row "gpt2-small SpAtten trace (CSV)" $sp \
  --workload workloads/spatten-gpt2/gpt2-small-wikitext2-pruned.csv
row "bert-base prefill L=384, schedule" $sp \
  --workload workloads/bert-base.yaml --wset prefill.tokens=384
row "gpt2-medium decode, schedule" $sp --workload workloads/gpt2-medium.yaml
row "biformer-t" $sp --workload workloads/biformer-t.yaml
row "llama2-7b decode, llm.yaml, --timing-only" --config configs/llm.yaml \
  --workload workloads/llama2-7b.yaml --timing-only
cp "$tmp/res" "$out"

#!/bin/sh
# make reproduce: SpAtten's study (Wang, Zhang, Han, HPCA 2021) on the
# bundled workloads, printed beside the paper's published figures with the
# deviation of each. Writes results/spatten/{table.md,runs.csv} and the
# plots of a config sweep (results/spatten/sweep/plots/).
# Usage: studies/reproduce.sh BIN [OUTDIR]
#
# The paper's figures are things to compare against, never inputs: every
# number in the "attnsim" column comes from a run made here.
set -e
bin=$1
out=${2:-results/spatten}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out"

csv_get() {
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                       NR == 2 { print $c }' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# deviation of a measured ratio from a published one, in percent
dev() { awk -v m="$1" -v p="$2" 'BEGIN { if (m == "n/a") print "n/a"; else printf "%+.0f%%", 100 * (m - p) / p }'; }

# Technique switches (docs/spatten.md): each alone keeps the others off.
OFF_T="--wset schedule.token_keep=1"
OFF_H="--wset schedule.head_keep=1"
OFF_V="--wset schedule.value_keep=1"
OFF_Q="--wset schedule.key_msb_bits=0 --wset schedule.key_lsb_bits=0 --wset schedule.value_bits=0"

runs="$out/runs.csv.tmp"
echo "label,config,workload,cycles,dram_read_bytes,energy_pj,macs,tflops" > "$runs"
# run LABEL CONFIG WORKLOAD [options]: one simulation, one row of runs.csv.
# A graph workload (.yaml) runs on data with --check: its outputs and
# decisions must equal the golden models, and a mismatch (or any failure)
# stops the study with exit 1. A SpAtten trace (.csv) is timing only: there
# are no tensors to check, so it runs unchecked.
run() {
  label=$1 cfg=$2 wl=$3; shift 3
  case $wl in *.csv) chk="" ;; *) chk=--check ;; esac
  "$bin" run --quiet $chk --config "configs/$cfg.yaml" --workload "$wl" \
    --csv "$tmp/r.csv" "$@" >&2 ||
    { echo "reproduce: $label on $cfg failed${chk:+ (--check)}" >&2; exit 1; }
  f="$tmp/r.csv"
  echo "$label,$cfg,$(basename "$wl"),$(csv_get "$f" cycles),$(csv_get "$f" dram.read_bytes),$(csv_get "$f" energy_pj.total),$(csv_get "$f" ops.macs),$(csv_get "$f" ops.tflops)" >> "$runs"
}
col() { awk -F, -v l="$1" -v c="$2" -v k="$3" '$1 == l && $2 == c { print $k }' "$runs"; }

echo "attnsim reproduce: SpAtten (HPCA 2021) on the bundled workloads" >&2
for w in gpt2-small bert-base; do
  y=workloads/$w.yaml
  run "$w-dense" spatten "$y" --dense
  run "$w-tokens" spatten "$y" $OFF_H $OFF_V $OFF_Q
  run "$w-heads" spatten "$y" $OFF_T $OFF_V $OFF_Q
  run "$w-values" spatten "$y" $OFF_T $OFF_H $OFF_Q
  run "$w-quant" spatten "$y" $OFF_T $OFF_H $OFF_V
  run "$w-tok+head" spatten "$y" $OFF_V $OFF_Q
  run "$w-all" spatten "$y"
  run "$w-dense" dense "$y" --dense
  run "$w-all" spatten-eighth "$y"
done
# shaped like SpAtten's published GPT-2 run (its trace's kept fractions,
# pruned tokens staying pruned across steps: docs/spatten.md)
y=workloads/gpt2-small-spatten.yaml
run shaped-dense spatten "$y" --dense
run shaped-tokens spatten "$y" $OFF_H $OFF_V $OFF_Q
run shaped-all spatten "$y"
t=workloads/spatten-gpt2
run trace-dense spatten "$t/gpt2-small-wikitext2-dense.csv"
run trace-pruned spatten "$t/gpt2-small-wikitext2-pruned.csv"
run trace-dense dense "$t/gpt2-small-wikitext2-dense.csv"
run trace-pruned spatten-eighth "$t/gpt2-small-wikitext2-pruned.csv"
mv "$runs" "$out/runs.csv"
runs="$out/runs.csv"

dram() { col "$1" "$2" 5; }
cyc() { col "$1" "$2" 4; }
nrg() { col "$1" "$2" 6; }

# baselines: a GPU roofline (TITAN Xp datasheet) and this machine's CPU
"$bin" baseline-gpu --gpu configs/baseline/titan-xp.yaml --workload workloads/gpt2-small.yaml --json "$tmp/g2.json" >/dev/null
"$bin" baseline-gpu --gpu configs/baseline/titan-xp.yaml --workload workloads/bert-base.yaml --json "$tmp/gb.json" >/dev/null
"$bin" baseline-cpu --workload workloads/gpt2-small.yaml --reps 1 --json "$tmp/c2.json" >/dev/null
"$bin" baseline-cpu --workload workloads/bert-base.yaml --reps 1 --json "$tmp/cb.json" >/dev/null
jnum() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -1 | awk '{ print $2 }'; }
secs() { awk -v c="$1" 'BEGIN { printf "%.9f", c / 1e9 }'; } # 1 GHz presets

{
echo "# SpAtten reproduced with attnsim"
echo
echo "Every attnsim figure comes from a run of this script (runs.csv); the"
echo "paper's are quoted for comparison. Graph workloads make their pruning"
echo "decisions on synthetic tensors; the trace rows replay SpAtten's own"
echo "GPT-2 decisions (timing only). Deviation = (attnsim - paper) / paper."
echo
echo "## DRAM access reduction (configs/spatten.yaml)"
echo
echo "| technique | workload | attnsim | paper | deviation |"
echo "|---|---|---|---|---|"
for w in gpt2-small bert-base; do
  d=$(dram "$w-dense" spatten)
  for k in tokens heads values quant tok+head all; do
    r=$(ratio "$d" "$(dram "$w-$k" spatten)")
    p="" ; v="-"
    case "$w/$k" in
      gpt2-small/tokens) p=3.8 ;;
      gpt2-small/heads) p=1.1 ;;
      gpt2-small/all) p=10.0 ;;
      bert-base/all) p=10.0 ;;
    esac
    [ -n "$p" ] && v=$(dev "$r" "$p")
    echo "| $k | $w | ${r}x | ${p:+${p}x} | $v |"
  done
  q=$(ratio "$(dram "$w-tok+head" spatten)" "$(dram "$w-all" spatten)")
  if [ "$w" = gpt2-small ]; then
    echo "| quantization on top of pruning | $w | ${q}x | 5.1x | $(dev "$q" 5.1) |"
  else
    echo "| quantization on top of pruning | $w | ${q}x | | - |"
  fi
done
d=$(dram shaped-dense spatten)
r=$(ratio "$d" "$(dram shaped-tokens spatten)")
echo "| tokens | gpt2-small-spatten (its run's shape) | ${r}x | 3.8x | $(dev "$r" 3.8) |"
r=$(ratio "$d" "$(dram shaped-all spatten)")
echo "| all | gpt2-small-spatten (its run's shape) | ${r}x | 10.8x (trace) | $(dev "$r" 10.8) |"
r=$(ratio "$(dram trace-dense spatten)" "$(dram trace-pruned spatten)")
echo "| all (SpAtten's GPT-2 trace) | gpt2-small | ${r}x | 10.0x | $(dev "$r" 10.0) |"
echo
echo "Paper: 10.0x less DRAM access on average over 30 benchmarks; on GPT-2,"
echo "3.8x from token pruning, 1.1x from head pruning, a further 5.1x from"
echo "progressive quantization. gpt2-small's own schedule keeps more of the"
echo "context than SpAtten's run; gpt2-small-spatten keeps the fractions of"
echo "SpAtten's published trace (10.8x is that trace's reduction)."
echo
echo "## Speedup and energy saving over configs/dense.yaml (dense attention)"
echo
echo "| config | workload | speedup | energy saving | effective TFLOPS | paper TFLOPS | deviation |"
echo "|---|---|---|---|---|---|---|"
for c in spatten spatten-eighth; do
  for w in gpt2-small bert-base; do
    s=$(ratio "$(cyc "$w-dense" dense)" "$(cyc "$w-all" "$c")")
    e=$(ratio "$(nrg "$w-dense" dense)" "$(nrg "$w-all" "$c")")
    # effective: the dense workload's FLOPs over the pruned run's time
    tf=$(awk -v m="$(col "$w-dense" dense 7)" -v cy="$(cyc "$w-all" "$c")" 'BEGIN { printf "%.3f", 2 * m / cy / 1e3 }')
    p=""; v="-"
    [ "$c/$w" = spatten/bert-base ] && p=1.61
    [ "$c/$w" = spatten/gpt2-small ] && p=0.43
    [ -n "$p" ] && v=$(dev "$tf" "$p")
    echo "| $c | $w | ${s}x | ${e}x | $tf | $p | $v |"
  done
  s=$(ratio "$(cyc trace-dense dense)" "$(cyc trace-pruned "$c")")
  e=$(ratio "$(nrg trace-dense dense)" "$(nrg trace-pruned "$c")")
  echo "| $c | gpt2-small (SpAtten trace) | ${s}x | ${e}x | | | - |"
done
echo
echo "Paper: 1 GHz full chip 1.61 TFLOPS on BERT, 0.43 TFLOPS on GPT-2;"
echo "SpAtten-1/8 360 GOP/s, 382 GOP/s/W."
echo
echo "## Over a GPU roofline and this machine's CPU (configs/spatten.yaml, all techniques)"
echo
echo "| workload | GPU roofline (TITAN Xp) | speedup | CPU (golden model, -O3, 1 thread) | speedup |"
echo "|---|---|---|---|---|"
for w in gpt2-small bert-base; do
  case $w in gpt2-small) g=$tmp/g2.json c=$tmp/c2.json ;; *) g=$tmp/gb.json c=$tmp/cb.json ;; esac
  gs=$(jnum "$g" seconds); cs=$(jnum "$c" seconds_min)
  ss=$(secs "$(cyc "$w-all" spatten)")
  echo "| $w | ${gs} s | $(ratio "$gs" "$ss")x | ${cs} s | $(ratio "$cs" "$ss")x |"
done
echo
echo "The GPU row is a roofline bound (not a measured GPU) and leaves out"
echo "softmax, which favours the GPU; the CPU row is the double-precision"
echo "golden loop measured here, not a tuned BLAS."
} > "$out/table.md.tmp"
mv "$out/table.md.tmp" "$out/table.md"

# plots: a small config sweep of the pruned GPT-2 trace (a CSV trace:
# timing only, nothing to check; a failed sweep only costs the plots)
"$bin" sweep studies/spatten-configs.yaml -j 2 -o "$out/sweep" >/dev/null 2>&1 || true
"$bin" plot "$out/sweep" >/dev/null 2>&1 || echo "plots: none (sweep failed)" >&2
cat "$out/table.md"
echo
echo "written: $out/table.md, $out/runs.csv, $out/sweep/plots/"

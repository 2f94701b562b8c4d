#!/bin/sh
# make run: the default study. Dense attention of every bundled workload on
# every bundled config: cycles, time, DRAM traffic, which bound the run
# sits on and how close, energy, area, and speed against the dense
# baseline. Then the full summary of one run, checked against the golden
# model. Usage: studies/default.sh BIN
set -e
bin=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM

csv_get() {
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                       NR == 2 { print $c }' "$1"
}

# Every run on a graph workload (.yaml) has --check: its outputs (and
# SpAtten's decisions) must equal the golden models, and a mismatch or any
# failure stops the study with exit 1 (set -e, and fail where output is
# redirected). SpAtten's CSV traces are timing only: nothing to check.
fail() { echo "default study: $1 failed (--check or run)" >&2; exit 1; }

echo "attnsim default study: dense attention on the bundled configs"
echo
printf '%-12s %-15s %13s %10s %10s %7s %5s %11s %7s %7s %8s\n' \
  workload config cycles "time(ms)" "DRAM(MB)" bound eff "energy(uJ)" TFLOPS "mm2" "vs dense"
for w in bert-base gpt2-small gpt2-medium; do
  for c in dense spatten spatten-eighth; do
    "$bin" run --quiet --check --dense --config "configs/$c.yaml" \
      --workload "workloads/$w.yaml" --csv "$tmp/$w-$c.csv" >/dev/null ||
      fail "$w dense on $c"
    f="$tmp/$w-$c.csv"
    cyc=$(csv_get "$f" cycles)
    base=$(csv_get "$tmp/$w-dense.csv" seconds)
    printf '%-12s %-15s %13s %10s %10s %7s %5s %11s %7s %7s %8s\n' "$w" "$c" "$cyc" \
      "$(csv_get "$f" seconds | awk '{ printf "%.3f", $1 * 1e3 }')" \
      "$(csv_get "$f" dram.transferred_bytes | awk '{ printf "%.1f", $1 / 1e6 }')" \
      "$(csv_get "$f" bounds.bound | tr -d '"')" \
      "$(csv_get "$f" bounds.efficiency | awk '{ printf "%.2f", $1 }')" \
      "$(csv_get "$f" energy_pj.total | awk '{ printf "%.1f", $1 / 1e6 }')" \
      "$(csv_get "$f" ops.tflops | awk '{ printf "%.3f", $1 }')" \
      "$(csv_get "$f" area_mm2.total | awk '{ printf "%.2f", $1 }')" \
      "$(csv_get "$f" seconds | awk -v b="$base" '{ printf "%.2fx", b / $1 }')"
  done
done
echo
cat <<'EOF'
bert-base runs its two sequences (128 and 384 tokens) back to back; gpt2
decodes 32 tokens after a 992-token prompt. This table runs every workload
dense (--dense): spatten and dense differ only in area here; the SpAtten
table below switches the schedules on. spatten-eighth's key and value
buffers (24.5 KB, 261 rows of 96 B) cannot hold a 384-token head (36 KB),
so there bert-base streams every head's keys and values once per query:
hence its DRAM traffic. "eff" is the run's floor (memory or compute bound,
docs/stats.md) over its cycles.
EOF
echo
echo "== SpAtten on configs/spatten.yaml: dense versus pruned (schedules, docs/spatten.md) =="
printf '%-34s %10s %10s %8s %9s %9s %8s %8s\n' workload "dense cyc" "pruned cyc" speedup "dense MB" "pruned MB" "DRAM x" "energy x"
spat_row() { # label, workload, baseline (a .csv trace runs unchecked)
  case $2 in *.csv) chk="" ;; *) chk=--check ;; esac
  "$bin" run --quiet $chk --config configs/spatten.yaml --workload "$2" --baseline "$3" \
    --csv "$tmp/sp.csv" --json "$tmp/sp.json" >/dev/null || fail "$1"
  b=$(grep -A1 '"baseline": {' "$tmp/sp.json" | tail -1 | tr -dc 0-9)
  bd=$(grep -o '"dram_read_bytes": [0-9]*' "$tmp/sp.json" | tr -dc 0-9)
  sp=$(grep -o '"speedup": [0-9.e+-]*' "$tmp/sp.json" | awk '{print $2}')
  dr=$(grep -o '"dram_reduction": [0-9.e+-]*' "$tmp/sp.json" | awk '{print $2}')
  es=$(grep -o '"energy_saving": [0-9.e+-]*' "$tmp/sp.json" | awk '{print $2}')
  printf '%-34s %10s %10s %7.2fx %9.1f %9.1f %7.2fx %7.2fx\n' "$1" "$b" \
    "$(csv_get "$tmp/sp.csv" cycles)" "$sp" "$(echo "$bd" | awk '{ print $1 / 1e6 }')" \
    "$(csv_get "$tmp/sp.csv" dram.read_bytes | awk '{ print $1 / 1e6 }')" "$dr" "$es"
}
spat_row "gpt2-small SpAtten traces (CSV)" workloads/spatten-gpt2/gpt2-small-wikitext2-pruned.csv \
  workloads/spatten-gpt2/gpt2-small-wikitext2-dense.csv
spat_row "gpt2-small graph + schedule" workloads/gpt2-small.yaml workloads/gpt2-small.yaml
spat_row "bert-base graph + schedule" workloads/bert-base.yaml workloads/bert-base.yaml
cat <<'EOF'
The CSV rows replay SpAtten's published per-request decisions (timing only);
the graph rows make every decision on the simulated (synthetic) data, and
--check proves them equal to golden/spatten.c. The graph schedules keep
more of the context than the published run (token pruning to 10% only in
the last layers) and refetch low bits for most queries, hence the smaller
savings; the accuracy cost is in the --check line below.
EOF
echo
echo "== BiFormer-T at 224 x 224 on configs/spatten.yaml: dense versus routed (docs/biformer.md) =="
"$bin" run --quiet --check --config configs/spatten.yaml --workload workloads/biformer-t-dense.yaml \
  --json "$tmp/bf-dense.json" >/dev/null || fail "biformer-t-dense"
"$bin" run --quiet --check --config configs/spatten.yaml --workload workloads/biformer-t.yaml \
  --baseline workloads/biformer-t-dense.yaml --json "$tmp/bf.json" || fail "biformer-t"
bf_stage() { # json, stage, key
  grep "\"stage\": $2," "$1" | tr ',' '\n' | grep "\"$3\":" | awk -F': ' '{ print $2 }' | tr -d '}'
}
printf '%-6s %12s %12s %8s %9s %9s %8s %13s %13s %8s\n' stage "dense cyc" "routed cyc" speedup \
  "dense MB" "routed MB" "DRAM x" "routing MACs" "routed MACs" "energy x"
for st in 1 2 3 4; do
  dc=$(bf_stage "$tmp/bf-dense.json" $st cycles); rc=$(bf_stage "$tmp/bf.json" $st cycles)
  dd=$(bf_stage "$tmp/bf-dense.json" $st dram.read_bytes); rd=$(bf_stage "$tmp/bf.json" $st dram.read_bytes)
  de=$(bf_stage "$tmp/bf-dense.json" $st energy_pj); re=$(bf_stage "$tmp/bf.json" $st energy_pj)
  printf '%-6s %12s %12s %7.2fx %9.2f %9.2f %7.2fx %13s %13s %7.2fx\n' "$st" "$dc" "$rc" \
    "$(echo "$dc $rc" | awk '{ print $1 / $2 }')" "$(echo "$dd" | awk '{ print $1 / 1e6 }')" \
    "$(echo "$rd" | awk '{ print $1 / 1e6 }')" "$(echo "$dd $rd" | awk '{ print $1 / $2 }')" \
    "$(bf_stage "$tmp/bf.json" $st ops.routing_macs)" "$(bf_stage "$tmp/bf.json" $st ops.macs)" \
    "$(echo "$de $re" | awk '{ print $1 / $2 }')"
done
sp=$(grep -o '"speedup": [0-9.e+-]*' "$tmp/bf.json" | awk '{print $2}')
dr=$(grep -o '"dram_reduction": [0-9.e+-]*' "$tmp/bf.json" | awk '{print $2}')
es=$(grep -o '"energy_saving": [0-9.e+-]*' "$tmp/bf.json" | awk '{print $2}')
printf 'all    %12s %12s %7.2fx   DRAM reduction %.2fx, energy saving %.2fx\n' \
  "$(grep -A1 '"baseline": {' "$tmp/bf.json" | tail -1 | tr -dc 0-9)" \
  "$(grep -m1 '"cycles":' "$tmp/bf.json" | tr -dc 0-9)" "$sp" "$dr" "$es"
cat <<'EOF'
Dense: every region attends to all 49 (workloads/biformer-t-dense.yaml);
routed: top-k 1, 4, 16, 49 (stage 4 attends to all 49 in both). Routing
saves the attention's MACs, not DRAM: at BiFormer-T's sizes a head's K and
V fit SpAtten's 196 KB buffers, so the dense lowering reads them once per
head while the routed one gathers each region's routed set from DRAM
(docs/biformer.md, "What is simplified").
EOF
echo
echo "== LLM decode on configs/llm.yaml (docs/gqa.md, docs/tiling.md): 4 generated tokens per sequence =="
printf '%-30s %6s %7s %11s %9s %9s %10s %11s %7s %5s\n' workload layers checked cycles "tokens/s" \
  "DRAM(GB)" "energy(mJ)" "floor(cyc)" bound eff
llm_row() { # label, workload, layers kept (of the model's), check|timing, more run arguments
  lab=$1; wl=$2; nl=$3; how=$4; shift 4
  case $how in check) mode=--check ;; *) mode=--timing-only ;; esac
  "$bin" run --quiet $mode --config configs/llm.yaml --workload "workloads/$wl.yaml" \
    --layers "$nl" --csv "$tmp/llm.csv" --json "$tmp/llm.json" "$@" >/dev/null || fail "$lab"
  f="$tmp/llm.csv"
  printf '%-30s %6s %7s %11s %9.0f %9.3f %10.2f %11s %7s %5.2f\n' "$lab" "$nl" \
    "$([ "$how" = check ] && echo yes || echo timing)" "$(csv_get "$f" cycles)" \
    "$(grep -o '"tokens_per_s": [0-9.e+-]*' "$tmp/llm.json" | awk '{ print $2 }')" \
    "$(csv_get "$f" dram.transferred_bytes | awk '{ print $1 / 1e9 }')" \
    "$(csv_get "$f" energy_pj.total | awk '{ print $1 / 1e9 }')" \
    "$(echo "$(csv_get "$f" bounds.memory_cycles) $(csv_get "$f" bounds.compute_cycles)" |
       awk '{ print ($1 > $2 ? $1 : $2) }')" "$(csv_get "$f" bounds.bound | tr -d '"')" \
    "$(csv_get "$f" bounds.efficiency)"
}
llm_row "llama2-7b 4k" llama2-7b 1 check
llm_row "llama3-8b 4k (GQA 32/8)" llama3-8b 2 check
llm_row "llama3-8b 4k, batch 4 ragged" llama3-8b 1 check --wset decode.batch=4 \
  --wset 'decode.prompt=[4092, 2044, 1020, 3068]'
llm_row "llama3-8b 4k, KIVI 4-bit" llama3-8b 1 check --set mapping.softmax=auto \
  --wset kv_quant.bits=4
llm_row "mistral-7b 8k (window 4k)" mistral-7b 1 check
llm_row "deepseek-mla 4k (MLA)" deepseek-mla 2 timing
cat <<'EOF'
Attention alone (no projections or MLP), on fewer layers than the models
have (the "layers" column: 32 in the Llamas and Mistral, 61 in DeepSeek)
so make run stays short: cycles, DRAM and energy grow with layers, while
tokens/s = generated tokens / time falls as 1/layers and eff does not
change. "checked" rows ran with --check (bit-exact with the golden
models); the MLA row runs --timing-only (its data path takes minutes
here). Longer contexts are left out of make run (9 s and 40 s
timing-only here): llama2-7b with --wset decode.prompt=32764 gives
3.06 M cycles for one layer, 2.15 GB, eff 0.86; with 131068, 12.1 M
cycles, 8.59 GB, eff 0.86. The batch interleaves 4 sequences of ragged
prompts per layer (docs/serve.md); KIVI quantizes the cache to 4 bits
per channel and token (docs/kivi.md) and runs whole-row softmax, which
its fetches need. "floor" is the larger of the memory floor (DRAM bytes
at the HBM3 stack's 819 GB/s) and the compute floor; eff = floor /
cycles. Every decode also writes each new token's K/V rows to the cache.
EOF
echo
# More mechanisms (docs/extending.md): each file of studies/mech/ calls
# mech_row for its rows and mech_note for its sentence. A row runs the
# workload dense (--dense: the same shape, every key attended) and as
# itself, both with --check.
mech_row() { # label, workload, config, more run arguments
  lab=$1; wl=$2; cfg=$3; shift 3
  "$bin" run --quiet --check --dense --config "$cfg" --workload "$wl" \
    --csv "$tmp/md.csv" "$@" >/dev/null || fail "$lab (dense)"
  "$bin" run --quiet --check --config "$cfg" --workload "$wl" \
    --csv "$tmp/mm.csv" "$@" >/dev/null || fail "$lab"
  for k in cycles dram.transferred_bytes ops.macs energy_pj.total; do
    printf '%s %s ' "$(csv_get "$tmp/md.csv" "$k")" "$(csv_get "$tmp/mm.csv" "$k")"
  done | awk -v l="$lab" -v c="$(basename "$cfg" .yaml)" '{
    printf "%-30s %-9s %11s %11s %7.2fx %8.2f %8.2f %10.1f %10.1f %7.2fx\n", l, c, $1, $2,
      $1 / $2, $3 / 1e6, $4 / 1e6, $5 / 1e6, $6 / 1e6, $7 / $8 }'
}
mech_note() { printf '%s\n\n' "$*" >>"$tmp/notes"; }
if ls studies/mech/*.sh >/dev/null 2>&1; then
  echo "== More mechanisms against dense attention on the same shape (docs/<mechanism>.md) =="
  printf '%-30s %-9s %11s %11s %8s %8s %8s %10s %10s %8s\n' mechanism config "dense cyc" \
    "mech cyc" speedup "dense MB" "mech MB" "dense MMAC" "mech MMAC" "energy x"
  : >"$tmp/notes"
  for f in studies/mech/*.sh; do . "./$f"; done
  echo
  fold -s -w 76 "$tmp/notes"
fi
echo "== spatten.yaml x gpt2-small, with --check against the golden model =="
"$bin" run --check --config configs/spatten.yaml --workload workloads/gpt2-small.yaml ||
  fail "gpt2-small on spatten"

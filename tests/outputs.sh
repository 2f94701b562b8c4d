#!/bin/sh
# Every report of the runs that make run, make reproduce and make bench
# make (JSON, CSV, text summary; timelines for a representative few), into
# DIR, one file set per run, named by a short tag. For refactors that must
# not change a byte: run it with the binary before and after, then
# `diff -r BEFORE AFTER` (docs/extending.md).
# Usage: tests/outputs.sh BIN DIR [SHARED]   (SHARED: ../shared by default)
set -e
bin=$1; out=$2; shared=${3:-../shared}
mkdir -p "$out"
sp=configs/spatten.yaml
tr=workloads/spatten-gpt2/gpt2-small-wikitext2
one() { # tag, timeline (0/1), run arguments...
  tag=$1; tl=$2; shift 2
  set -- "$@" --json "$out/$tag.json" --csv "$out/$tag.csv"
  [ "$tl" = 1 ] && set -- "$@" --timeline "$out/$tag.tl.json"
  "$bin" run "$@" > "$out/$tag.txt" 2>&1 || echo "exit $?" >> "$out/$tag.txt"
}
for w in bert-base gpt2-small gpt2-medium; do
  for c in dense spatten spatten-eighth; do
    one "dense-$w-$c" 0 --dense --config "configs/$c.yaml" --workload "workloads/$w.yaml"
  done
done
one gpt2-dense-timing 1 --config $sp --workload workloads/gpt2-small.yaml --dense --timing-only
one gpt2-dense-simple 0 --config $sp --workload workloads/gpt2-small.yaml --dense --set dram.model=simple
one gpt2-sched-check 1 --config $sp --workload workloads/gpt2-small.yaml --check --baseline workloads/gpt2-small.yaml
one bert-sched-check 1 --config $sp --workload workloads/bert-base.yaml --check --baseline workloads/bert-base.yaml
one bert384-check 0 --config $sp --workload workloads/bert-base.yaml --wset prefill.tokens=384 --check
one gpt2m-sched 0 --config $sp --workload workloads/gpt2-medium.yaml
one csv-pruned 1 --config $sp --workload $tr-pruned.csv --baseline $tr-dense.csv
one csv-dense 0 --config $sp --workload $tr-dense.csv
one csv-pruned-eighth 0 --config configs/spatten-eighth.yaml --workload $tr-pruned.csv
one csv-dense-dense 0 --config configs/dense.yaml --workload $tr-dense.csv
one bf-dense 0 --config $sp --workload workloads/biformer-t-dense.yaml
one bf-check 1 --config $sp --workload workloads/biformer-t.yaml --check --baseline workloads/biformer-t-dense.yaml
one rt-check 0 --config $sp --workload workloads/routing-transformer.yaml --layers 2 --check --baseline workloads/routing-transformer.yaml
one eighth-gpt2 0 --config configs/spatten-eighth.yaml --workload workloads/gpt2-small.yaml
one eighth-bert 0 --config configs/spatten-eighth.yaml --workload workloads/bert-base.yaml
one landmark-check 0 --config $sp --workload workloads/landmark.yaml --layers 2 --check --baseline workloads/landmark.yaml
one lightning-check 0 --config configs/llm.yaml --set buffers.output_bytes=98304 --workload workloads/lightning.yaml --layers 1 --check
one lightning-decode 1 --config configs/llm.yaml --set buffers.output_bytes=98304 --workload workloads/lightning.yaml --layers 1 --wset phase=decode --wset decode.prompt=1024 --wset decode.generate=8 --check
one moh-check 0 --config $sp --workload workloads/moh.yaml --check --baseline workloads/moh.yaml
one gated-check 0 --config $sp --workload workloads/gated.yaml --layers 1 --check --baseline workloads/gated.yaml
one br-check 0 --config $sp --workload workloads/blockrank.yaml --layers 1 --wset model.heads=4 --wset model.kv_heads=1 --check --baseline workloads/blockrank.yaml
n=0
for w in gpt2-small bert-base; do
  for ws in "schedule.value_keep=1 schedule.key_msb_bits=0 schedule.key_lsb_bits=0 schedule.value_bits=0" \
            "schedule.token_keep=1 schedule.value_keep=1 schedule.key_msb_bits=0 schedule.key_lsb_bits=0 schedule.value_bits=0" \
            "schedule.token_keep=1 schedule.head_keep=1 schedule.value_keep=1" \
            "schedule.token_keep=1 schedule.head_keep=1 schedule.key_msb_bits=0 schedule.key_lsb_bits=0 schedule.value_bits=0" \
            "schedule.head_keep=1 schedule.value_keep=1 schedule.key_msb_bits=0 schedule.key_lsb_bits=0 schedule.value_bits=0"; do
    n=$((n + 1))
    set --
    for x in $ws; do set -- "$@" --wset "$x"; done
    one "ablation-$w-$n" 0 --config $sp --workload "workloads/$w.yaml" "$@"
  done
done
for g in gpt2-small bert-base; do
  "$bin" baseline-gpu --gpu configs/baseline/titan-xp.yaml --workload "workloads/$g.yaml" \
    --json "$out/gpu-$g.json" > "$out/gpu-$g.txt"
done
"$bin" recost --config configs/spatten-eighth.yaml "$out/gpt2-sched-check.json" 2>&1 | sed "s|$out/||" > "$out/recost.txt" || true
if [ -d "$shared/dram-reference/traces" ]; then
  for t in stream_read random_read mixed_rw; do
    "$bin" dram --issue-per-cycle 8 --config configs/dram/hbm2-reference.yaml \
      --json "$out/dram-$t.json" "$shared/dram-reference/traces/$t.trace" > "$out/dram-$t.txt"
  done
fi

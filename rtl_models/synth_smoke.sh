#!/bin/sh
# The synthesis flow's smoke test (rtl_models/rtl.mk installs it as
# build/rtl/synth_smoke): Yosys on the zero eliminator (seconds) must report
# a nonzero cell count, flip-flops among them. Prints Criterion's closing
# line so tests/run.sh counts it; arguments (--jobs N) are ignored.
out=@WORK@/synth.txt
ok=0
if python3 rtl_models/synth.py --gen @GEN@ --model - --config @CONFIG@ --out "$out" \
     --work @WORK@ zero_elim:zero_elim:rtl_models/zero_elim.sv; then
  # the row: block, cells, flops, ...
  set -- $(grep '^zero_elim ' "$out" | head -n 1)
  if [ "${2:-0}" -gt 0 ] && [ "${3:-0}" -gt 0 ]; then ok=1
  else echo "synth_smoke: expected nonzero cells and flops (got cells ${2:-none}, flops ${3:-none})"; fi
fi
if [ $ok = 1 ]; then pass=1 fail=0; else pass=0 fail=1; fi
echo "[====] Synthesis: Tested: 1 | Passing: $pass | Failing: $fail | Crashing: 0 "
[ $ok = 1 ]

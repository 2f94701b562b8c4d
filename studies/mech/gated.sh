# Gated attention (docs/gated.md): workloads/gated.yaml (GPT-2 small shape,
# causal prefill of 1024 tokens) on its first of 12 layers (--layers 1:
# layers are alike, and the row stays near 10 s), without and with
# gated.threshold.
mech_row "gated, no threshold (1 layer)" workloads/gated.yaml configs/spatten.yaml \
  --layers 1 --wset gated.threshold=0
mech_row "gated, threshold 0.25 (1 layer)" workloads/gated.yaml configs/spatten.yaml \
  --layers 1
mech_note "gated: without a threshold the gate only costs: its rows are read \
as query rows (DRAM bytes as Q again: +0.8 MB a layer here), each row's \
sigmoid takes two passes of the softmax unit and its GMUL one of the P x V \
array, so gated attention is slower than dense (0.83x here). With \
gated.threshold 0.25 the rows whose largest gate is below it (41% of the \
synthetic rows) skip QK, softmax and P x V (predicated off, output 0: \
lossy, this simulator's extension, not the paper's), 41% fewer MACs; the \
run stays bound by the softmax unit (every row's sigmoid still runs) and \
by score-buffer reuse, so only 1.06x faster; K/V bytes are dense \
attention's (a head's keys and values are loaded once for its open rows)."

# Gated attention (docs/gated.md): workloads/gated.yaml (GPT-2 small shape,
# causal prefill of 1024 tokens) on its first 2 of 12 layers, without and
# with gated.threshold.
mech_row "gated, no threshold (2 layers)" workloads/gated.yaml configs/spatten.yaml \
  --layers 2 --wset gated.threshold=0
mech_row "gated, threshold 0.25 (2 layers)" workloads/gated.yaml configs/spatten.yaml \
  --layers 2
mech_note "gated: without a threshold the gate only costs: its rows are read \
as query rows (DRAM bytes as Q again), each row's sigmoid runs on the \
softmax unit (head_dim more elements per row) and its GMUL on the P x V \
array, so there is no saving. With gated.threshold 0.25 the rows whose \
largest gate is below it (about 40% of the synthetic rows) skip QK, softmax \
and P x V (predicated off, output 0: lossy, the simulator's extension, not \
the paper's); K/V bytes are dense attention's since a head's keys and values \
are loaded once for its open rows."

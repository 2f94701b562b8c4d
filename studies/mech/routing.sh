# Routing Transformer (docs/routing.md): the preset's first layer (12
# heads, 1,024 tokens, 32 centroids) against dense causal attention of the
# same shape on SpAtten's chip; --layers 1 keeps the row near 10 s.
mech_row "routing 1k C=32 (1 layer)" workloads/routing-transformer.yaml \
  configs/spatten.yaml --layers 1
mech_note "routing: the attention's MACs fall about 28x (each query attends" \
  "to its cluster's ~T/2C keys; 10x with the assignment's 2 T C d MACs on" \
  "the Q x K array), yet the row runs 2.6x slower and reads 11x the DRAM:" \
  "dense keeps each head's keys and values resident, routing gathers its" \
  "cluster's K/V rows once per query, and each query runs a serial chain" \
  "(top-1 on the top-k engine, its cluster list, the gathers, the counted" \
  "attention) through one TLIST; the top-k engine alone is busy 40% of the" \
  "cycles (a top-1 per token, a pass over each query's candidates), so" \
  "latency and the engine, not MACs, set its time here (docs/routing.md)."

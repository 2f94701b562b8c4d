# BlockRank's block-sparse document mask (docs/blockrank.md) against dense
# causal attention of the same shape: the preset (64 + 20 x 160 + 32
# tokens) shrunk to 1 layer and 4 query heads on 1 K/V head (Mistral's
# group of 4) to stay near 30 s with --check.
mech_row "blockrank (1 layer, 4 heads)" workloads/blockrank.yaml configs/spatten.yaml \
  --layers 1 --wset model.heads=4 --wset model.kv_heads=1
mech_note "blockrank: a document query scores only the 64-token blocks of its own document and of the instruction: Q x K MACs 13% of dense causal attention's (partial blocks included), P x V 10.5%. The speedup (3.9x) stays below that 8.4x cut in MACs because the run turns memory-bound: dense attention runs tiled here (each K/V tile read once per block of queries), blockrank the row mapping only, where each query re-fetches the blocks it uses (the 32 query-segment queries, whose 4-head score rows exceed SBUF, once per head), so DRAM falls only 2.6x."

# Lightning Attention-2 (docs/lightning.md) against dense causal attention
# of the same shape: TransNormerLLM-1B-like 4k prefill, 1 layer and 2 of its
# 16 heads (--layers 1, --wset model.heads=2) to stay within ~30 s; the
# output buffer grown to hold the 128 x 128 state (assumed, see the preset).
mech_row "lightning 4k prefill, L1 H2" workloads/lightning.yaml configs/llm.yaml \
  --layers 1 --wset model.heads=2 --wset 'lightning.decay=[1, 0.778801]' \
  --set buffers.output_bytes=98304
mech_note "lightning: linear attention keeps a d x d state per head on chip \
instead of attending to a K/V cache: each Q, K and V row is read once (its \
block's intra part and the state update), so DRAM traffic and MACs grow \
linearly with the context, N (B + 2d) d MACs against dense's N^2 d; dense \
attention re-reads the causal prefix of K and V for every query tile (140 MB \
against 8.4 MB here). Both runs: 10 s here."

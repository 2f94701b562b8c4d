# Landmark Attention decode (docs/landmark.md): GPT-2-medium's shape with an
# 8k prompt, B = 64, k = 4, window 64; 2 of 24 layers (--layers 2) to stay
# under ~30 s with both runs' --check.
mech_row "landmark 8k (2 of 24 layers)" workloads/landmark.yaml configs/spatten.yaml --layers 2
mech_note "landmark: each generated token reads 127 landmark keys and 4 blocks of 64 plus 65-68 local K/V rows instead of all ~8,194, so memory-bound decode saves DRAM traffic roughly in proportion (the landmark scoring adds 127 x 64 MACs per head on the Q x K array and a top-k of 127 on the top-k engine)."

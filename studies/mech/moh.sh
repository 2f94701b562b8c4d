# Mixture-of-Head attention (docs/moh.md): MoH-ViT-B, 3 shared + top-6 of
# 12 heads per token (75% active), against all 12 heads on the same shape.
mech_row "moh vit-b 75% heads" workloads/moh.yaml configs/spatten.yaml
mech_note "moh: the saving is query-side work only: each token runs 9 of 12 heads, so Q x K, softmax, P x V, Q reads and O writes fall to 75%, while every head's K and V rows are still fetched for all 197 tokens (keys are not routed), so DRAM traffic falls less (86%) than the MACs. The softmax unit bounds this shape: the router's gates (MGATE, ~15 cycles a token) add 5% to its work and the predicated-off pairs' instructions, which still take a dispatch slot each, leave it idle 8% of the time, so the speedup is 1.17x against the 1.33x of the head ratio."

; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x25cb28053d8fcb70
.workload name="gpt2-small"
.workload model.layers=1
.workload model.heads=1
.workload model.head_dim=64
.workload phase=decode
.workload prefill.tokens=[128]
.workload prefill.causal=true
.workload decode.prompt=3
.workload decode.generate=2
.workload tensors.source=synthetic
.workload tensors.seed=1
.workload tensors.std=1
.workload tensors.salience=2
.workload tensors.q=""
.workload tensors.k=""
.workload tensors.v=""
LAYER case=0 layer=0
LDQ qrow=0 rows=1 addr=0x120
LDK krow=0 rows=4 addr=0x100000
QK qrow=0 krow=0 rows=4 soff=0
SMAX soff=0 len=4
LDV vrow=0 rows=4 addr=0x200000
AV orow=0 vrow=0 rows=4 acc=0 soff=0
STO orow=0 addr=0x300000
LAYER case=0 layer=0
LDQ qrow=1 rows=1 addr=0x180
LDK krow=4 rows=5 addr=0x100000
QK qrow=1 krow=4 rows=5 soff=4
SMAX soff=4 len=5
LDV vrow=4 rows=5 addr=0x200000
AV orow=1 vrow=4 rows=5 acc=0 soff=4
STO orow=1 addr=0x300060

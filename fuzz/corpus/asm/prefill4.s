; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x25cb28053d8fcb70
.workload name="bert-base"
.workload model.layers=1
.workload model.heads=1
.workload model.head_dim=64
.workload phase=prefill
.workload prefill.tokens=[4]
.workload prefill.causal=false
.workload decode.prompt=992
.workload decode.generate=32
.workload tensors.source=synthetic
.workload tensors.seed=1
.workload tensors.std=1
.workload tensors.salience=2
.workload tensors.q=""
.workload tensors.k=""
.workload tensors.v=""
LAYER case=0 layer=0
LDK krow=0 rows=4 addr=0x100000
LDV vrow=0 rows=4 addr=0x200000
LDQ qrow=0 rows=1 addr=0x0
QK qrow=0 krow=0 rows=4 soff=0
SMAX soff=0 len=4
AV orow=0 vrow=0 rows=4 acc=0 soff=0
STO orow=0 addr=0x300000
LDQ qrow=1 rows=1 addr=0x60
QK qrow=1 krow=0 rows=4 soff=4
SMAX soff=4 len=4
AV orow=1 vrow=0 rows=4 acc=0 soff=4
STO orow=1 addr=0x300060
LDQ qrow=2 rows=1 addr=0xc0
QK qrow=2 krow=0 rows=4 soff=8
SMAX soff=8 len=4
AV orow=2 vrow=0 rows=4 acc=0 soff=8
STO orow=2 addr=0x3000c0
LDQ qrow=3 rows=1 addr=0x120
QK qrow=3 krow=0 rows=4 soff=12
SMAX soff=12 len=4
AV orow=3 vrow=0 rows=4 acc=0 soff=12
STO orow=3 addr=0x300120

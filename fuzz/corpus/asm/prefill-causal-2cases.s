; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x25cb28053d8fcb70
.workload name="bert-base"
.workload model.layers=1
.workload model.heads=1
.workload model.head_dim=64
.workload phase=prefill
.workload prefill.tokens=[3, 5]
.workload prefill.causal=true
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
LDK krow=0 rows=3 addr=0x100000
LDV vrow=0 rows=3 addr=0x200000
LDQ qrow=0 rows=1 addr=0x0
QK qrow=0 krow=0 rows=1 soff=0
SMAX soff=0 len=1
AV orow=0 vrow=0 rows=1 acc=0 soff=0
STO orow=0 addr=0x300000
LDQ qrow=1 rows=1 addr=0x60
QK qrow=1 krow=0 rows=2 soff=1
SMAX soff=1 len=2
AV orow=1 vrow=0 rows=2 acc=0 soff=1
STO orow=1 addr=0x300060
LDQ qrow=2 rows=1 addr=0xc0
QK qrow=2 krow=0 rows=3 soff=3
SMAX soff=3 len=3
AV orow=2 vrow=0 rows=3 acc=0 soff=3
STO orow=2 addr=0x3000c0
LAYER case=1 layer=0
LDK krow=3 rows=5 addr=0x100120
LDV vrow=3 rows=5 addr=0x200120
LDQ qrow=3 rows=1 addr=0x120
QK qrow=3 krow=3 rows=1 soff=6
SMAX soff=6 len=1
AV orow=3 vrow=3 rows=1 acc=0 soff=6
STO orow=3 addr=0x300120
LDQ qrow=4 rows=1 addr=0x180
QK qrow=4 krow=3 rows=2 soff=7
SMAX soff=7 len=2
AV orow=4 vrow=3 rows=2 acc=0 soff=7
STO orow=4 addr=0x300180
LDQ qrow=5 rows=1 addr=0x1e0
QK qrow=5 krow=3 rows=3 soff=9
SMAX soff=9 len=3
AV orow=5 vrow=3 rows=3 acc=0 soff=9
STO orow=5 addr=0x3001e0
LDQ qrow=6 rows=1 addr=0x240
QK qrow=6 krow=3 rows=4 soff=12
SMAX soff=12 len=4
AV orow=6 vrow=3 rows=4 acc=0 soff=12
STO orow=6 addr=0x300240
LDQ qrow=7 rows=1 addr=0x2a0
QK qrow=7 krow=3 rows=5 soff=16
SMAX soff=16 len=5
AV orow=7 vrow=3 rows=5 acc=0 soff=16
STO orow=7 addr=0x3002a0

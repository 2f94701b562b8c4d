; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x25cb28053d8fcb70
.workload name="bert-base"
.workload model.layers=2
.workload model.heads=2
.workload model.head_dim=8
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
LDQ qrow=1 rows=1 addr=0xc
QK qrow=1 krow=0 rows=4 soff=4
SMAX soff=4 len=4
AV orow=1 vrow=0 rows=4 acc=0 soff=4
STO orow=1 addr=0x30000c
LDQ qrow=2 rows=1 addr=0x18
QK qrow=2 krow=0 rows=4 soff=8
SMAX soff=8 len=4
AV orow=2 vrow=0 rows=4 acc=0 soff=8
STO orow=2 addr=0x300018
LDQ qrow=3 rows=1 addr=0x24
QK qrow=3 krow=0 rows=4 soff=12
SMAX soff=12 len=4
AV orow=3 vrow=0 rows=4 acc=0 soff=12
STO orow=3 addr=0x300024
LDK krow=4 rows=4 addr=0x100030
LDV vrow=4 rows=4 addr=0x200030
LDQ qrow=4 rows=1 addr=0x30
QK qrow=4 krow=4 rows=4 soff=16
SMAX soff=16 len=4
AV orow=4 vrow=4 rows=4 acc=0 soff=16
STO orow=4 addr=0x300030
LDQ qrow=5 rows=1 addr=0x3c
QK qrow=5 krow=4 rows=4 soff=20
SMAX soff=20 len=4
AV orow=5 vrow=4 rows=4 acc=0 soff=20
STO orow=5 addr=0x30003c
LDQ qrow=6 rows=1 addr=0x48
QK qrow=6 krow=4 rows=4 soff=24
SMAX soff=24 len=4
AV orow=6 vrow=4 rows=4 acc=0 soff=24
STO orow=6 addr=0x300048
LDQ qrow=7 rows=1 addr=0x54
QK qrow=7 krow=4 rows=4 soff=28
SMAX soff=28 len=4
AV orow=7 vrow=4 rows=4 acc=0 soff=28
STO orow=7 addr=0x300054
LAYER case=0 layer=1
LDK krow=8 rows=4 addr=0x100060
LDV vrow=8 rows=4 addr=0x200060
LDQ qrow=8 rows=1 addr=0x60
QK qrow=8 krow=8 rows=4 soff=32
SMAX soff=32 len=4
AV orow=8 vrow=8 rows=4 acc=0 soff=32
STO orow=8 addr=0x300060
LDQ qrow=9 rows=1 addr=0x6c
QK qrow=9 krow=8 rows=4 soff=36
SMAX soff=36 len=4
AV orow=9 vrow=8 rows=4 acc=0 soff=36
STO orow=9 addr=0x30006c
LDQ qrow=10 rows=1 addr=0x78
QK qrow=10 krow=8 rows=4 soff=40
SMAX soff=40 len=4
AV orow=10 vrow=8 rows=4 acc=0 soff=40
STO orow=10 addr=0x300078
LDQ qrow=11 rows=1 addr=0x84
QK qrow=11 krow=8 rows=4 soff=44
SMAX soff=44 len=4
AV orow=11 vrow=8 rows=4 acc=0 soff=44
STO orow=11 addr=0x300084
LDK krow=12 rows=4 addr=0x100090
LDV vrow=12 rows=4 addr=0x200090
LDQ qrow=12 rows=1 addr=0x90
QK qrow=12 krow=12 rows=4 soff=48
SMAX soff=48 len=4
AV orow=12 vrow=12 rows=4 acc=0 soff=48
STO orow=12 addr=0x300090
LDQ qrow=13 rows=1 addr=0x9c
QK qrow=13 krow=12 rows=4 soff=52
SMAX soff=52 len=4
AV orow=13 vrow=12 rows=4 acc=0 soff=52
STO orow=13 addr=0x30009c
LDQ qrow=14 rows=1 addr=0xa8
QK qrow=14 krow=12 rows=4 soff=56
SMAX soff=56 len=4
AV orow=14 vrow=12 rows=4 acc=0 soff=56
STO orow=14 addr=0x3000a8
LDQ qrow=15 rows=1 addr=0xb4
QK qrow=15 krow=12 rows=4 soff=60
SMAX soff=60 len=4
AV orow=15 vrow=12 rows=4 acc=0 soff=60
STO orow=15 addr=0x3000b4

; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x95da3393e117e35b
.workload name="gpt2-small"
.workload model.layers=1
.workload model.heads=1
.workload model.head_dim=16
.workload phase=decode
.workload prefill.tokens=[128]
.workload prefill.causal=true
.workload decode.prompt=2
.workload decode.generate=3
.workload tensors.source=synthetic
.workload tensors.seed=1
.workload tensors.std=1
.workload tensors.salience=2
.workload tensors.q=""
.workload tensors.k=""
.workload tensors.v=""
LAYER case=0 layer=0
LDQ qrow=0 rows=1 addr=0x30
LDK krow=0 rows=3 addr=0x100000
QK qrow=0 krow=0 rows=3 soff=0
SMAX soff=0 len=3
LDV vrow=0 rows=3 addr=0x200000
AV orow=0 vrow=0 rows=3 acc=0 soff=0
STO orow=0 addr=0x300000
LAYER case=0 layer=0
LDQ qrow=1 rows=1 addr=0x48
LDK krow=3 rows=4 addr=0x100000
QK qrow=1 krow=3 rows=4 soff=3
SMAX soff=3 len=4
LDV vrow=3 rows=4 addr=0x200000
AV orow=1 vrow=3 rows=4 acc=0 soff=3
STO orow=1 addr=0x300018
LAYER case=0 layer=0
LDQ qrow=2 rows=1 addr=0x60
LDK krow=7 rows=5 addr=0x100000
QK qrow=2 krow=7 rows=5 soff=7
SMAX soff=7 len=5
LDV vrow=7 rows=5 addr=0x200000
AV orow=2 vrow=7 rows=5 acc=0 soff=7
STO orow=2 addr=0x300030

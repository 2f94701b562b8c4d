; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x76cf601896bdb125
.workload name="moh-small"
.workload model.layers=1
.workload model.heads=3
.workload model.head_dim=8
.workload model.kv_heads=0
.workload model.v_from_k=0
.workload model.kind=moh
.workload phase=prefill
.workload prefill.tokens=[4]
.workload prefill.causal=false
.workload attention.window=0
.workload attention.sinks=0
.workload decode.batch=1
.workload decode.prompt=[992]
.workload decode.generate=32
.workload tensors.source=synthetic
.workload tensors.seed=1
.workload tensors.std=1
.workload tensors.salience=2
.workload tensors.q=""
.workload tensors.k=""
.workload tensors.v=""
.workload schedule.token_keep=[1]
.workload schedule.head_keep=[1]
.workload schedule.value_keep=[1]
.workload schedule.key_msb_bits=[0]
.workload schedule.key_lsb_bits=[0]
.workload schedule.value_bits=[0]
.workload schedule.threshold=[0]
.workload biformer.regions=7
.workload biformer.height=[56]
.workload biformer.width=[56]
.workload biformer.topk=[1]
.workload biformer.channels=[64]
.workload biformer.blocks=[2]
.workload biformer.lce_kernel=5
.workload moh.topk=1
.workload moh.shared=1
.workload kv_quant.bits=0
.workload kv_quant.group=32
.workload kv_quant.residual=128
LAYER case=0 layer=0
MRS soff=4088 token=0 n=2 h0=1
TOPK ioff=0 n=2 k=1 mode=3 soff=4088
MGATE soff=4088 n=2 ioff=0 k=1
MRS soff=4090 token=1 n=2 h0=1
TOPK ioff=1 n=2 k=1 mode=3 soff=4090
MGATE soff=4090 n=2 ioff=1 k=1
MRS soff=4092 token=2 n=2 h0=1
TOPK ioff=2 n=2 k=1 mode=3 soff=4092
MGATE soff=4092 n=2 ioff=2 k=1
MRS soff=4094 token=3 n=2 h0=1
TOPK ioff=3 n=2 k=1 mode=3 soff=4094
MGATE soff=4094 n=2 ioff=3 k=1
LDK krow=0 rows=4 list=0 flags=0 addr=0x100000
LDV vrow=0 rows=4 list=0 flags=0 ioff=0 addr=0x200000
LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0
QK qrow=0 krow=0 rows=4 flags=0 soff=0
SMAX soff=0 len=4 list=0 flags=0 thr16=0
AV orow=0 vrow=0 rows=4 flags=0 soff=0 sel=0x0
STO orow=0 head=0 list=0 flags=0 addr=0x300000
LDQ qrow=1 rows=1 list=0 flags=0 addr=0xc
QK qrow=1 krow=0 rows=4 flags=0 soff=4
SMAX soff=4 len=4 list=0 flags=0 thr16=0
AV orow=1 vrow=0 rows=4 flags=0 soff=4 sel=0x0
STO orow=1 head=0 list=0 flags=0 addr=0x30000c
LDQ qrow=2 rows=1 list=0 flags=0 addr=0x18
QK qrow=2 krow=0 rows=4 flags=0 soff=8
SMAX soff=8 len=4 list=0 flags=0 thr16=0
AV orow=2 vrow=0 rows=4 flags=0 soff=8 sel=0x0
STO orow=2 head=0 list=0 flags=0 addr=0x300018
LDQ qrow=3 rows=1 list=0 flags=0 addr=0x24
QK qrow=3 krow=0 rows=4 flags=0 soff=12
SMAX soff=12 len=4 list=0 flags=0 thr16=0
AV orow=3 vrow=0 rows=4 flags=0 soff=12 sel=0x0
STO orow=3 head=0 list=0 flags=0 addr=0x300024
LDK krow=4 rows=4 list=0 flags=0 addr=0x100030
LDV vrow=4 rows=4 list=0 flags=0 ioff=0 addr=0x200030
MPRED preg=0 soff=4088
LDQ qrow=4 rows=1 list=0 flags=8 addr=0x30
QK qrow=4 krow=4 rows=4 flags=8 soff=16
SMAX soff=16 len=4 list=0 flags=8 thr16=0
AV orow=4 vrow=4 rows=4 flags=8 soff=16 sel=0x0
MSCL orow=4 flags=8 soff=4088
STO orow=4 head=0 list=0 flags=8 addr=0x300030
MPRED preg=1 soff=4090
LDQ qrow=5 rows=1 list=0 flags=24 addr=0x3c
QK qrow=5 krow=4 rows=4 flags=24 soff=20
SMAX soff=20 len=4 list=0 flags=24 thr16=0
AV orow=5 vrow=4 rows=4 flags=24 soff=20 sel=0x0
MSCL orow=5 flags=24 soff=4090
STO orow=5 head=0 list=0 flags=24 addr=0x30003c
MPRED preg=2 soff=4092
LDQ qrow=6 rows=1 list=0 flags=40 addr=0x48
QK qrow=6 krow=4 rows=4 flags=40 soff=24
SMAX soff=24 len=4 list=0 flags=40 thr16=0
AV orow=6 vrow=4 rows=4 flags=40 soff=24 sel=0x0
MSCL orow=6 flags=40 soff=4092
STO orow=6 head=0 list=0 flags=40 addr=0x300048
MPRED preg=3 soff=4094
LDQ qrow=7 rows=1 list=0 flags=56 addr=0x54
QK qrow=7 krow=4 rows=4 flags=56 soff=28
SMAX soff=28 len=4 list=0 flags=56 thr16=0
AV orow=7 vrow=4 rows=4 flags=56 soff=28 sel=0x0
MSCL orow=7 flags=56 soff=4094
STO orow=7 head=0 list=0 flags=56 addr=0x300054
LDK krow=8 rows=4 list=0 flags=0 addr=0x100060
LDV vrow=8 rows=4 list=0 flags=0 ioff=0 addr=0x200060
MPRED preg=4 soff=4089
LDQ qrow=8 rows=1 list=0 flags=72 addr=0x60
QK qrow=8 krow=8 rows=4 flags=72 soff=32
SMAX soff=32 len=4 list=0 flags=72 thr16=0
AV orow=8 vrow=8 rows=4 flags=72 soff=32 sel=0x0
MSCL orow=8 flags=72 soff=4089
STO orow=8 head=0 list=0 flags=72 addr=0x300060
MPRED preg=5 soff=4091
LDQ qrow=9 rows=1 list=0 flags=88 addr=0x6c
QK qrow=9 krow=8 rows=4 flags=88 soff=36
SMAX soff=36 len=4 list=0 flags=88 thr16=0
AV orow=9 vrow=8 rows=4 flags=88 soff=36 sel=0x0
MSCL orow=9 flags=88 soff=4091
STO orow=9 head=0 list=0 flags=88 addr=0x30006c
MPRED preg=6 soff=4093
LDQ qrow=10 rows=1 list=0 flags=104 addr=0x78
QK qrow=10 krow=8 rows=4 flags=104 soff=40
SMAX soff=40 len=4 list=0 flags=104 thr16=0
AV orow=10 vrow=8 rows=4 flags=104 soff=40 sel=0x0
MSCL orow=10 flags=104 soff=4093
STO orow=10 head=0 list=0 flags=104 addr=0x300078
MPRED preg=7 soff=4095
LDQ qrow=11 rows=1 list=0 flags=120 addr=0x84
QK qrow=11 krow=8 rows=4 flags=120 soff=44
SMAX soff=44 len=4 list=0 flags=120 thr16=0
AV orow=11 vrow=8 rows=4 flags=120 soff=44 sel=0x0
MSCL orow=11 flags=120 soff=4095
STO orow=11 head=0 list=0 flags=120 addr=0x300084

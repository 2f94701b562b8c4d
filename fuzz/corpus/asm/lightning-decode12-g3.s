; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x76cf601896bdb125
.workload name="lt-dec-tiny"
.workload model.layers=1
.workload model.heads=2
.workload model.head_dim=16
.workload model.kv_heads=0
.workload model.v_from_k=0
.workload model.kind=lightning
.workload phase=decode
.workload prefill.tokens=[128]
.workload prefill.causal=false
.workload attention.window=0
.workload attention.sinks=0
.workload decode.batch=1
.workload decode.prompt=[12]
.workload decode.generate=3
.workload tensors.source=synthetic
.workload tensors.seed=3
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
.workload landmark.block=64
.workload landmark.topk=4
.workload landmark.window=64
.workload lightning.block=64
.workload lightning.decay=[0.9, 0.75]
.workload moh.topk=1
.workload moh.shared=0
.workload gated.mode=elementwise
.workload gated.threshold=0
.workload gated.bias=-2
.workload gated.gate=""
.workload routing.clusters=4
.workload blockrank.segments=[0]
.workload blockrank.global=[-1]
.workload blockrank.query_last=true
.workload blockrank.block=64
.workload kv_quant.bits=0
.workload kv_quant.group=32
.workload kv_quant.residual=128
LAYER case=0 layer=0
LDQ qrow=0 rows=1 list=0 flags=0 addr=0x120
LDK krow=0 rows=1 list=0 flags=0 addr=0x400120
LDV vrow=0 rows=1 list=0 flags=0 ioff=0 addr=0x500120
LDS srow=48 addr=0x600000
SUPD srow=48 krow=0 vrow=0 flags=0 rows=1 lam=0xe666
SAPP orow=0 qrow=0 srow=48 flags=1 n=0 lam=0xe666
STO orow=0 head=0 list=0 flags=0 addr=0x300000
STS srow=48 addr=0x600000
LDQ qrow=1 rows=1 list=0 flags=0 addr=0x288
LDK krow=1 rows=1 list=0 flags=0 addr=0x400288
LDV vrow=1 rows=1 list=0 flags=0 ioff=0 addr=0x500288
LDS srow=48 addr=0x600400
SUPD srow=48 krow=1 vrow=1 flags=0 rows=1 lam=0xc000
SAPP orow=1 qrow=1 srow=48 flags=1 n=0 lam=0xc000
STO orow=1 head=0 list=0 flags=0 addr=0x300048
STS srow=48 addr=0x600400
LAYER case=0 layer=0
LDQ qrow=2 rows=1 list=0 flags=0 addr=0x138
LDK krow=2 rows=1 list=0 flags=0 addr=0x400138
LDV vrow=2 rows=1 list=0 flags=0 ioff=0 addr=0x500138
LDS srow=48 addr=0x600000
SUPD srow=48 krow=2 vrow=2 flags=0 rows=1 lam=0xe666
SAPP orow=2 qrow=2 srow=48 flags=1 n=0 lam=0xe666
STO orow=2 head=0 list=0 flags=0 addr=0x300018
STS srow=48 addr=0x600000
LDQ qrow=3 rows=1 list=0 flags=0 addr=0x2a0
LDK krow=3 rows=1 list=0 flags=0 addr=0x4002a0
LDV vrow=3 rows=1 list=0 flags=0 ioff=0 addr=0x5002a0
LDS srow=48 addr=0x600400
SUPD srow=48 krow=3 vrow=3 flags=0 rows=1 lam=0xc000
SAPP orow=3 qrow=3 srow=48 flags=1 n=0 lam=0xc000
STO orow=3 head=0 list=0 flags=0 addr=0x300060
STS srow=48 addr=0x600400
LAYER case=0 layer=0
LDQ qrow=4 rows=1 list=0 flags=0 addr=0x150
LDK krow=4 rows=1 list=0 flags=0 addr=0x400150
LDV vrow=4 rows=1 list=0 flags=0 ioff=0 addr=0x500150
LDS srow=48 addr=0x600000
SUPD srow=48 krow=4 vrow=4 flags=0 rows=1 lam=0xe666
SAPP orow=4 qrow=4 srow=48 flags=1 n=0 lam=0xe666
STO orow=4 head=0 list=0 flags=0 addr=0x300030
STS srow=48 addr=0x600000
LDQ qrow=5 rows=1 list=0 flags=0 addr=0x2b8
LDK krow=5 rows=1 list=0 flags=0 addr=0x4002b8
LDV vrow=5 rows=1 list=0 flags=0 ioff=0 addr=0x5002b8
LDS srow=48 addr=0x600400
SUPD srow=48 krow=5 vrow=5 flags=0 rows=1 lam=0xc000
SAPP orow=5 qrow=5 srow=48 flags=1 n=0 lam=0xc000
STO orow=5 head=0 list=0 flags=0 addr=0x300078
STS srow=48 addr=0x600400

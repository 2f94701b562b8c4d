; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x76cf601896bdb125
.workload name="rt-tiny"
.workload model.layers=1
.workload model.heads=2
.workload model.head_dim=16
.workload model.kv_heads=0
.workload model.v_from_k=0
.workload model.kind=routing
.workload phase=prefill
.workload prefill.tokens=[6]
.workload prefill.causal=true
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
.workload routing.clusters=3
.workload kv_quant.bits=0
.workload kv_quant.group=32
.workload kv_quant.residual=128
TINIT tokens=0 heads=2 flags=0
LAYER case=0 layer=0
HEAD head=0 resume=0
LDQ qrow=0 rows=3 list=0 flags=0 addr=0x400000
LDK krow=0 rows=3 list=0 flags=0 addr=0x400000
LDK krow=3 rows=6 list=0 flags=0 addr=0x100000
QK qrow=0 krow=3 rows=6 flags=4 soff=0
QK qrow=1 krow=3 rows=6 flags=4 soff=6
QK qrow=2 krow=3 rows=6 flags=4 soff=12
RASN ioff=0 n=3 id=6 soff=0 stride=0x6
RASN ioff=1 n=3 id=7 soff=1 stride=0x6
RASN ioff=2 n=3 id=8 soff=2 stride=0x6
RASN ioff=3 n=3 id=9 soff=3 stride=0x6
RASN ioff=4 n=3 id=10 soff=4 stride=0x6
RASN ioff=5 n=3 id=11 soff=5 stride=0x6
LDQ qrow=3 rows=1 list=0 flags=0 addr=0x0
QK qrow=3 krow=0 rows=3 flags=4 soff=18
RASN ioff=6 n=3 id=0 soff=18 stride=0x1
RLST list=0 n=1 kbase=0 qent=6 self=0x0
RLDK krow=9 rows=1 list=0 flags=1 cnt=7 addr=0x100000
RLDV vrow=0 rows=1 list=0 flags=1 cnt=7 addr=0x200000
RQK qrow=3 krow=9 rows=1 soff=21 cnt=0x7
RSMX soff=21 len=1 cnt=0x7
RAV orow=0 vrow=0 rows=1 soff=21 cnt=0x7
STO orow=0 head=0 list=0 flags=0 addr=0x300000
LDQ qrow=4 rows=1 list=0 flags=0 addr=0x18
QK qrow=4 krow=0 rows=3 flags=4 soff=22
RASN ioff=8 n=3 id=1 soff=22 stride=0x1
RLST list=0 n=2 kbase=0 qent=8 self=0x1
RLDK krow=10 rows=2 list=0 flags=1 cnt=9 addr=0x100000
RLDV vrow=1 rows=2 list=0 flags=1 cnt=9 addr=0x200000
RQK qrow=4 krow=10 rows=2 soff=25 cnt=0x9
RSMX soff=25 len=2 cnt=0x9
RAV orow=1 vrow=1 rows=2 soff=25 cnt=0x9
STO orow=1 head=0 list=0 flags=0 addr=0x300018
LDQ qrow=5 rows=1 list=0 flags=0 addr=0x30
QK qrow=5 krow=0 rows=3 flags=4 soff=27
RASN ioff=6 n=3 id=2 soff=27 stride=0x1
RLST list=0 n=3 kbase=0 qent=6 self=0x2
RLDK krow=12 rows=3 list=0 flags=1 cnt=7 addr=0x100000
RLDV vrow=3 rows=3 list=0 flags=1 cnt=7 addr=0x200000
RQK qrow=5 krow=12 rows=3 soff=30 cnt=0x7
RSMX soff=30 len=3 cnt=0x7
RAV orow=2 vrow=3 rows=3 soff=30 cnt=0x7
STO orow=2 head=0 list=0 flags=0 addr=0x300030
LDQ qrow=6 rows=1 list=0 flags=0 addr=0x48
QK qrow=6 krow=0 rows=3 flags=4 soff=33
RASN ioff=8 n=3 id=3 soff=33 stride=0x1
RLST list=0 n=4 kbase=0 qent=8 self=0x3
RLDK krow=15 rows=4 list=0 flags=1 cnt=9 addr=0x100000
RLDV vrow=6 rows=4 list=0 flags=1 cnt=9 addr=0x200000
RQK qrow=6 krow=15 rows=4 soff=36 cnt=0x9
RSMX soff=36 len=4 cnt=0x9
RAV orow=3 vrow=6 rows=4 soff=36 cnt=0x9
STO orow=3 head=0 list=0 flags=0 addr=0x300048
LDQ qrow=7 rows=1 list=0 flags=0 addr=0x60
QK qrow=7 krow=0 rows=3 flags=4 soff=40
RASN ioff=6 n=3 id=4 soff=40 stride=0x1
RLST list=0 n=5 kbase=0 qent=6 self=0x4
RLDK krow=19 rows=5 list=0 flags=1 cnt=7 addr=0x100000
RLDV vrow=10 rows=5 list=0 flags=1 cnt=7 addr=0x200000
RQK qrow=7 krow=19 rows=5 soff=43 cnt=0x7
RSMX soff=43 len=5 cnt=0x7
RAV orow=4 vrow=10 rows=5 soff=43 cnt=0x7
STO orow=4 head=0 list=0 flags=0 addr=0x300060
LDQ qrow=8 rows=1 list=0 flags=0 addr=0x78
QK qrow=8 krow=0 rows=3 flags=4 soff=48
RASN ioff=8 n=3 id=5 soff=48 stride=0x1
RLST list=0 n=6 kbase=0 qent=8 self=0x5
RLDK krow=24 rows=6 list=0 flags=1 cnt=9 addr=0x100000
RLDV vrow=15 rows=6 list=0 flags=1 cnt=9 addr=0x200000
RQK qrow=8 krow=24 rows=6 soff=51 cnt=0x9
RSMX soff=51 len=6 cnt=0x9
RAV orow=5 vrow=15 rows=6 soff=51 cnt=0x9
STO orow=5 head=0 list=0 flags=0 addr=0x300078
HEAD head=1 resume=0
LDQ qrow=0 rows=3 list=0 flags=0 addr=0x400048
LDK krow=0 rows=3 list=0 flags=0 addr=0x400048
LDK krow=30 rows=6 list=0 flags=0 addr=0x100090
QK qrow=0 krow=30 rows=6 flags=4 soff=57
QK qrow=1 krow=30 rows=6 flags=4 soff=63
QK qrow=2 krow=30 rows=6 flags=4 soff=69
RASN ioff=0 n=3 id=6 soff=57 stride=0x6
RASN ioff=1 n=3 id=7 soff=58 stride=0x6
RASN ioff=2 n=3 id=8 soff=59 stride=0x6
RASN ioff=3 n=3 id=9 soff=60 stride=0x6
RASN ioff=4 n=3 id=10 soff=61 stride=0x6
RASN ioff=5 n=3 id=11 soff=62 stride=0x6
LDQ qrow=9 rows=1 list=0 flags=0 addr=0x90
QK qrow=9 krow=0 rows=3 flags=4 soff=75
RASN ioff=6 n=3 id=0 soff=75 stride=0x1
RLST list=0 n=1 kbase=0 qent=6 self=0x0
RLDK krow=36 rows=1 list=0 flags=1 cnt=7 addr=0x100090
RLDV vrow=21 rows=1 list=0 flags=1 cnt=7 addr=0x200090
RQK qrow=9 krow=36 rows=1 soff=78 cnt=0x7
RSMX soff=78 len=1 cnt=0x7
RAV orow=6 vrow=21 rows=1 soff=78 cnt=0x7
STO orow=6 head=0 list=0 flags=0 addr=0x300090
LDQ qrow=10 rows=1 list=0 flags=0 addr=0xa8
QK qrow=10 krow=0 rows=3 flags=4 soff=79
RASN ioff=8 n=3 id=1 soff=79 stride=0x1
RLST list=0 n=2 kbase=0 qent=8 self=0x1
RLDK krow=37 rows=2 list=0 flags=1 cnt=9 addr=0x100090
RLDV vrow=22 rows=2 list=0 flags=1 cnt=9 addr=0x200090
RQK qrow=10 krow=37 rows=2 soff=82 cnt=0x9
RSMX soff=82 len=2 cnt=0x9
RAV orow=7 vrow=22 rows=2 soff=82 cnt=0x9
STO orow=7 head=0 list=0 flags=0 addr=0x3000a8
LDQ qrow=11 rows=1 list=0 flags=0 addr=0xc0
QK qrow=11 krow=0 rows=3 flags=4 soff=84
RASN ioff=6 n=3 id=2 soff=84 stride=0x1
RLST list=0 n=3 kbase=0 qent=6 self=0x2
RLDK krow=39 rows=3 list=0 flags=1 cnt=7 addr=0x100090
RLDV vrow=24 rows=3 list=0 flags=1 cnt=7 addr=0x200090
RQK qrow=11 krow=39 rows=3 soff=87 cnt=0x7
RSMX soff=87 len=3 cnt=0x7
RAV orow=8 vrow=24 rows=3 soff=87 cnt=0x7
STO orow=8 head=0 list=0 flags=0 addr=0x3000c0
LDQ qrow=12 rows=1 list=0 flags=0 addr=0xd8
QK qrow=12 krow=0 rows=3 flags=4 soff=90
RASN ioff=8 n=3 id=3 soff=90 stride=0x1
RLST list=0 n=4 kbase=0 qent=8 self=0x3
RLDK krow=42 rows=4 list=0 flags=1 cnt=9 addr=0x100090
RLDV vrow=27 rows=4 list=0 flags=1 cnt=9 addr=0x200090
RQK qrow=12 krow=42 rows=4 soff=93 cnt=0x9
RSMX soff=93 len=4 cnt=0x9
RAV orow=9 vrow=27 rows=4 soff=93 cnt=0x9
STO orow=9 head=0 list=0 flags=0 addr=0x3000d8
LDQ qrow=13 rows=1 list=0 flags=0 addr=0xf0
QK qrow=13 krow=0 rows=3 flags=4 soff=97
RASN ioff=6 n=3 id=4 soff=97 stride=0x1
RLST list=0 n=5 kbase=0 qent=6 self=0x4
RLDK krow=46 rows=5 list=0 flags=1 cnt=7 addr=0x100090
RLDV vrow=31 rows=5 list=0 flags=1 cnt=7 addr=0x200090
RQK qrow=13 krow=46 rows=5 soff=100 cnt=0x7
RSMX soff=100 len=5 cnt=0x7
RAV orow=10 vrow=31 rows=5 soff=100 cnt=0x7
STO orow=10 head=0 list=0 flags=0 addr=0x3000f0
LDQ qrow=14 rows=1 list=0 flags=0 addr=0x108
QK qrow=14 krow=0 rows=3 flags=4 soff=105
RASN ioff=8 n=3 id=5 soff=105 stride=0x1
RLST list=0 n=6 kbase=0 qent=8 self=0x5
RLDK krow=51 rows=6 list=0 flags=1 cnt=9 addr=0x100090
RLDV vrow=36 rows=6 list=0 flags=1 cnt=9 addr=0x200090
RQK qrow=14 krow=51 rows=6 soff=108 cnt=0x9
RSMX soff=108 len=6 cnt=0x9
RAV orow=11 vrow=36 rows=6 soff=108 cnt=0x9
STO orow=11 head=0 list=0 flags=0 addr=0x300108
HEAD head=65535 resume=0

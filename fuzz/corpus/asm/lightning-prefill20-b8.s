; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x76cf601896bdb125
.workload name="lt-tiny"
.workload model.layers=1
.workload model.heads=2
.workload model.head_dim=16
.workload model.kv_heads=0
.workload model.v_from_k=0
.workload model.kind=lightning
.workload phase=prefill
.workload prefill.tokens=[20]
.workload prefill.causal=true
.workload attention.window=0
.workload attention.sinks=0
.workload decode.batch=1
.workload decode.prompt=[992]
.workload decode.generate=32
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
.workload lightning.block=8
.workload lightning.decay=[0.9, 0.75]
.workload kv_quant.bits=0
.workload kv_quant.group=32
.workload kv_quant.residual=128
LAYER case=0 layer=0
LDK krow=0 rows=8 list=0 flags=0 addr=0x100000
LDV vrow=0 rows=8 list=0 flags=0 ioff=0 addr=0x200000
LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0
QK qrow=0 krow=0 rows=1 flags=0 soff=0
DMASK soff=0 len=1 lam=0xe666
AV orow=0 vrow=0 rows=1 flags=0 soff=0 sel=0x0
STO orow=0 head=0 list=0 flags=0 addr=0x300000
LDQ qrow=1 rows=1 list=0 flags=0 addr=0x18
QK qrow=1 krow=0 rows=2 flags=0 soff=1
DMASK soff=1 len=2 lam=0xe666
AV orow=1 vrow=0 rows=2 flags=0 soff=1 sel=0x0
STO orow=1 head=0 list=0 flags=0 addr=0x300018
LDQ qrow=2 rows=1 list=0 flags=0 addr=0x30
QK qrow=2 krow=0 rows=3 flags=0 soff=3
DMASK soff=3 len=3 lam=0xe666
AV orow=2 vrow=0 rows=3 flags=0 soff=3 sel=0x0
STO orow=2 head=0 list=0 flags=0 addr=0x300030
LDQ qrow=3 rows=1 list=0 flags=0 addr=0x48
QK qrow=3 krow=0 rows=4 flags=0 soff=6
DMASK soff=6 len=4 lam=0xe666
AV orow=3 vrow=0 rows=4 flags=0 soff=6 sel=0x0
STO orow=3 head=0 list=0 flags=0 addr=0x300048
LDQ qrow=4 rows=1 list=0 flags=0 addr=0x60
QK qrow=4 krow=0 rows=5 flags=0 soff=10
DMASK soff=10 len=5 lam=0xe666
AV orow=4 vrow=0 rows=5 flags=0 soff=10 sel=0x0
STO orow=4 head=0 list=0 flags=0 addr=0x300060
LDQ qrow=5 rows=1 list=0 flags=0 addr=0x78
QK qrow=5 krow=0 rows=6 flags=0 soff=15
DMASK soff=15 len=6 lam=0xe666
AV orow=5 vrow=0 rows=6 flags=0 soff=15 sel=0x0
STO orow=5 head=0 list=0 flags=0 addr=0x300078
LDQ qrow=6 rows=1 list=0 flags=0 addr=0x90
QK qrow=6 krow=0 rows=7 flags=0 soff=21
DMASK soff=21 len=7 lam=0xe666
AV orow=6 vrow=0 rows=7 flags=0 soff=21 sel=0x0
STO orow=6 head=0 list=0 flags=0 addr=0x300090
LDQ qrow=7 rows=1 list=0 flags=0 addr=0xa8
QK qrow=7 krow=0 rows=8 flags=0 soff=28
DMASK soff=28 len=8 lam=0xe666
AV orow=7 vrow=0 rows=8 flags=0 soff=28 sel=0x0
STO orow=7 head=0 list=0 flags=0 addr=0x3000a8
SUPD srow=48 krow=0 vrow=0 flags=1 rows=8 lam=0xe666
LDK krow=8 rows=8 list=0 flags=0 addr=0x1000c0
LDV vrow=8 rows=8 list=0 flags=0 ioff=0 addr=0x2000c0
LDQ qrow=8 rows=1 list=0 flags=0 addr=0xc0
QK qrow=8 krow=8 rows=1 flags=0 soff=36
DMASK soff=36 len=1 lam=0xe666
AV orow=8 vrow=8 rows=1 flags=0 soff=36 sel=0x0
SAPP orow=8 qrow=8 srow=48 flags=0 n=1 lam=0xe666
STO orow=8 head=0 list=0 flags=0 addr=0x3000c0
LDQ qrow=9 rows=1 list=0 flags=0 addr=0xd8
QK qrow=9 krow=8 rows=2 flags=0 soff=37
DMASK soff=37 len=2 lam=0xe666
AV orow=9 vrow=8 rows=2 flags=0 soff=37 sel=0x0
SAPP orow=9 qrow=9 srow=48 flags=0 n=2 lam=0xe666
STO orow=9 head=0 list=0 flags=0 addr=0x3000d8
LDQ qrow=10 rows=1 list=0 flags=0 addr=0xf0
QK qrow=10 krow=8 rows=3 flags=0 soff=39
DMASK soff=39 len=3 lam=0xe666
AV orow=10 vrow=8 rows=3 flags=0 soff=39 sel=0x0
SAPP orow=10 qrow=10 srow=48 flags=0 n=3 lam=0xe666
STO orow=10 head=0 list=0 flags=0 addr=0x3000f0
LDQ qrow=11 rows=1 list=0 flags=0 addr=0x108
QK qrow=11 krow=8 rows=4 flags=0 soff=42
DMASK soff=42 len=4 lam=0xe666
AV orow=11 vrow=8 rows=4 flags=0 soff=42 sel=0x0
SAPP orow=11 qrow=11 srow=48 flags=0 n=4 lam=0xe666
STO orow=11 head=0 list=0 flags=0 addr=0x300108
LDQ qrow=12 rows=1 list=0 flags=0 addr=0x120
QK qrow=12 krow=8 rows=5 flags=0 soff=46
DMASK soff=46 len=5 lam=0xe666
AV orow=12 vrow=8 rows=5 flags=0 soff=46 sel=0x0
SAPP orow=12 qrow=12 srow=48 flags=0 n=5 lam=0xe666
STO orow=12 head=0 list=0 flags=0 addr=0x300120
LDQ qrow=13 rows=1 list=0 flags=0 addr=0x138
QK qrow=13 krow=8 rows=6 flags=0 soff=51
DMASK soff=51 len=6 lam=0xe666
AV orow=13 vrow=8 rows=6 flags=0 soff=51 sel=0x0
SAPP orow=13 qrow=13 srow=48 flags=0 n=6 lam=0xe666
STO orow=13 head=0 list=0 flags=0 addr=0x300138
LDQ qrow=14 rows=1 list=0 flags=0 addr=0x150
QK qrow=14 krow=8 rows=7 flags=0 soff=57
DMASK soff=57 len=7 lam=0xe666
AV orow=14 vrow=8 rows=7 flags=0 soff=57 sel=0x0
SAPP orow=14 qrow=14 srow=48 flags=0 n=7 lam=0xe666
STO orow=14 head=0 list=0 flags=0 addr=0x300150
LDQ qrow=15 rows=1 list=0 flags=0 addr=0x168
QK qrow=15 krow=8 rows=8 flags=0 soff=64
DMASK soff=64 len=8 lam=0xe666
AV orow=15 vrow=8 rows=8 flags=0 soff=64 sel=0x0
SAPP orow=15 qrow=15 srow=48 flags=0 n=8 lam=0xe666
STO orow=15 head=0 list=0 flags=0 addr=0x300168
SUPD srow=48 krow=8 vrow=8 flags=0 rows=8 lam=0xe666
LDK krow=16 rows=4 list=0 flags=0 addr=0x100180
LDV vrow=16 rows=4 list=0 flags=0 ioff=0 addr=0x200180
LDQ qrow=16 rows=1 list=0 flags=0 addr=0x180
QK qrow=16 krow=16 rows=1 flags=0 soff=72
DMASK soff=72 len=1 lam=0xe666
AV orow=16 vrow=16 rows=1 flags=0 soff=72 sel=0x0
SAPP orow=16 qrow=16 srow=48 flags=0 n=1 lam=0xe666
STO orow=16 head=0 list=0 flags=0 addr=0x300180
LDQ qrow=17 rows=1 list=0 flags=0 addr=0x198
QK qrow=17 krow=16 rows=2 flags=0 soff=73
DMASK soff=73 len=2 lam=0xe666
AV orow=17 vrow=16 rows=2 flags=0 soff=73 sel=0x0
SAPP orow=17 qrow=17 srow=48 flags=0 n=2 lam=0xe666
STO orow=17 head=0 list=0 flags=0 addr=0x300198
LDQ qrow=18 rows=1 list=0 flags=0 addr=0x1b0
QK qrow=18 krow=16 rows=3 flags=0 soff=75
DMASK soff=75 len=3 lam=0xe666
AV orow=18 vrow=16 rows=3 flags=0 soff=75 sel=0x0
SAPP orow=18 qrow=18 srow=48 flags=0 n=3 lam=0xe666
STO orow=18 head=0 list=0 flags=0 addr=0x3001b0
LDQ qrow=19 rows=1 list=0 flags=0 addr=0x1c8
QK qrow=19 krow=16 rows=4 flags=0 soff=78
DMASK soff=78 len=4 lam=0xe666
AV orow=19 vrow=16 rows=4 flags=0 soff=78 sel=0x0
SAPP orow=19 qrow=19 srow=48 flags=0 n=4 lam=0xe666
STO orow=19 head=0 list=0 flags=0 addr=0x3001c8
LDK krow=20 rows=8 list=0 flags=0 addr=0x1001e0
LDV vrow=20 rows=8 list=0 flags=0 ioff=0 addr=0x2001e0
LDQ qrow=20 rows=1 list=0 flags=0 addr=0x1e0
QK qrow=20 krow=20 rows=1 flags=0 soff=82
DMASK soff=82 len=1 lam=0xc000
AV orow=20 vrow=20 rows=1 flags=0 soff=82 sel=0x0
STO orow=20 head=0 list=0 flags=0 addr=0x3001e0
LDQ qrow=21 rows=1 list=0 flags=0 addr=0x1f8
QK qrow=21 krow=20 rows=2 flags=0 soff=83
DMASK soff=83 len=2 lam=0xc000
AV orow=21 vrow=20 rows=2 flags=0 soff=83 sel=0x0
STO orow=21 head=0 list=0 flags=0 addr=0x3001f8
LDQ qrow=22 rows=1 list=0 flags=0 addr=0x210
QK qrow=22 krow=20 rows=3 flags=0 soff=85
DMASK soff=85 len=3 lam=0xc000
AV orow=22 vrow=20 rows=3 flags=0 soff=85 sel=0x0
STO orow=22 head=0 list=0 flags=0 addr=0x300210
LDQ qrow=23 rows=1 list=0 flags=0 addr=0x228
QK qrow=23 krow=20 rows=4 flags=0 soff=88
DMASK soff=88 len=4 lam=0xc000
AV orow=23 vrow=20 rows=4 flags=0 soff=88 sel=0x0
STO orow=23 head=0 list=0 flags=0 addr=0x300228
LDQ qrow=24 rows=1 list=0 flags=0 addr=0x240
QK qrow=24 krow=20 rows=5 flags=0 soff=92
DMASK soff=92 len=5 lam=0xc000
AV orow=24 vrow=20 rows=5 flags=0 soff=92 sel=0x0
STO orow=24 head=0 list=0 flags=0 addr=0x300240
LDQ qrow=25 rows=1 list=0 flags=0 addr=0x258
QK qrow=25 krow=20 rows=6 flags=0 soff=97
DMASK soff=97 len=6 lam=0xc000
AV orow=25 vrow=20 rows=6 flags=0 soff=97 sel=0x0
STO orow=25 head=0 list=0 flags=0 addr=0x300258
LDQ qrow=26 rows=1 list=0 flags=0 addr=0x270
QK qrow=26 krow=20 rows=7 flags=0 soff=103
DMASK soff=103 len=7 lam=0xc000
AV orow=26 vrow=20 rows=7 flags=0 soff=103 sel=0x0
STO orow=26 head=0 list=0 flags=0 addr=0x300270
LDQ qrow=27 rows=1 list=0 flags=0 addr=0x288
QK qrow=27 krow=20 rows=8 flags=0 soff=110
DMASK soff=110 len=8 lam=0xc000
AV orow=27 vrow=20 rows=8 flags=0 soff=110 sel=0x0
STO orow=27 head=0 list=0 flags=0 addr=0x300288
SUPD srow=48 krow=20 vrow=20 flags=1 rows=8 lam=0xc000
LDK krow=28 rows=8 list=0 flags=0 addr=0x1002a0
LDV vrow=28 rows=8 list=0 flags=0 ioff=0 addr=0x2002a0
LDQ qrow=28 rows=1 list=0 flags=0 addr=0x2a0
QK qrow=28 krow=28 rows=1 flags=0 soff=118
DMASK soff=118 len=1 lam=0xc000
AV orow=28 vrow=28 rows=1 flags=0 soff=118 sel=0x0
SAPP orow=28 qrow=28 srow=48 flags=0 n=1 lam=0xc000
STO orow=28 head=0 list=0 flags=0 addr=0x3002a0
LDQ qrow=29 rows=1 list=0 flags=0 addr=0x2b8
QK qrow=29 krow=28 rows=2 flags=0 soff=119
DMASK soff=119 len=2 lam=0xc000
AV orow=29 vrow=28 rows=2 flags=0 soff=119 sel=0x0
SAPP orow=29 qrow=29 srow=48 flags=0 n=2 lam=0xc000
STO orow=29 head=0 list=0 flags=0 addr=0x3002b8
LDQ qrow=30 rows=1 list=0 flags=0 addr=0x2d0
QK qrow=30 krow=28 rows=3 flags=0 soff=121
DMASK soff=121 len=3 lam=0xc000
AV orow=30 vrow=28 rows=3 flags=0 soff=121 sel=0x0
SAPP orow=30 qrow=30 srow=48 flags=0 n=3 lam=0xc000
STO orow=30 head=0 list=0 flags=0 addr=0x3002d0
LDQ qrow=31 rows=1 list=0 flags=0 addr=0x2e8
QK qrow=31 krow=28 rows=4 flags=0 soff=124
DMASK soff=124 len=4 lam=0xc000
AV orow=31 vrow=28 rows=4 flags=0 soff=124 sel=0x0
SAPP orow=31 qrow=31 srow=48 flags=0 n=4 lam=0xc000
STO orow=31 head=0 list=0 flags=0 addr=0x3002e8
LDQ qrow=32 rows=1 list=0 flags=0 addr=0x300
QK qrow=32 krow=28 rows=5 flags=0 soff=128
DMASK soff=128 len=5 lam=0xc000
AV orow=32 vrow=28 rows=5 flags=0 soff=128 sel=0x0
SAPP orow=32 qrow=32 srow=48 flags=0 n=5 lam=0xc000
STO orow=32 head=0 list=0 flags=0 addr=0x300300
LDQ qrow=33 rows=1 list=0 flags=0 addr=0x318
QK qrow=33 krow=28 rows=6 flags=0 soff=133
DMASK soff=133 len=6 lam=0xc000
AV orow=33 vrow=28 rows=6 flags=0 soff=133 sel=0x0
SAPP orow=33 qrow=33 srow=48 flags=0 n=6 lam=0xc000
STO orow=33 head=0 list=0 flags=0 addr=0x300318
LDQ qrow=34 rows=1 list=0 flags=0 addr=0x330
QK qrow=34 krow=28 rows=7 flags=0 soff=139
DMASK soff=139 len=7 lam=0xc000
AV orow=34 vrow=28 rows=7 flags=0 soff=139 sel=0x0
SAPP orow=34 qrow=34 srow=48 flags=0 n=7 lam=0xc000
STO orow=34 head=0 list=0 flags=0 addr=0x300330
LDQ qrow=35 rows=1 list=0 flags=0 addr=0x348
QK qrow=35 krow=28 rows=8 flags=0 soff=146
DMASK soff=146 len=8 lam=0xc000
AV orow=35 vrow=28 rows=8 flags=0 soff=146 sel=0x0
SAPP orow=35 qrow=35 srow=48 flags=0 n=8 lam=0xc000
STO orow=35 head=0 list=0 flags=0 addr=0x300348
SUPD srow=48 krow=28 vrow=28 flags=0 rows=8 lam=0xc000
LDK krow=36 rows=4 list=0 flags=0 addr=0x100360
LDV vrow=36 rows=4 list=0 flags=0 ioff=0 addr=0x200360
LDQ qrow=36 rows=1 list=0 flags=0 addr=0x360
QK qrow=36 krow=36 rows=1 flags=0 soff=154
DMASK soff=154 len=1 lam=0xc000
AV orow=36 vrow=36 rows=1 flags=0 soff=154 sel=0x0
SAPP orow=36 qrow=36 srow=48 flags=0 n=1 lam=0xc000
STO orow=36 head=0 list=0 flags=0 addr=0x300360
LDQ qrow=37 rows=1 list=0 flags=0 addr=0x378
QK qrow=37 krow=36 rows=2 flags=0 soff=155
DMASK soff=155 len=2 lam=0xc000
AV orow=37 vrow=36 rows=2 flags=0 soff=155 sel=0x0
SAPP orow=37 qrow=37 srow=48 flags=0 n=2 lam=0xc000
STO orow=37 head=0 list=0 flags=0 addr=0x300378
LDQ qrow=38 rows=1 list=0 flags=0 addr=0x390
QK qrow=38 krow=36 rows=3 flags=0 soff=157
DMASK soff=157 len=3 lam=0xc000
AV orow=38 vrow=36 rows=3 flags=0 soff=157 sel=0x0
SAPP orow=38 qrow=38 srow=48 flags=0 n=3 lam=0xc000
STO orow=38 head=0 list=0 flags=0 addr=0x300390
LDQ qrow=39 rows=1 list=0 flags=0 addr=0x3a8
QK qrow=39 krow=36 rows=4 flags=0 soff=160
DMASK soff=160 len=4 lam=0xc000
AV orow=39 vrow=36 rows=4 flags=0 soff=160 sel=0x0
SAPP orow=39 qrow=39 srow=48 flags=0 n=4 lam=0xc000
STO orow=39 head=0 list=0 flags=0 addr=0x3003a8

; attnsim trace, text form (attnsim asm turns it back)
.version 1
.config_hash 0x76f712302d6f01c4
.workload name="sptile"
.workload model.layers=2
.workload model.heads=2
.workload model.head_dim=16
.workload model.kv_heads=0
.workload model.v_from_k=0
.workload model.kind=transformer
.workload phase=decode
.workload prefill.tokens=[128]
.workload prefill.causal=false
.workload attention.window=0
.workload attention.sinks=0
.workload decode.batch=1
.workload decode.prompt=[20]
.workload decode.generate=2
.workload tensors.source=synthetic
.workload tensors.seed=1
.workload tensors.std=1
.workload tensors.salience=2
.workload tensors.q=""
.workload tensors.k=""
.workload tensors.v=""
.workload schedule.token_keep=[1, 0.5]
.workload schedule.head_keep=[1]
.workload schedule.value_keep=[1]
.workload schedule.key_msb_bits=[6]
.workload schedule.key_lsb_bits=[4]
.workload schedule.value_bits=[0]
.workload schedule.threshold=[0.5]
.workload biformer.regions=7
.workload biformer.height=[56]
.workload biformer.width=[56]
.workload biformer.topk=[1]
.workload biformer.channels=[64]
.workload biformer.blocks=[2]
.workload biformer.lce_kernel=5
.workload kv_quant.bits=0
.workload kv_quant.group=32
.workload kv_quant.residual=128
TINIT tokens=21 heads=2 flags=3
LAYER case=0 layer=0
HEAD head=0 resume=0
LDK krow=0 rows=21 list=0 flags=1 addr=0x100000
LDV vrow=0 rows=21 list=0 flags=1 ioff=0 addr=0x300000
LDQ qrow=0 rows=1 list=0 flags=0 addr=0x1e0
QK qrow=0 krow=0 rows=8 flags=0 soff=0
TSM soff=0 len=8 list=0 flags=1 orow=0 mode=0x0
QK qrow=0 krow=8 rows=8 flags=0 soff=8
TSM soff=8 len=8 list=0 flags=0 orow=0 mode=0x0
QK qrow=0 krow=16 rows=5 flags=0 soff=16
TSM soff=16 len=5 list=0 flags=0 orow=0 mode=0x0
QK qrow=0 krow=0 rows=8 flags=0 soff=21
TSM soff=21 len=8 list=0 flags=1 orow=0 mode=0x1
QK qrow=0 krow=8 rows=8 flags=0 soff=29
TSM soff=29 len=8 list=0 flags=0 orow=0 mode=0x1
QK qrow=0 krow=16 rows=5 flags=0 soff=37
TSM soff=37 len=5 list=0 flags=0 orow=0 mode=0x1
TROW orow=0 len=21 flags=1 thr16=32768
LDK krow=0 rows=21 list=0 flags=9 addr=0x200000
QK qrow=0 krow=0 rows=8 flags=9 soff=42
TSM soff=42 len=8 list=0 flags=9 orow=0 mode=0x0
QK qrow=0 krow=8 rows=8 flags=9 soff=50
TSM soff=50 len=8 list=0 flags=8 orow=0 mode=0x0
QK qrow=0 krow=16 rows=5 flags=9 soff=58
TSM soff=58 len=5 list=0 flags=8 orow=0 mode=0x0
QK qrow=0 krow=0 rows=8 flags=9 soff=63
TSM soff=63 len=8 list=0 flags=9 orow=0 mode=0x1
QK qrow=0 krow=8 rows=8 flags=9 soff=71
TSM soff=71 len=8 list=0 flags=8 orow=0 mode=0x1
QK qrow=0 krow=16 rows=5 flags=9 soff=79
TSM soff=79 len=5 list=0 flags=8 orow=0 mode=0x1
QK qrow=0 krow=0 rows=8 flags=0 soff=84
QK qrow=0 krow=0 rows=8 flags=9 soff=84
TSM soff=84 len=8 list=0 flags=2 orow=0 mode=0x2
AV orow=0 vrow=0 rows=8 flags=0 soff=84 sel=0x0
QK qrow=0 krow=8 rows=8 flags=0 soff=92
QK qrow=0 krow=8 rows=8 flags=9 soff=92
TSM soff=92 len=8 list=8 flags=2 orow=0 mode=0x2
AV orow=0 vrow=8 rows=8 flags=1 soff=92 sel=0x0
QK qrow=0 krow=16 rows=5 flags=0 soff=100
QK qrow=0 krow=16 rows=5 flags=9 soff=100
TSM soff=100 len=5 list=16 flags=2 orow=0 mode=0x2
AV orow=0 vrow=16 rows=5 flags=1 soff=100 sel=0x0
STO orow=0 head=0 list=0 flags=0 addr=0x400000
HEAD head=1 resume=0
LDK krow=21 rows=21 list=0 flags=1 addr=0x100108
LDV vrow=21 rows=21 list=0 flags=1 ioff=0 addr=0x300210
LDQ qrow=1 rows=1 list=0 flags=0 addr=0x3f0
QK qrow=1 krow=21 rows=8 flags=0 soff=105
TSM soff=105 len=8 list=0 flags=1 orow=1 mode=0x0
QK qrow=1 krow=29 rows=8 flags=0 soff=113
TSM soff=113 len=8 list=0 flags=0 orow=1 mode=0x0
QK qrow=1 krow=37 rows=5 flags=0 soff=121
TSM soff=121 len=5 list=0 flags=0 orow=1 mode=0x0
QK qrow=1 krow=21 rows=8 flags=0 soff=126
TSM soff=126 len=8 list=0 flags=1 orow=1 mode=0x1
QK qrow=1 krow=29 rows=8 flags=0 soff=134
TSM soff=134 len=8 list=0 flags=0 orow=1 mode=0x1
QK qrow=1 krow=37 rows=5 flags=0 soff=142
TSM soff=142 len=5 list=0 flags=0 orow=1 mode=0x1
TROW orow=1 len=21 flags=17 thr16=32768
LDK krow=21 rows=21 list=0 flags=25 addr=0x2000b0
QK qrow=1 krow=21 rows=8 flags=25 soff=147
TSM soff=147 len=8 list=0 flags=25 orow=1 mode=0x0
QK qrow=1 krow=29 rows=8 flags=25 soff=155
TSM soff=155 len=8 list=0 flags=24 orow=1 mode=0x0
QK qrow=1 krow=37 rows=5 flags=25 soff=163
TSM soff=163 len=5 list=0 flags=24 orow=1 mode=0x0
QK qrow=1 krow=21 rows=8 flags=25 soff=168
TSM soff=168 len=8 list=0 flags=25 orow=1 mode=0x1
QK qrow=1 krow=29 rows=8 flags=25 soff=176
TSM soff=176 len=8 list=0 flags=24 orow=1 mode=0x1
QK qrow=1 krow=37 rows=5 flags=25 soff=184
TSM soff=184 len=5 list=0 flags=24 orow=1 mode=0x1
QK qrow=1 krow=21 rows=8 flags=0 soff=189
QK qrow=1 krow=21 rows=8 flags=25 soff=189
TSM soff=189 len=8 list=0 flags=2 orow=1 mode=0x2
AV orow=1 vrow=21 rows=8 flags=0 soff=189 sel=0x0
QK qrow=1 krow=29 rows=8 flags=0 soff=197
QK qrow=1 krow=29 rows=8 flags=25 soff=197
TSM soff=197 len=8 list=8 flags=2 orow=1 mode=0x2
AV orow=1 vrow=29 rows=8 flags=1 soff=197 sel=0x0
QK qrow=1 krow=37 rows=5 flags=0 soff=205
QK qrow=1 krow=37 rows=5 flags=25 soff=205
TSM soff=205 len=5 list=16 flags=2 orow=1 mode=0x2
AV orow=1 vrow=37 rows=5 flags=1 soff=205 sel=0x0
STO orow=1 head=0 list=0 flags=0 addr=0x400030
HEAD head=65535 resume=0
LAYER case=0 layer=1
HEAD head=0 resume=0
LDK krow=42 rows=21 list=0 flags=1 addr=0x100210
LDV vrow=42 rows=21 list=0 flags=1 ioff=0 addr=0x300420
LDQ qrow=2 rows=1 list=0 flags=0 addr=0x600
QK qrow=2 krow=42 rows=8 flags=0 soff=210
TSM soff=210 len=8 list=0 flags=1 orow=2 mode=0x0
QK qrow=2 krow=50 rows=8 flags=0 soff=218
TSM soff=218 len=8 list=0 flags=0 orow=2 mode=0x0
QK qrow=2 krow=58 rows=5 flags=0 soff=226
TSM soff=226 len=5 list=0 flags=0 orow=2 mode=0x0
QK qrow=2 krow=42 rows=8 flags=0 soff=231
TSM soff=231 len=8 list=0 flags=1 orow=2 mode=0x1
QK qrow=2 krow=50 rows=8 flags=0 soff=239
TSM soff=239 len=8 list=0 flags=0 orow=2 mode=0x1
QK qrow=2 krow=58 rows=5 flags=0 soff=247
TSM soff=247 len=5 list=0 flags=0 orow=2 mode=0x1
TROW orow=2 len=21 flags=33 thr16=32768
LDK krow=42 rows=21 list=0 flags=41 addr=0x200160
QK qrow=2 krow=42 rows=8 flags=41 soff=252
TSM soff=252 len=8 list=0 flags=41 orow=2 mode=0x0
QK qrow=2 krow=50 rows=8 flags=41 soff=260
TSM soff=260 len=8 list=0 flags=40 orow=2 mode=0x0
QK qrow=2 krow=58 rows=5 flags=41 soff=268
TSM soff=268 len=5 list=0 flags=40 orow=2 mode=0x0
QK qrow=2 krow=42 rows=8 flags=41 soff=273
TSM soff=273 len=8 list=0 flags=41 orow=2 mode=0x1
QK qrow=2 krow=50 rows=8 flags=41 soff=281
TSM soff=281 len=8 list=0 flags=40 orow=2 mode=0x1
QK qrow=2 krow=58 rows=5 flags=41 soff=289
TSM soff=289 len=5 list=0 flags=40 orow=2 mode=0x1
QK qrow=2 krow=42 rows=8 flags=0 soff=294
QK qrow=2 krow=42 rows=8 flags=41 soff=294
TSM soff=294 len=8 list=0 flags=2 orow=2 mode=0x2
AV orow=2 vrow=42 rows=8 flags=0 soff=294 sel=0x0
QK qrow=2 krow=50 rows=8 flags=0 soff=302
QK qrow=2 krow=50 rows=8 flags=41 soff=302
TSM soff=302 len=8 list=8 flags=2 orow=2 mode=0x2
AV orow=2 vrow=50 rows=8 flags=1 soff=302 sel=0x0
QK qrow=2 krow=58 rows=5 flags=0 soff=310
QK qrow=2 krow=58 rows=5 flags=41 soff=310
TSM soff=310 len=5 list=16 flags=2 orow=2 mode=0x2
AV orow=2 vrow=58 rows=5 flags=1 soff=310 sel=0x0
STO orow=2 head=0 list=0 flags=0 addr=0x400060
HEAD head=1 resume=0
LDK krow=63 rows=21 list=0 flags=1 addr=0x100318
LDV vrow=63 rows=21 list=0 flags=1 ioff=0 addr=0x300630
LDQ qrow=3 rows=1 list=0 flags=0 addr=0x810
QK qrow=3 krow=63 rows=8 flags=0 soff=315
TSM soff=315 len=8 list=0 flags=1 orow=3 mode=0x0
QK qrow=3 krow=71 rows=8 flags=0 soff=323
TSM soff=323 len=8 list=0 flags=0 orow=3 mode=0x0
QK qrow=3 krow=79 rows=5 flags=0 soff=331
TSM soff=331 len=5 list=0 flags=0 orow=3 mode=0x0
QK qrow=3 krow=63 rows=8 flags=0 soff=336
TSM soff=336 len=8 list=0 flags=1 orow=3 mode=0x1
QK qrow=3 krow=71 rows=8 flags=0 soff=344
TSM soff=344 len=8 list=0 flags=0 orow=3 mode=0x1
QK qrow=3 krow=79 rows=5 flags=0 soff=352
TSM soff=352 len=5 list=0 flags=0 orow=3 mode=0x1
TROW orow=3 len=21 flags=49 thr16=32768
LDK krow=63 rows=21 list=0 flags=57 addr=0x200210
QK qrow=3 krow=63 rows=8 flags=57 soff=357
TSM soff=357 len=8 list=0 flags=57 orow=3 mode=0x0
QK qrow=3 krow=71 rows=8 flags=57 soff=365
TSM soff=365 len=8 list=0 flags=56 orow=3 mode=0x0
QK qrow=3 krow=79 rows=5 flags=57 soff=373
TSM soff=373 len=5 list=0 flags=56 orow=3 mode=0x0
QK qrow=3 krow=63 rows=8 flags=57 soff=378
TSM soff=378 len=8 list=0 flags=57 orow=3 mode=0x1
QK qrow=3 krow=71 rows=8 flags=57 soff=386
TSM soff=386 len=8 list=0 flags=56 orow=3 mode=0x1
QK qrow=3 krow=79 rows=5 flags=57 soff=394
TSM soff=394 len=5 list=0 flags=56 orow=3 mode=0x1
QK qrow=3 krow=63 rows=8 flags=0 soff=399
QK qrow=3 krow=63 rows=8 flags=57 soff=399
TSM soff=399 len=8 list=0 flags=2 orow=3 mode=0x2
AV orow=3 vrow=63 rows=8 flags=0 soff=399 sel=0x0
QK qrow=3 krow=71 rows=8 flags=0 soff=407
QK qrow=3 krow=71 rows=8 flags=57 soff=407
TSM soff=407 len=8 list=8 flags=2 orow=3 mode=0x2
AV orow=3 vrow=71 rows=8 flags=1 soff=407 sel=0x0
QK qrow=3 krow=79 rows=5 flags=0 soff=415
QK qrow=3 krow=79 rows=5 flags=57 soff=415
TSM soff=415 len=5 list=16 flags=2 orow=3 mode=0x2
AV orow=3 vrow=79 rows=5 flags=1 soff=415 sel=0x0
STO orow=3 head=0 list=0 flags=0 addr=0x400090
HEAD head=65535 resume=0
TOPK ioff=0 n=21 k=10 mode=4 soff=0
TINIT tokens=22 heads=2 flags=4
LAYER case=0 layer=0
HEAD head=0 resume=0
LDK krow=84 rows=11 list=0 flags=1 addr=0x100000
LDV vrow=84 rows=11 list=0 flags=1 ioff=0 addr=0x300000
LDQ qrow=4 rows=1 list=0 flags=0 addr=0x1f8
QK qrow=4 krow=84 rows=8 flags=0 soff=420
TSM soff=420 len=8 list=0 flags=1 orow=4 mode=0x0
QK qrow=4 krow=92 rows=3 flags=0 soff=428
TSM soff=428 len=3 list=0 flags=0 orow=4 mode=0x0
QK qrow=4 krow=84 rows=8 flags=0 soff=431
TSM soff=431 len=8 list=0 flags=1 orow=4 mode=0x1
QK qrow=4 krow=92 rows=3 flags=0 soff=439
TSM soff=439 len=3 list=0 flags=0 orow=4 mode=0x1
TROW orow=4 len=11 flags=65 thr16=32768
LDK krow=84 rows=11 list=0 flags=73 addr=0x200000
QK qrow=4 krow=84 rows=8 flags=73 soff=442
TSM soff=442 len=8 list=0 flags=73 orow=4 mode=0x0
QK qrow=4 krow=92 rows=3 flags=73 soff=450
TSM soff=450 len=3 list=0 flags=72 orow=4 mode=0x0
QK qrow=4 krow=84 rows=8 flags=73 soff=453
TSM soff=453 len=8 list=0 flags=73 orow=4 mode=0x1
QK qrow=4 krow=92 rows=3 flags=73 soff=461
TSM soff=461 len=3 list=0 flags=72 orow=4 mode=0x1
QK qrow=4 krow=84 rows=8 flags=0 soff=464
QK qrow=4 krow=84 rows=8 flags=73 soff=464
TSM soff=464 len=8 list=0 flags=2 orow=4 mode=0x2
AV orow=4 vrow=84 rows=8 flags=0 soff=464 sel=0x0
QK qrow=4 krow=92 rows=3 flags=0 soff=472
QK qrow=4 krow=92 rows=3 flags=73 soff=472
TSM soff=472 len=3 list=8 flags=2 orow=4 mode=0x2
AV orow=4 vrow=92 rows=3 flags=1 soff=472 sel=0x0
STO orow=4 head=0 list=0 flags=0 addr=0x400018
HEAD head=1 resume=0
LDK krow=95 rows=11 list=0 flags=1 addr=0x100108
LDV vrow=95 rows=11 list=0 flags=1 ioff=0 addr=0x300210
LDQ qrow=5 rows=1 list=0 flags=0 addr=0x408
QK qrow=5 krow=95 rows=8 flags=0 soff=475
TSM soff=475 len=8 list=0 flags=1 orow=5 mode=0x0
QK qrow=5 krow=103 rows=3 flags=0 soff=483
TSM soff=483 len=3 list=0 flags=0 orow=5 mode=0x0
QK qrow=5 krow=95 rows=8 flags=0 soff=486
TSM soff=486 len=8 list=0 flags=1 orow=5 mode=0x1
QK qrow=5 krow=103 rows=3 flags=0 soff=494
TSM soff=494 len=3 list=0 flags=0 orow=5 mode=0x1
TROW orow=5 len=11 flags=81 thr16=32768
LDK krow=95 rows=11 list=0 flags=89 addr=0x2000b0
QK qrow=5 krow=95 rows=8 flags=89 soff=497
TSM soff=497 len=8 list=0 flags=89 orow=5 mode=0x0
QK qrow=5 krow=103 rows=3 flags=89 soff=505
TSM soff=505 len=3 list=0 flags=88 orow=5 mode=0x0
QK qrow=5 krow=95 rows=8 flags=89 soff=508
TSM soff=508 len=8 list=0 flags=89 orow=5 mode=0x1
QK qrow=5 krow=103 rows=3 flags=89 soff=516
TSM soff=516 len=3 list=0 flags=88 orow=5 mode=0x1
QK qrow=5 krow=95 rows=8 flags=0 soff=519
QK qrow=5 krow=95 rows=8 flags=89 soff=519
TSM soff=519 len=8 list=0 flags=2 orow=5 mode=0x2
AV orow=5 vrow=95 rows=8 flags=0 soff=519 sel=0x0
QK qrow=5 krow=103 rows=3 flags=0 soff=527
QK qrow=5 krow=103 rows=3 flags=89 soff=527
TSM soff=527 len=3 list=8 flags=2 orow=5 mode=0x2
AV orow=5 vrow=103 rows=3 flags=1 soff=527 sel=0x0
STO orow=5 head=0 list=0 flags=0 addr=0x400048
HEAD head=65535 resume=0
LAYER case=0 layer=1
HEAD head=0 resume=0
LDK krow=106 rows=11 list=0 flags=1 addr=0x100210
LDV vrow=106 rows=11 list=0 flags=1 ioff=0 addr=0x300420
LDQ qrow=6 rows=1 list=0 flags=0 addr=0x618
QK qrow=6 krow=106 rows=8 flags=0 soff=530
TSM soff=530 len=8 list=0 flags=1 orow=6 mode=0x0
QK qrow=6 krow=114 rows=3 flags=0 soff=538
TSM soff=538 len=3 list=0 flags=0 orow=6 mode=0x0
QK qrow=6 krow=106 rows=8 flags=0 soff=541
TSM soff=541 len=8 list=0 flags=1 orow=6 mode=0x1
QK qrow=6 krow=114 rows=3 flags=0 soff=549
TSM soff=549 len=3 list=0 flags=0 orow=6 mode=0x1
TROW orow=6 len=11 flags=97 thr16=32768
LDK krow=106 rows=11 list=0 flags=105 addr=0x200160
QK qrow=6 krow=106 rows=8 flags=105 soff=552
TSM soff=552 len=8 list=0 flags=105 orow=6 mode=0x0
QK qrow=6 krow=114 rows=3 flags=105 soff=560
TSM soff=560 len=3 list=0 flags=104 orow=6 mode=0x0
QK qrow=6 krow=106 rows=8 flags=105 soff=563
TSM soff=563 len=8 list=0 flags=105 orow=6 mode=0x1
QK qrow=6 krow=114 rows=3 flags=105 soff=571
TSM soff=571 len=3 list=0 flags=104 orow=6 mode=0x1
QK qrow=6 krow=106 rows=8 flags=0 soff=574
QK qrow=6 krow=106 rows=8 flags=105 soff=574
TSM soff=574 len=8 list=0 flags=2 orow=6 mode=0x2
AV orow=6 vrow=106 rows=8 flags=0 soff=574 sel=0x0
QK qrow=6 krow=114 rows=3 flags=0 soff=582
QK qrow=6 krow=114 rows=3 flags=105 soff=582
TSM soff=582 len=3 list=8 flags=2 orow=6 mode=0x2
AV orow=6 vrow=114 rows=3 flags=1 soff=582 sel=0x0
STO orow=6 head=0 list=0 flags=0 addr=0x400078
HEAD head=1 resume=0
LDK krow=117 rows=11 list=0 flags=1 addr=0x100318
LDV vrow=117 rows=11 list=0 flags=1 ioff=0 addr=0x300630
LDQ qrow=7 rows=1 list=0 flags=0 addr=0x828
QK qrow=7 krow=117 rows=8 flags=0 soff=585
TSM soff=585 len=8 list=0 flags=1 orow=7 mode=0x0
QK qrow=7 krow=125 rows=3 flags=0 soff=593
TSM soff=593 len=3 list=0 flags=0 orow=7 mode=0x0
QK qrow=7 krow=117 rows=8 flags=0 soff=596
TSM soff=596 len=8 list=0 flags=1 orow=7 mode=0x1
QK qrow=7 krow=125 rows=3 flags=0 soff=604
TSM soff=604 len=3 list=0 flags=0 orow=7 mode=0x1
TROW orow=7 len=11 flags=113 thr16=32768
LDK krow=117 rows=11 list=0 flags=121 addr=0x200210
QK qrow=7 krow=117 rows=8 flags=121 soff=607
TSM soff=607 len=8 list=0 flags=121 orow=7 mode=0x0
QK qrow=7 krow=125 rows=3 flags=121 soff=615
TSM soff=615 len=3 list=0 flags=120 orow=7 mode=0x0
QK qrow=7 krow=117 rows=8 flags=121 soff=618
TSM soff=618 len=8 list=0 flags=121 orow=7 mode=0x1
QK qrow=7 krow=125 rows=3 flags=121 soff=626
TSM soff=626 len=3 list=0 flags=120 orow=7 mode=0x1
QK qrow=7 krow=117 rows=8 flags=0 soff=629
QK qrow=7 krow=117 rows=8 flags=121 soff=629
TSM soff=629 len=8 list=0 flags=2 orow=7 mode=0x2
AV orow=7 vrow=117 rows=8 flags=0 soff=629 sel=0x0
QK qrow=7 krow=125 rows=3 flags=0 soff=637
QK qrow=7 krow=125 rows=3 flags=121 soff=637
TSM soff=637 len=3 list=8 flags=2 orow=7 mode=0x2
AV orow=7 vrow=125 rows=3 flags=1 soff=637 sel=0x0
STO orow=7 head=0 list=0 flags=0 addr=0x4000a8
HEAD head=65535 resume=0

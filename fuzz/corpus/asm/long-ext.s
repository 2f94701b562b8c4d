; a decode past 65535 tokens: TINIT's tokens and QK's soff need EXT
.version 1
.config_hash 0x0
.workload phase=decode
.workload decode.prompt=70000
.workload decode.generate=1
TINIT tokens=70001 heads=12 flags=3
QK qrow=0 krow=0 rows=64 flags=0 soff=69999

build-prof/obj/cli/attnsim.o: cli/attnsim.c sim/check.h common/config.h \
 common/err.h sim/memimg.h common/fixed.h common/layout.h common/config.h \
 common/workload.h common/tensor.h compiler/compile.h common/err.h \
 common/trace.h common/isa.h common/isa.def common/workload.h \
 sim/engine.h sim/stats.h common/isa.h sim/stats.def common/outfile.h \
 sim/report.h sim/timeline.h
sim/check.h:
common/config.h:
common/err.h:
sim/memimg.h:
common/fixed.h:
common/layout.h:
common/config.h:
common/workload.h:
common/tensor.h:
compiler/compile.h:
common/err.h:
common/trace.h:
common/isa.h:
common/isa.def:
common/workload.h:
sim/engine.h:
sim/stats.h:
common/isa.h:
sim/stats.def:
common/outfile.h:
sim/report.h:
sim/timeline.h:

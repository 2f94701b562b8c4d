build-prev/obj/sim/engine.o: sim/engine.c sim/engine.h common/config.h \
 common/err.h common/err.h sim/memimg.h common/fixed.h common/layout.h \
 common/config.h common/workload.h common/tensor.h sim/stats.h \
 common/isa.h common/isa.def sim/stats.def common/trace.h common/isa.h \
 sim/pipe.h sim/core.h sim/timing.h sim/xfer.h sim/mem.h
sim/engine.h:
common/config.h:
common/err.h:
common/err.h:
sim/memimg.h:
common/fixed.h:
common/layout.h:
common/config.h:
common/workload.h:
common/tensor.h:
sim/stats.h:
common/isa.h:
common/isa.def:
sim/stats.def:
common/trace.h:
common/isa.h:
sim/pipe.h:
sim/core.h:
sim/timing.h:
sim/xfer.h:
sim/mem.h:

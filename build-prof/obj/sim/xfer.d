build-prof/obj/sim/xfer.o: sim/xfer.c sim/xfer.h sim/core.h \
 common/fixed.h common/isa.h common/err.h common/isa.def common/layout.h \
 common/config.h common/workload.h sim/stats.h sim/stats.def sim/mem.h \
 sim/timing.h common/config.h
sim/xfer.h:
sim/core.h:
common/fixed.h:
common/isa.h:
common/err.h:
common/isa.def:
common/layout.h:
common/config.h:
common/workload.h:
sim/stats.h:
sim/stats.def:
sim/mem.h:
sim/timing.h:
common/config.h:

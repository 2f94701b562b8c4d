build-prof/obj/sim/softmax.o: sim/softmax.c sim/pipe.h sim/core.h \
 common/fixed.h common/isa.h common/err.h common/isa.def common/layout.h \
 common/config.h common/workload.h sim/stats.h sim/stats.def sim/timing.h \
 common/config.h
sim/pipe.h:
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
sim/timing.h:
common/config.h:

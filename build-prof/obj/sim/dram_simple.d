build-prof/obj/sim/dram_simple.o: sim/dram_simple.c sim/mem.h sim/stats.h \
 common/isa.h common/err.h common/isa.def sim/stats.def sim/timing.h \
 common/config.h
sim/mem.h:
sim/stats.h:
common/isa.h:
common/err.h:
common/isa.def:
sim/stats.def:
sim/timing.h:
common/config.h:

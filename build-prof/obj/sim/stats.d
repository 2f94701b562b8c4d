build-prof/obj/sim/stats.o: sim/stats.c sim/stats.h common/isa.h \
 common/err.h common/isa.def sim/stats.def
sim/stats.h:
common/isa.h:
common/err.h:
common/isa.def:
sim/stats.def:

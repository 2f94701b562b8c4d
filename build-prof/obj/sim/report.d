build-prof/obj/sim/report.o: sim/report.c sim/report.h common/config.h \
 common/err.h common/err.h sim/stats.h common/isa.h common/isa.def \
 sim/stats.def common/workload.h common/outfile.h
sim/report.h:
common/config.h:
common/err.h:
common/err.h:
sim/stats.h:
common/isa.h:
common/isa.def:
sim/stats.def:
common/workload.h:
common/outfile.h:

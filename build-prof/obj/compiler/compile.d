build-prof/obj/compiler/compile.o: compiler/compile.c compiler/compile.h \
 common/config.h common/err.h common/err.h common/trace.h common/isa.h \
 common/isa.def common/workload.h common/workload.h common/layout.h \
 common/config.h
compiler/compile.h:
common/config.h:
common/err.h:
common/err.h:
common/trace.h:
common/isa.h:
common/isa.def:
common/workload.h:
common/workload.h:
common/layout.h:
common/config.h:

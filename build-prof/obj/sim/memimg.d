build-prof/obj/sim/memimg.o: sim/memimg.c sim/memimg.h common/fixed.h \
 common/layout.h common/config.h common/err.h common/workload.h \
 common/tensor.h
sim/memimg.h:
common/fixed.h:
common/layout.h:
common/config.h:
common/err.h:
common/workload.h:
common/tensor.h:

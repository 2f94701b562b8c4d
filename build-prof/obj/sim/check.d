build-prof/obj/sim/check.o: sim/check.c sim/check.h common/config.h \
 common/err.h sim/memimg.h common/fixed.h common/layout.h common/config.h \
 common/workload.h common/tensor.h golden/golden.h common/workload.h
sim/check.h:
common/config.h:
common/err.h:
sim/memimg.h:
common/fixed.h:
common/layout.h:
common/config.h:
common/workload.h:
common/tensor.h:
golden/golden.h:
common/workload.h:

build-prof/obj/golden/golden.o: golden/golden.c golden/golden.h \
 common/fixed.h common/tensor.h common/err.h common/workload.h \
 common/workload.h
golden/golden.h:
common/fixed.h:
common/tensor.h:
common/err.h:
common/workload.h:
common/workload.h:

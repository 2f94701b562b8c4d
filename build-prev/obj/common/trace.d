build-prev/obj/common/trace.o: common/trace.c common/trace.h common/err.h \
 common/isa.h common/isa.def common/workload.h
common/trace.h:
common/err.h:
common/isa.h:
common/isa.def:
common/workload.h:

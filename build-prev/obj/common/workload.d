build-prev/obj/common/workload.o: common/workload.c common/workload.h \
 common/err.h common/yload.h
common/workload.h:
common/err.h:
common/yload.h:

build-prev/obj/common/layout.o: common/layout.c common/layout.h \
 common/config.h common/err.h common/workload.h
common/layout.h:
common/config.h:
common/err.h:
common/workload.h:

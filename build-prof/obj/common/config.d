build-prof/obj/common/config.o: common/config.c common/config.h \
 common/err.h common/yload.h
common/config.h:
common/err.h:
common/yload.h:

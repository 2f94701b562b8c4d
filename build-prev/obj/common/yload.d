build-prev/obj/common/yload.o: common/yload.c common/yload.h common/err.h
common/yload.h:
common/err.h:

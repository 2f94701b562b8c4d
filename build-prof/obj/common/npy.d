build-prof/obj/common/npy.o: common/npy.c common/npy.h common/err.h
common/npy.h:
common/err.h:

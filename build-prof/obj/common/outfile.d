build-prof/obj/common/outfile.o: common/outfile.c common/outfile.h \
 common/err.h
common/outfile.h:
common/err.h:

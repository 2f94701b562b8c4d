build-prev/obj/common/fixed.o: common/fixed.c common/fixed.h
common/fixed.h:

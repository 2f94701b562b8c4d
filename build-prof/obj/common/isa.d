build-prof/obj/common/isa.o: common/isa.c common/isa.h common/err.h \
 common/isa.def
common/isa.h:
common/err.h:
common/isa.def:

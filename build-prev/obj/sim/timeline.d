build-prev/obj/sim/timeline.o: sim/timeline.c sim/timeline.h common/isa.h \
 common/err.h common/isa.def
sim/timeline.h:
common/isa.h:
common/err.h:
common/isa.def:

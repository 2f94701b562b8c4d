build-prof/obj/sim/timing.o: sim/timing.c sim/timing.h common/config.h \
 common/err.h
sim/timing.h:
common/config.h:
common/err.h:

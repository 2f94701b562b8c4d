build-prev/obj/common/tensor.o: common/tensor.c common/tensor.h \
 common/err.h common/workload.h common/npy.h
common/tensor.h:
common/err.h:
common/workload.h:
common/npy.h:

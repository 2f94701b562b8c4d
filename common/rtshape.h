/* rtshape.h - the Routing Transformer's shared rules (docs/routing.md):
 * the synthetic centroids, served by common/tensor.h's ten_centroids (as
 * are routing.centroids' with tensors.source npy) to the memory image
 * (sim/memimg.c) and the golden model (golden/routing.c) alike. */
#ifndef ATTN_RTSHAPE_H
#define ATTN_RTSHAPE_H

#include "workload.h"

/* Centroids of (layer, head): routing.clusters rows of head_dim floats,
 * row-major, a pure function of (seed, layer, head, centroid, element):
 * uniform in [-sqrt(3), sqrt(3)) (variance 1, as the synthetic Q and K),
 * times model std (tensors.std). The same for every case. */
void rt_centroids(const wl_t *w, int layer, int head, float *out);

#endif

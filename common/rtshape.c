#include "rtshape.h"

#include <stdint.h>

/* splitmix64's finaliser. */
static uint64_t rt_mix(uint64_t z) {
  z += UINT64_C(0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Element j of centroid c: a uniform draw keyed by every coordinate. */
void rt_centroids(const wl_t *w, int layer, int head, float *out) {
  int d = w->head_dim;
  for (int c = 0; c < w->rt_clusters; c++)
    for (int j = 0; j < d; j++) {
      uint64_t k = rt_mix(w->seed ^ UINT64_C(0x526f7574696e67)); /* "Routing" */
      k = rt_mix(k ^ ((uint64_t)layer << 40 | (uint64_t)head << 20 | (uint64_t)c));
      k = rt_mix(k ^ (uint64_t)j);
      double u = (double)(k >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
      out[(size_t)c * (size_t)d + (size_t)j] =
          (float)(w->std * (2.0 * u - 1.0) * 1.7320508075688772);
    }
}

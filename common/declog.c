#include "declog.h"

#include <stdlib.h>

const char *const dec_kind_names[DEC_KINDS] = {"tokens kept", "heads kept",
                                               "values kept", "refetch",
                                               "regions routed", "gate open",
                                               "cluster"};

uint64_t dec_hash(const uint32_t *idx, size_t n) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (size_t i = 0; i < n; i++)
    for (int b = 0; b < 4; b++) {
      h ^= (idx[i] >> (8 * b)) & 0xff;
      h *= UINT64_C(1099511628211);
    }
  return h;
}

void dec_add(declog_t *l, const dec_t *d) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    dec_t *p = realloc(l->d, cap * sizeof *p);
    if (!p) {
      l->oom = 1;
      return;
    }
    l->d = p;
    l->cap = cap;
  }
  l->d[l->n++] = *d;
}

void dec_free(declog_t *l) {
  free(l->d);
  l->d = NULL;
  l->n = l->cap = 0;
}

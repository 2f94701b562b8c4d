#include "topk.h"

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Does candidate i beat candidate j (score desc, then index asc)? */
static int beats(const int64_t *s, uint32_t i, uint32_t j) {
  return s[i] > s[j] || (s[i] == s[j] && i < j);
}

/* One round over c[0..m): the pivot's beaters go to lo, the rest but the
 * pivot to hi, both in their original order (the zero eliminators).
 * Returns |lo|; *nhi gets |hi|. */
static int partition(const int64_t *s, const uint32_t *c, int m, uint32_t *lo,
                     uint32_t *hi, int *nhi) {
  uint32_t p = c[m / 2];
  int nl = 0, nh = 0;
  for (int i = 0; i < m; i++) {
    if (c[i] == p) continue;
    if (beats(s, c[i], p)) lo[nl++] = c[i];
    else hi[nh++] = c[i];
  }
  *nhi = nh;
  return nl;
}

/* Quick-select: the index of the k-th best (0 < k <= n). Invariant: the
 * k-th best of all candidates is the k-th best of c[0..m). */
static uint32_t kth(const int64_t *s, uint32_t *c, uint32_t *tmp, int m,
                    int k, int P, topk_cost_t *cost) {
  for (;;) {
    uint32_t p = c[m / 2];
    int nh, nl = partition(s, c, m, tmp, tmp + m, &nh);
    cost->cycles += cdiv((uint64_t)m, (uint64_t)P) + TOPK_ROUND_OVERHEAD;
    cost->comparisons += (uint64_t)m;
    cost->rounds++;
    if (k == nl + 1) return p;
    if (k <= nl) {
      for (int i = 0; i < nl; i++) c[i] = tmp[i];
      m = nl;
    } else {
      for (int i = 0; i < nh; i++) c[i] = tmp[m + i];
      k -= nl + 1;
      m = nh;
    }
  }
}

int topk_run(const int64_t *score, int n, int k, int P, uint32_t *keep,
             uint32_t *scratch, topk_cost_t *c) {
  int nk = 0;
  c->cycles = c->rounds = c->comparisons = 0;
  if (k <= 0) {
    c->cycles = 1;
    return 0;
  }
  if (k < n) {
    uint32_t t, *cand = scratch, *tmp = scratch + n;
    for (int i = 0; i < n; i++) cand[i] = (uint32_t)i;
    /* a round writes lo to tmp[0..) and hi to tmp[m..): 2n entries */
    t = kth(score, cand, tmp, n, k, P, c);
    for (int i = 0; i < n; i++)
      if (!beats(score, t, (uint32_t)i)) keep[nk++] = (uint32_t)i;
  } else {
    for (int i = 0; i < n; i++) keep[nk++] = (uint32_t)i;
  }
  c->cycles += cdiv((uint64_t)n, (uint64_t)P) + TOPK_ROUND_OVERHEAD;
  c->comparisons += (uint64_t)n;
  return nk;
}

void topk_estimate(int n, int k, int P, topk_cost_t *c) {
  c->cycles = c->rounds = c->comparisons = 0;
  if (k <= 0) {
    c->cycles = 1;
    return;
  }
  for (int m = n; k < n && m >= 1; m = m == 1 ? 0 : (m + 1) / 2) {
    c->cycles += cdiv((uint64_t)m, (uint64_t)P) + TOPK_ROUND_OVERHEAD;
    c->comparisons += (uint64_t)m;
    c->rounds++;
  }
  c->cycles += cdiv((uint64_t)n, (uint64_t)P) + TOPK_ROUND_OVERHEAD;
  c->comparisons += (uint64_t)n;
}

#include "topk.h"

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* One round over c[0..m) against the pivot's score v: candidates scoring
 * above v go to lo, those below to hi, both in their original order (the
 * zero eliminators); those equal to v (the pivot among them) are counted
 * and dropped, as SpAtten's QuickSelect does. Returns |lo|; *nhi gets
 * |hi|, *neq the equal count (>= 1). */
static int partition(const int64_t *s, const uint32_t *c, int m, int64_t v,
                     uint32_t *lo, uint32_t *hi, int *nhi, int *neq) {
  int nl = 0, nh = 0, ne = 0;
  for (int i = 0; i < m; i++) {
    if (s[c[i]] > v) lo[nl++] = c[i];
    else if (s[c[i]] < v) hi[nh++] = c[i];
    else ne++;
  }
  *nhi = nh;
  *neq = ne;
  return nl;
}

/* Quick-select on scores alone: the k-th best score (0 < k <= m), and in
 * *keq how many candidates scoring exactly that the top k take. Invariant:
 * the k-th best score of all candidates is the k-th best of c[0..m), and
 * every candidate with that score is still in c (a round drops only the
 * ones equal to its own pivot, and stops when the k-th is among them). */
static int64_t kth(const int64_t *s, uint32_t *c, uint32_t *tmp, int m,
                   int k, int P, int *keq, topk_cost_t *cost) {
  for (;;) {
    int64_t v = s[c[m / 2]];
    int nh, ne, nl = partition(s, c, m, v, tmp, tmp + m, &nh, &ne);
    cost->cycles += cdiv((uint64_t)m, (uint64_t)P) + TOPK_ROUND_OVERHEAD;
    cost->comparisons += (uint64_t)m;
    cost->rounds++;
    if (k <= nl) {
      for (int i = 0; i < nl; i++) c[i] = tmp[i];
      m = nl;
    } else if (k <= nl + ne) {
      *keq = k - nl;
      return v;
    } else {
      for (int i = 0; i < nh; i++) c[i] = tmp[m + i];
      k -= nl + ne;
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
    uint32_t *cand = scratch, *tmp = scratch + n;
    int keq = 0;
    int64_t t;
    for (int i = 0; i < n; i++) cand[i] = (uint32_t)i;
    /* a round writes lo to tmp[0..) and hi to tmp[m..): 2n entries */
    t = kth(score, cand, tmp, n, k, P, &keq, c);
    /* the final pass: everything above t, and the first keq equal to t in
     * index order (the tie rule: lower indices win) */
    for (int i = 0; i < n; i++)
      if (score[i] > t || (score[i] == t && keq-- > 0)) keep[nk++] = (uint32_t)i;
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

/* The top-k engine model (sim/topk.c) against traces worked by hand from
 * docs/spatten.md: middle pivot, beaters kept in order, rounds of
 * ceil(m/P) + 2 cycles, a final pass of ceil(n/P) + 2. */
#include <criterion/criterion.h>

#include "spatten.h"
#include "topk.h"

static int run(const int64_t *s, int n, int k, int P, uint32_t *keep,
               topk_cost_t *c) {
  uint32_t scratch[3 * 16];
  return topk_run(s, n, k, P, keep, scratch, c);
}

/* [5 1 4 2 3], k = 2, P = 2: round 1 pivot index 2 (score 4); only index
 * 0 beats it, so |L| + 1 = k and the pivot is the 2nd: 5 cycles; final
 * pass 5 cycles. */
Test(topk, hand_traced_one_round) {
  const int64_t s[] = {5, 1, 4, 2, 3};
  uint32_t keep[5];
  topk_cost_t c;
  cr_assert_eq(run(s, 5, 2, 2, keep, &c), 2);
  cr_expect_eq(keep[0], 0);
  cr_expect_eq(keep[1], 2);
  cr_expect_eq(c.cycles, (uint64_t)(3 + 2) + (3 + 2));
  cr_expect_eq(c.rounds, 1);
  cr_expect_eq(c.comparisons, 5 + 5);
}

/* All equal, k = 2, P = 4: the tie rule makes lower indices win. Round 1
 * pivot index 2: 0 and 1 beat it, L = [0 1], k <= 2 so recurse (3
 * cycles); round 2 pivot L[1] = index 1, L' = [0], pivot is the 2nd (3
 * cycles); final pass 3 cycles. */
Test(topk, ties_go_to_lower_indices) {
  const int64_t s[] = {3, 3, 3, 3};
  uint32_t keep[4];
  topk_cost_t c;
  cr_assert_eq(run(s, 4, 2, 4, keep, &c), 2);
  cr_expect_eq(keep[0], 0);
  cr_expect_eq(keep[1], 1);
  cr_expect_eq(c.cycles, 3 + 3 + 3);
  cr_expect_eq(c.rounds, 2);
  cr_expect_eq(c.comparisons, 4 + 2 + 4);
}

/* The k-th lies right of the pivot: [1 2 3 4 5 6], k = 2, P = 8. Round 1
 * pivot index 3 (4): L = [4 5] (scores 5 6), |L| = 2 >= k, recurse: 3
 * cycles. Round 2 pivot L[1] = index 5 (6): L' = [], k = 2 > 1, so k = 1
 * in R' = [4]: 3 cycles. Round 3 over [4]: pivot is it: 3 cycles. Final
 * pass 3. Kept: indices 4 and 5. */
Test(topk, recurse_right) {
  const int64_t s[] = {1, 2, 3, 4, 5, 6};
  uint32_t keep[6];
  topk_cost_t c;
  cr_assert_eq(run(s, 6, 2, 8, keep, &c), 2);
  cr_expect_eq(keep[0], 4);
  cr_expect_eq(keep[1], 5);
  cr_expect_eq(c.rounds, 3);
  cr_expect_eq(c.cycles, 3 * 3 + 3);
  cr_expect_eq(c.comparisons, 6 + 2 + 1 + 6);
}

Test(topk, k_zero_and_k_all) {
  const int64_t s[] = {5, 1, 4, 2, 3};
  uint32_t keep[5];
  topk_cost_t c;
  cr_expect_eq(run(s, 5, 0, 2, keep, &c), 0);
  cr_expect_eq(c.cycles, 1);
  cr_expect_eq(run(s, 5, 5, 2, keep, &c), 5);
  cr_expect_eq(c.cycles, 3 + 2); /* the final pass only */
  cr_expect_eq(c.rounds, 0);
  for (int i = 0; i < 5; i++) cr_expect_eq(keep[i], (uint32_t)i);
}

/* Without data: rounds over n, ceil(n/2), ..., 1. n = 5, P = 2: rounds of
 * 5, 3, 2, 1 candidates = (3+2) + (2+2) + (1+2) + (1+2), final 3+2. */
Test(topk, estimate_halves) {
  topk_cost_t c;
  topk_estimate(5, 2, 2, &c);
  cr_expect_eq(c.rounds, 4);
  cr_expect_eq(c.cycles, 5 + 4 + 3 + 3 + 5);
  cr_expect_eq(c.comparisons, 5 + 3 + 2 + 1 + 5);
}

/* The engine keeps exactly what the golden top-k (a sort, written apart)
 * keeps, ties included: 2,000 random score vectors drawn from a few
 * values so ties are common, every k from 0 to n + 1. */
Test(topk, equals_golden_topk_on_random_scores) {
  uint64_t x = 88172645463325252ull;
  for (int t = 0; t < 2000; t++) {
    int64_t s[40];
    uint32_t keep[40], want[40], scratch[3 * 40];
    int n = 1 + t % 40;
    for (int i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
      s[i] = (int64_t)(x % (uint64_t)(t % 3 ? 5 : 1000)) - 2;
    }
    for (int k = 0; k <= n + 1; k++) {
      topk_cost_t c;
      int got = topk_run(s, n, k, 1 + t % 16, keep, scratch, &c);
      int ref = gold_topk(s, n, k, want);
      cr_assert_eq(got, ref, "vector %d k %d: kept %d, golden %d", t, k, got, ref);
      for (int i = 0; i < got; i++)
        cr_assert_eq(keep[i], want[i], "vector %d k %d index %d", t, k, i);
      cr_assert(c.cycles >= 1);
    }
  }
}

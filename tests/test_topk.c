/* The top-k engine model (sim/topk.c) against traces worked by hand from
 * docs/spatten.md: middle pivot, a three-way split by score (above kept in
 * order, equal counted and dropped, below kept in order), rounds of
 * ceil(m/P) + 2 cycles, a final pass of ceil(n/P) + 2. */
#include <criterion/criterion.h>
#include <stdlib.h>

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

/* All equal, k = 2, P = 4: round 1 pivot index 2 (score 3): nothing
 * above, 4 equal, so k = 2 <= 0 + 4 and t = 3 with keq = 2 (3 cycles);
 * the final pass keeps the first two ties, lower indices winning (3
 * cycles). */
Test(topk, ties_go_to_lower_indices) {
  const int64_t s[] = {3, 3, 3, 3};
  uint32_t keep[4];
  topk_cost_t c;
  cr_assert_eq(run(s, 4, 2, 4, keep, &c), 2);
  cr_expect_eq(keep[0], 0);
  cr_expect_eq(keep[1], 1);
  cr_expect_eq(c.cycles, 3 + 3);
  cr_expect_eq(c.rounds, 1);
  cr_expect_eq(c.comparisons, 4 + 4);
}

/* Tie-heavy: [2 1 2 1 2 1 2 0], k = 5, P = 4. Round 1 (m = 8) pivot c[4]
 * = index 4, score 2: above none, equal {0 2 4 6} (4), below [1 3 5 7];
 * k = 5 > 0 + 4, so k = 1 in R: ceil(8/4) + 2 = 4 cycles. Round 2 (m = 4)
 * pivot c[2] = index 5, score 1: above none, equal {1 3 5} (3), below
 * [7]; k = 1 <= 3, so t = 1 and keq = 1: ceil(4/4) + 2 = 3 cycles. Final
 * pass ceil(8/4) + 2 = 4: the four 2s and the first 1 (index 1). The old
 * rule (ties broken by index inside the rounds) took 3 rounds here. */
Test(topk, hand_traced_ties_three_way) {
  const int64_t s[] = {2, 1, 2, 1, 2, 1, 2, 0};
  const uint32_t want[] = {0, 1, 2, 4, 6};
  uint32_t keep[8];
  topk_cost_t c;
  cr_assert_eq(run(s, 8, 5, 4, keep, &c), 5);
  for (int i = 0; i < 5; i++) cr_expect_eq(keep[i], want[i], "kept[%d]", i);
  cr_expect_eq(c.rounds, 2);
  cr_expect_eq(c.cycles, 4 + 3 + 4);
  cr_expect_eq(c.comparisons, 8 + 4 + 8);
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

/* All equal, n = 4096: the first round's pivot ties with every candidate,
 * so it ends the search for every k in 1..n-1. From the formula: one round
 * and the final pass, 2 * (ceil(n/P) + 2) cycles = 2n/P + 4, linear in n
 * (the old rule needed log2(n) rounds, about 3n/P + 2 log2(n)). */
Test(topk, all_equal_is_linear) {
  enum { N = 4096 };
  int64_t *s = malloc(N * sizeof *s);
  uint32_t *keep = malloc(N * sizeof *keep), *scratch = malloc(3 * N * sizeof *scratch);
  cr_assert(s && keep && scratch);
  for (int i = 0; i < N; i++) s[i] = 7;
  for (int P = 1; P <= 64; P *= 4)
    for (int k = 1; k < N; k++) {
      topk_cost_t c;
      int got = topk_run(s, N, k, P, keep, scratch, &c);
      cr_assert_eq(got, k);
      cr_assert_eq(keep[k - 1], (uint32_t)(k - 1));
      cr_assert_eq(c.rounds, 1, "P %d k %d: %d rounds", P, k, (int)c.rounds);
      cr_assert_eq(c.cycles, 2 * ((N + P - 1) / P + 2), "P %d k %d", P, k);
    }
  free(s), free(keep), free(scratch);
}

/* Few distinct scores: every round drops all candidates tied with its
 * pivot, a distinct score gone for good, so with d distinct scores there
 * are at most d rounds of at most ceil(n/P) + 2 cycles each, plus the
 * final pass: cycles <= (d + 1) * (ceil(n/P) + 2), linear in n for fixed
 * d. n = 4096, d = 8, P = 16: at most 9 * 258 = 2322 cycles for every k
 * (the old rule took over 100 rounds on such vectors). */
Test(topk, few_distinct_scores_bound) {
  enum { N = 4096, D = 8, P = 16 };
  uint64_t x = 0x9E3779B97F4A7C15ull;
  int64_t *s = malloc(N * sizeof *s);
  uint32_t *keep = malloc(N * sizeof *keep), *scratch = malloc(3 * N * sizeof *scratch);
  cr_assert(s && keep && scratch);
  for (int t = 0; t < 4; t++) {
    for (int i = 0; i < N; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
      s[i] = (int64_t)(x % D);
    }
    for (int k = 1; k < N; k += 1 + t) {
      topk_cost_t c;
      topk_run(s, N, k, P, keep, scratch, &c);
      cr_assert_leq(c.rounds, D, "vector %d k %d", t, k);
      cr_assert_leq(c.cycles, (uint64_t)(D + 1) * (N / P + 2), "vector %d k %d", t, k);
    }
  }
  free(s), free(keep), free(scratch);
}

/* SpAtten's latency model (TopKLatencyModel.scala, mit-han-lab/spatten),
 * written apart: a uniformly random pivot, a three-way split by score,
 * ceil(m/P) + 3 cycles per round, no final pass. Returns its cycles for
 * the k-th best of s[0..n) (k in 1..n-1); s is reordered. */
static uint64_t spatten_model(int64_t *s, int64_t *tmp, int n, int k, int P,
                              uint64_t *rng) {
  uint64_t cyc = 0;
  for (int m = n;;) {
    int64_t v;
    int nl = 0, ne = 0, nh = 0;
    *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
    v = s[*rng % (uint64_t)m];
    cyc += (uint64_t)((m + P - 1) / P + 3);
    for (int i = 0; i < m; i++) ne += s[i] == v, nl += s[i] > v;
    if (k > nl && k <= nl + ne) return cyc;
    for (int i = 0; i < m; i++)
      if (k <= nl ? s[i] > v : s[i] < v) tmp[nh++] = s[i];
    if (k > nl) k -= nl + ne;
    for (int i = 0; i < nh; i++) s[i] = tmp[i];
    m = nh;
  }
}

/* On random scores (no ties) the rounds are SpAtten's: the mean of
 * attnsim's round cycles plus one per round (its overhead is 2, SpAtten's
 * 3) is SpAtten's mean within 3% over 2,000 vectors per size (docs/
 * spatten.md, "Against SpAtten's latency model"). The final pass,
 * ceil(n/P) + 2, is attnsim's own. */
Test(topk, rounds_match_spatten_latency_model) {
  enum { NMAX = 4096, P = 16, T = 2000 };
  static const int cases[][2] = {{1024, 32}, {1024, 128}, {4096, 32}};
  uint64_t x = 88172645463325252ull, y = 0x2545F4914F6CDD1Dull;
  int64_t *s = malloc(NMAX * sizeof *s), *s2 = malloc(NMAX * sizeof *s2),
          *tmp = malloc(NMAX * sizeof *tmp);
  uint32_t *keep = malloc(NMAX * sizeof *keep), *scratch = malloc(3 * NMAX * sizeof *scratch);
  cr_assert(s && s2 && tmp && keep && scratch);
  for (int ci = 0; ci < 3; ci++) {
    int n = cases[ci][0], k = cases[ci][1];
    double ours = 0, theirs = 0;
    for (int t = 0; t < T; t++) {
      topk_cost_t c;
      for (int i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        s[i] = s2[i] = (int32_t)(uint32_t)x;
      }
      topk_run(s, n, k, P, keep, scratch, &c);
      ours += (double)(c.cycles - (uint64_t)((n + P - 1) / P + 2) + c.rounds);
      theirs += (double)spatten_model(s2, tmp, n, k, P, &y);
    }
    cr_expect(ours > 0.97 * theirs && ours < 1.03 * theirs,
              "n %d k %d: attnsim rounds + 1/round %.1f, SpAtten %.1f", n, k, ours / T,
              theirs / T);
  }
  free(s), free(s2), free(tmp), free(keep), free(scratch);
}

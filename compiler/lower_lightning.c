/* lower_lightning.c - Lightning Attention-2's causal prefill and decode
 * (docs/lightning.md). The d x d state of the running head sits in the
 * last head_dim rows of OBUF (the P x V array's accumulators in state
 * mode); output rows take the rest. Per case, layer and head, per block of
 * B tokens [t0, t0 + n):
 *   LDK, LDV of the block's rows (one fetch each);
 *   per query row i: LDQ; QK over the block's keys 0..i; DMASK (the decay
 *   mask replaces the softmax); AV over the values 0..i (the intra part);
 *   SAPP (the inter part, lambda^(i+1) q S; not in the first block, whose
 *   state is empty); STO;
 *   SUPD (S = lambda^n S + sum_j lambda^(n-1-j) k_j^T v_j; FIRST on the
 *   first block), except after the last block.
 * No key or value row is read twice, and none is read after its block.
 *
 * Decode (one sequence; step, layer, head, as dense decode): the new
 * token's LDQ, LDK and LDV (its K and V rows from the projection, KN and
 * VN: there is no K/V cache), LDS of the head's state from the LS region
 * into the state rows, SUPD of the one row (S = lambda S + k^T v), SAPP
 * FIRST with n = 0 (o = q S), STO, STS of the state back. The state rows
 * are one slot, so the next head's LDS waits for this STS (the rows),
 * which also orders a state's store before the next step's load of it;
 * the next head's Q, K and V fetches overlap. */
#include "lower.h"

#include "lightning.h"

static void lt_block(comp_t *c, int cs, int l, int h, int t0, int n,
                     int srow, int32_t lam) {
  int kr = ring_alloc(&c->k, n), vr = ring_alloc(&c->v, n);
  emit(c, OP_LDK, kr, n, 0, 0, 0, lay_addr(&c->lay, LAY_K, cs, l, h, t0));
  emit(c, OP_LDV, vr, n, 0, 0, 0, lay_addr(&c->lay, LAY_V, cs, l, h, t0));
  for (int i = 0; i < n; i++) {
    int qr = ring_alloc(&c->q, 1), so = ring_alloc(&c->s, i + 1);
    int orow = ring_alloc(&c->o, 1);
    emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, cs, l, h, t0 + i));
    emit(c, OP_QK, qr, kr, i + 1, 0, so, 0);
    emit(c, OP_DMASK, so, i + 1, 0, 0, 0, (uint64_t)lam);
    emit(c, OP_AV, orow, vr, i + 1, 0, so, 0);
    if (t0 > 0) emit(c, OP_SAPP, orow, qr, srow, 0, i + 1, (uint64_t)lam);
    emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, t0 + i));
  }
  if (t0 + n < c->w->tokens[cs])
    emit(c, OP_SUPD, srow, kr, vr, t0 == 0 ? ISA_FIRST : 0, n, (uint64_t)lam);
}

/* Step t (position p) of layer l, head h. */
static void lt_step(comp_t *c, int l, int h, int p, int t, int srow) {
  int qr = ring_alloc(&c->q, 1), kr = ring_alloc(&c->k, 1);
  int vr = ring_alloc(&c->v, 1), orow = ring_alloc(&c->o, 1);
  uint64_t lam = (uint64_t)lt_head_lam(c->w, h);
  uint64_t sa = lay_addr(&c->lay, LAY_LS, 0, l, h, 0);
  emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, 0, l, h, p));
  emit(c, OP_LDK, kr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_KN, 0, l, h, p));
  emit(c, OP_LDV, vr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_VN, 0, l, h, p));
  emit(c, OP_LDS, srow, 0, 0, 0, 0, sa);
  emit(c, OP_SUPD, srow, kr, vr, 0, 1, lam);
  emit(c, OP_SAPP, orow, qr, srow, ISA_FIRST, 0, lam);
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, 0, l, h, t));
  emit(c, OP_STS, srow, 0, 0, 0, 0, sa);
}

static void lt_decode(comp_t *c, int srow) {
  const wl_t *w = c->w;
  for (int t = 0; t < w->generate; t++)
    for (int l = 0; l < w->layers; l++) {
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      for (int h = 0; h < w->heads; h++)
        lt_step(c, l, h, wl_query_pos(w, 0, t), t, srow);
    }
}

void lower_lightning(comp_t *c) {
  const wl_t *w = c->w;
  int srow = c->o.cap - w->head_dim; /* mech's hw check: cap >= d + 1 */
  c->o.cap = srow;
  if (wl_generates(w)) {
    lt_decode(c, srow);
    return;
  }
  for (int cs = 0; cs < w->ncases; cs++)
    for (int l = 0; l < w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (int h = 0; h < w->heads; h++)
        for (int t0 = 0; t0 < w->tokens[cs]; t0 += w->lt_block) {
          int n = w->tokens[cs] - t0;
          lt_block(c, cs, l, h, t0, n < w->lt_block ? n : w->lt_block, srow,
                   lt_head_lam(w, h));
        }
    }
}

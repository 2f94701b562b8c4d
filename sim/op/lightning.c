/* lightning.c - Lightning Attention-2's operations (docs/lightning.md,
 * arithmetic in common/ltfixed.h), on existing units in a new mode:
 *   DMASK on the softmax unit: the decay mask replaces the softmax; the
 *         powers lambda^k ride the exp pipeline (2^(k log2 lambda)).
 *   SAPP  on the P x V array: o += lambda^n (q S), the d state rows
 *         weighted by the query's elements (AV's form over OBUF rows).
 *   SUPD  on the P x V array: S = lambda^n S + sum_j lambda^(n-1-j)
 *         k_j^T v_j, per state row x an AV of the block's value rows
 *         weighted by k_j[x] lambda^(n-1-j), after a decay pass.
 *   LDS   on the value fetcher (decode): a head's state from the LS region
 *         into the state rows, 32-bit elements sign-extended.
 *   STS   on the store unit (decode): the state rows back to the LS
 *         region, each element saturated to 32 bits.
 * The state S is d rows of OBUF accumulators (int64, F frac bits); lam
 * (Q0.16) travels in the instruction's addr field. */
#include <string.h>

#include "lightning.h"
#include "ltfixed.h"
#include "op.h"

/* ---- DMASK: SBUF[soff+j] = rsh(SBUF[soff+j] w_{len-1-j}, 16 + 2F - P) */

static void dmask_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                       uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = (uint64_t)((in->b + t->smax_units - 1) / t->smax_units);
  *depth = (uint64_t)t->smax_exp;
}

/* Key j of the row is len-1-j tokens before the query (the last entry is
 * the query's own key, weight 1). */
static void dmask_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, w = LT_ONE_Q16;
  int n = in->b, sh = 16 + 2 * b->fx->frac_bits - b->fx->prob_bits;
  int32_t lam = (int32_t)in->addr;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_SBUF_READ_BYTES] += 4 * (uint64_t)n;
  st->c[ST_SBUF_WRITE_BYTES] += 4 * (uint64_t)n;
  if (!b->data) return;
  for (int j = n - 1; j >= 0; j--) {
    s[j] = lt_shift(s[j] * w, sh);
    w = lt_pow_next(w, lam);
  }
}

static int lam_ok(opctx_t *x, const char *op, const insn_t *in) {
  if (in->addr >= 1 && in->addr <= LT_ONE_Q16) return 0;
  return op_bad(x, op, "decay outside Q0.16 (0, 1] (got %ld, expected <= %ld)",
                (long)in->addr, LT_ONE_Q16);
}

static int dmask_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (lam_ok(x, "DMASK", in)) return x->e->status;
  return op_use(x, sl, BUF_S, 1, in->a, in->b);
}

const op_sem_t op_dmask = {
    .reads = BUFM(BUF_S), .writes = BUFM(BUF_S),
    .decode = dmask_decode, .cost = dmask_cost, .exec = dmask_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

/* ---- SAPP: OBUF[orow] (FIRST: =) += lt_shift(fx_rescale(q S, w_n), F - P) */

static void sapp_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)in;
  *occ = tm_av_cycles(t, b->d); /* d state rows, one weight each */
  *depth = (uint64_t)t->av_depth;
}

static void sapp_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int d = b->d, F = b->fx->frac_bits, P = b->fx->prob_bits;
  int64_t *o = b->o + (size_t)in->a * (size_t)d;
  const int64_t *S = b->o + (size_t)in->c * (size_t)d;
  const int16_t *q = b->q + (size_t)in->b * (size_t)d;
  int64_t w = lt_pow((int32_t)in->addr, in->e), u[1024];
  st->c[ST_AV_MACS] += (uint64_t)d * (uint64_t)d + (uint64_t)d;
  st->c[ST_QBUF_READ_BYTES] += (uint64_t)b->row_bytes;
  st->c[ST_OBUF_READ_BYTES] += 4 * (uint64_t)d * (uint64_t)(d + 1);
  st->c[ST_OBUF_WRITE_BYTES] += 4 * (uint64_t)d;
  if (!b->data) return;
  memset(u, 0, (size_t)d * sizeof u[0]);
  for (int x = 0; x < d; x++)
    for (int y = 0; y < d; y++) u[y] = lt_mac(u[y], q[x], S[(size_t)x * d + y]);
  if (in->d & ISA_FIRST) memset(o, 0, (size_t)d * sizeof o[0]);
  for (int y = 0; y < d; y++) o[y] += lt_shift(fx_rescale(u[y], (int32_t)w), F - P);
}

/* QBUF[qrow] and the state rows OBUF[srow..+d) read, OBUF[orow]
 * accumulated (commutes with the intra AV's accumulations; FIRST, decode's
 * only term: written). */
static int sapp_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (lam_ok(x, "SAPP", in)) return x->e->status;
  return op_use(x, sl, BUF_Q, 0, in->b, 1) ||
         op_use(x, sl, BUF_O, 0, in->c, x->b->d) ||
         op_use(x, sl, BUF_O, (in->d & ISA_FIRST) ? 1 : ACC_ADD, in->a, 1)
             ? x->e->status : 0;
}

const op_sem_t op_sapp = {
    .flags = ISA_FIRST,
    .reads = BUFM(BUF_Q) | BUFM(BUF_O), .writes = BUFM(BUF_O),
    .decode = sapp_decode, .cost = sapp_cost, .exec = sapp_exec,
};

/* ---- SUPD: the state update over a block of rows ------------------------ */

/* d passes of the block's rows (one per state row) and, unless FIRST, a
 * decay pass of the d state rows. */
static void supd_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  uint64_t d = (uint64_t)b->d;
  *occ = d * tm_av_cycles(t, in->e) +
         ((in->d & ISA_FIRST) ? 0 : d * tm_av_cycles(t, 1));
  *depth = (uint64_t)t->av_depth;
}

static void supd_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int d = b->d, n = in->e, sh = 16 + b->fx->frac_bits;
  bool first = in->d & ISA_FIRST;
  int64_t *S = b->o + (size_t)in->a * (size_t)d, wn, acc[1024], wj[4096];
  int32_t lam = (int32_t)in->addr;
  uint64_t dd = (uint64_t)d * (uint64_t)d;
  st->c[ST_AV_MACS] += (uint64_t)n * dd + (first ? 0 : dd);
  st->c[ST_KBUF_READ_BYTES] += (uint64_t)n * (uint64_t)b->row_bytes;
  st->c[ST_VBUF_READ_BYTES] += (uint64_t)n * (uint64_t)b->row_bytes;
  st->c[ST_OBUF_READ_BYTES] += first ? 0 : 4 * dd;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * dd;
  if (!b->data) return;
  wj[n - 1] = LT_ONE_Q16; /* wj[j] = w_{n-1-j} */
  for (int j = n - 2; j >= 0; j--) wj[j] = lt_pow_next(wj[j + 1], lam);
  wn = lt_pow_next(wj[0], lam);
  for (int x = 0; x < d; x++) {
    int64_t *row = S + (size_t)x * d;
    memset(acc, 0, (size_t)d * sizeof acc[0]);
    for (int j = 0; j < n; j++) {
      int64_t c = (int64_t)b->k[in->b + j][x] * wj[j];
      const int16_t *v = b->v[in->c + j];
      for (int y = 0; y < d; y++) acc[y] += c * v[y];
    }
    for (int y = 0; y < d; y++)
      row[y] = (first ? 0 : fx_rescale(row[y], (int32_t)wn)) + fx_rsh(acc[y], sh);
  }
}

/* KBUF[krow..+rows) and VBUF[vrow..+rows) read, the state rows written. */
static int supd_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (lam_ok(x, "SUPD", in)) return x->e->status;
  if (in->e > 4096)
    return op_bad(x, "SUPD", "block too long (got %ld rows, expected <= %ld)",
                  in->e, 4096);
  return op_use(x, sl, BUF_K, 0, in->b, in->e) ||
         op_use(x, sl, BUF_V, 0, in->c, in->e) ||
         op_use(x, sl, BUF_O, 1, in->a, x->b->d) ? x->e->status : 0;
}

const op_sem_t op_supd = {
    .flags = ISA_FIRST,
    .reads = BUFM(BUF_K) | BUFM(BUF_V) | BUFM(BUF_O),
    .writes = BUFM(BUF_O),
    .decode = supd_decode, .cost = supd_cost, .exec = supd_exec,
};

/* ---- LDS, STS: a head's state to and from the LS region (decode) -------- */

/* The d state rows OBUF[srow..+d) and d whole rows of the LS region. */
static int state_decode(opctx_t *x, slot_t *sl, int write) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_O, write, in->a, x->b->d) ||
         op_check_dram(x, sl, LAY_LS, false, x->b->d) ? x->e->status : 0;
}

static int lds_decode(opctx_t *x, slot_t *sl) { return state_decode(x, sl, 1); }
static int sts_decode(opctx_t *x, slot_t *sl) { return state_decode(x, sl, 0); }

static int no_state(opctx_t *x) {
  return err_set(x->e, ERR_RUN, "out of memory building lightning's state");
}

/* The state is in: its 32-bit elements into the accumulators. */
static int lds_complete(opctx_t *x, slot_t *sl, bool ran) {
  bufs_t *b = x->b;
  size_t dd = (size_t)b->d * (size_t)b->d;
  const int32_t *S;
  (void)ran;
  x->st->c[ST_OBUF_WRITE_BYTES] += 4 * (uint64_t)dd;
  if (!b->data) return 0;
  if (!(S = mi_state(x->mi, &sl->loc))) return no_state(x);
  for (size_t e = 0; e < dd; e++) b->o[(size_t)sl->in.a * (size_t)b->d + e] = S[e];
  return 0;
}

/* Written when the store starts, as STO's row (its bytes then stream out
 * through the store unit). */
static int sts_start(opctx_t *x, slot_t *sl) {
  bufs_t *b = x->b;
  size_t dd = (size_t)b->d * (size_t)b->d;
  int32_t *S;
  x->st->c[ST_OBUF_READ_BYTES] += 4 * (uint64_t)dd;
  if (!b->data) return 0;
  if (!(S = mi_state(x->mi, &sl->loc))) return no_state(x);
  for (size_t e = 0; e < dd; e++)
    S[e] = lt_sat32(b->o[(size_t)sl->in.a * (size_t)b->d + e]);
  return 0;
}

const op_sem_t op_lds = {
    .writes = BUFM(BUF_O),
    .dram_fill = true,
    .decode = lds_decode, .complete = lds_complete,
};

const op_sem_t op_sts = {
    .reads = BUFM(BUF_O),
    .decode = sts_decode, .start = sts_start,
};

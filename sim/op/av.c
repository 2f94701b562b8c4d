/* av.c - AV and LCE on the probability x V array: av_multipliers multipliers, an
 * adder tree across value rows and one accumulator per output element.
 * Values enter at the layer's value bits; with VSEL the probabilities are
 * those of the value rows local value pruning kept (IBUF). */
#include <string.h>

#include "bfshape.h"
#include "op.h"
#include "simd.h"

void av_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = tm_av_cycles(t, in->c);
  *depth = (uint64_t)t->av_depth;
}

/* LCE: the whole kernel's taps pass the array, whatever the box. */
static void lce_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  (void)in;
  *occ = tm_av_cycles(t, b->lce_k * b->lce_k);
  *depth = (uint64_t)t->av_depth;
}

/* acc[j] += sum over rows of p_i * cut(v_i[j]) (sched_cut: v itself for
 * the cut {-1, 0}, else sched_quant of it); partial sums of up to
 * av32_rows rows fit 32 bits (a cut value stays inside the width), so
 * they are exact before widening. Inlined into the two kernels below, so
 * the plain one's cut folds away. */
static inline __attribute__((always_inline)) void
accumulate_rows(const bufs_t *b, const int64_t *p, const int16_t *const *v,
                int rows, int64_t *acc, sched_cut_t c) {
  int32_t part[1024];
  int d = b->dv, i, j, r0, r1;
  for (r0 = 0; r0 < rows; r0 = r1) {
    r1 = r0 + b->av32_rows < rows ? r0 + b->av32_rows : rows;
    memset(part, 0, (size_t)d * sizeof part[0]);
    for (i = r0; i < r1; i++) {
      const int16_t *vr = v[i];
      if (p[i] <= INT16_MAX) { /* 16 x 16 -> 32-bit products vectorise best */
        int16_t pi = (int16_t)p[i];
        for (j = 0; j < d; j++)
          part[j] += (int32_t)pi * (int32_t)sched_cut_apply(vr[j], c);
      } else {
        int32_t pi = (int32_t)p[i];
        for (j = 0; j < d; j++) part[j] += pi * sched_cut_apply(vr[j], c);
      }
    }
    for (j = 0; j < d; j++) acc[j] += part[j];
  }
}

/* acc[j] += sum over rows of p_i * v_i[j] (weights in [0, 2^P)). */
SIMD_CLONES static void accumulate(const bufs_t *b, const int64_t *p,
                                   const int16_t *const *v, int rows,
                                   int64_t *acc) {
  accumulate_rows(b, p, v, rows, acc, sched_cut(b->width, b->width));
}

/* The same with each value cut (sched_cut). */
SIMD_CLONES static void accumulate_cut(const bufs_t *b, const int64_t *p,
                                       const int16_t *const *v, int rows,
                                       int64_t *acc, sched_cut_t c) {
  accumulate_rows(b, p, v, rows, acc, c);
}

/* The same in 64 bits, for weights above the probabilities' range (the
 * online softmax's exp terms, up to 2^16: docs/tiling.md). */
static void accumulate64(const bufs_t *b, const int64_t *p,
                         const int16_t *const *v, int rows, int64_t *acc) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < b->dv; j++) acc[j] += p[i] * v[i][j];
}

/* Some weight exceeds the probabilities' range, 2^P - 1, or is negative
 * (Lightning's decay-masked scores, docs/lightning.md). */
static bool big_weights(const bufs_t *b, const int64_t *p, int rows) {
  int64_t pmax = ((int64_t)1 << b->fx->prob_bits) - 1;
  for (int i = 0; i < rows; i++)
    if (p[i] > pmax || p[i] < 0) return true;
  return false;
}

/* The same with each value cut to its `bits` most significant bits, any
 * weights: 64-bit sums, as accumulate64. */
static void accumulate_q(const bufs_t *b, const int64_t *p,
                         const int16_t *const *v, int rows, int bits,
                         int64_t *acc) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < b->dv; j++)
      acc[j] += p[i] * sched_quant(v[i][j], bits, b->width);
}

/* Values cut to `bits` < width: the exact integer sums of accumulate_q,
 * vectorised through accumulate_cut when the weights are probabilities. */
static void accumulate_bits(const bufs_t *b, const int64_t *p,
                            const int16_t *const *v, int rows, int bits,
                            int64_t *acc) {
  if (big_weights(b, p, rows)) {
    accumulate_q(b, p, v, rows, bits, acc);
    return;
  }
  accumulate_cut(b, p, v, rows, acc, sched_cut(bits, b->width));
}

/* BiFormer's LCE (docs/biformer.md): OBUF[orow] (+)= sum over the tap box
 * of w(ty, tx) * VBUF[vrow + ty tw + tx], element by element: the array's
 * multipliers take a weight row instead of one broadcast probability. It
 * costs kern^2 rows whatever the box (padded taps are zeros in flight). */
static void lce_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d;
  const dctx_t *cx = &b->sp->ctx;
  int k = b->lce_k;
  uint64_t taps = (uint64_t)(k * k), d = (uint64_t)b->d;
  if (b->data) {
    if (b->lce_for[0] != cx->unit || b->lce_for[1] != cx->layer ||
        b->lce_for[2] != cx->head) { /* a head's queries come together */
      bf_lce_weights(b->fx->prob_bits, k, cx->unit, cx->layer, cx->head, b->d,
                     b->lce_w);
      b->lce_for[0] = cx->unit, b->lce_for[1] = cx->layer, b->lce_for[2] = cx->head;
    }
    if (!(in->d & ISA_ACC)) memset(o, 0, (size_t)d * sizeof *o);
    for (int ty = ISA_TAP(in->e, 0); ty < ISA_TAP(in->e, 1); ty++)
      for (int tx = ISA_TAP(in->e, 2); tx < ISA_TAP(in->e, 3); tx++) {
        const int16_t *v = b->v[in->b + ty * in->c + tx];
        const int32_t *w = b->lce_w + (size_t)(ty * k + tx) * (size_t)b->d;
        for (int j = 0; j < b->d; j++) o[j] += (int64_t)w[j] * v[j];
      }
  }
  st->c[ST_LCE_MACS] += taps * d;
  st->c[ST_VBUF_READ_BYTES] += taps * (uint64_t)b->row_bytes;
  st->c[ST_OBUF_READ_BYTES] += (in->d & ISA_ACC) ? 4 * d : 0;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
}

/* OBUF[orow] = (acc ? OBUF[orow] : 0) + sum_i p_i * VBUF[vrow+i], p_i =
 * SBUF[soff+i], or SBUF[soff+IBUF[sel+i]] with VSEL. A value row has dv
 * elements (model.v_from_k: the first dv of a key row); the rest of the
 * output row stays zero. */
void av_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d;
  uint64_t n = in->c, d = (uint64_t)b->dv;
  const int64_t *p = b->s + in->e;
  if (b->data) {
    if (!(in->d & ISA_ACC)) memset(o, 0, (size_t)b->d * sizeof *o);
    const int16_t *const *v = b->v + in->b;
    if (in->d & ISA_VSEL) {
      const uint32_t *sel = b->sp->ibuf + AV_SEL(in);
      for (int i = 0; i < in->c; i++) b->sp->pscratch[i] = p[sel[i]];
      p = b->sp->pscratch;
      if (in->d & ISA_VIDX) { /* resident values, the kept rows only */
        for (int i = 0; i < in->c; i++) b->sp->vscratch[i] = v[sel[i]];
        v = b->sp->vscratch;
      }
    }
    if (b->sp->rule.vbits < b->width)
      accumulate_bits(b, p, v, in->c, b->sp->rule.vbits, o);
    else if (big_weights(b, p, in->c))
      accumulate64(b, p, v, in->c, o);
    else
      accumulate(b, p, v, in->c, o);
  }
  st->c[ST_AV_MACS] += n * d;
  st->c[ST_VBUF_READ_BYTES] += n * (uint64_t)b->vrow_bytes;
  st->c[ST_SBUF_READ_BYTES] += 4 * n;
  st->c[ST_OBUF_READ_BYTES] += (in->d & ISA_ACC) ? 4 * d : 0;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
}

/* OBUF[orow] (accumulating chunks commute: exact integer sums), the value
 * rows, and the probabilities: SBUF[soff..+rows) or, with VSEL, the
 * positions IBUF[sel..+rows) picks out of SBUF[soff..+seg). */
static int av_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (op_use(x, sl, BUF_O, (in->d & ISA_ACC) ? ACC_ADD : 1, in->a, 1) ||
      op_use(x, sl, BUF_V, 0, in->b, (in->d & ISA_VIDX) ? AV_SEG(in) : in->c) ||
      op_pred_use(x, sl))
    return x->e->status;
  if (!(in->d & ISA_VSEL))
    return in->addr ? op_bad(x, "AV", "sel without VSEL (got %ld, expected %ld)",
                             (long)in->addr, 0)
                    : op_use(x, sl, BUF_S, 0, in->e, in->c);
  return op_use(x, sl, BUF_I, 0, AV_SEL(in), in->c) ||
         op_use(x, sl, BUF_S, 0, in->e, AV_SEG(in)) ? x->e->status : 0;
}

/* LCE reads the VBUF rows of its tap box: tap (ty, tx) at vrow + ty tw +
 * tx, the box inside the workload's kernel. */
static int lce_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  int k = x->b->lce_k, t0 = ISA_TAP(in->e, 0), t1 = ISA_TAP(in->e, 1);
  int x0 = ISA_TAP(in->e, 2), x1 = ISA_TAP(in->e, 3);
  if (!k || t0 >= t1 || x0 >= x1 || t1 > k || x1 > k || in->c < x1)
    return op_bad(x, "LCE", "tap box not inside the kernel (got taps 0x%lx, "
                  "expected rows and columns below biformer.lce_kernel = %ld "
                  "and tw)", in->e, k);
  return op_use(x, sl, BUF_O, 1, in->a, 1) ||
         op_use(x, sl, BUF_V, 0, (long)in->b + t0 * in->c + x0,
                (long)(t1 - 1 - t0) * in->c + x1 - x0) ? x->e->status : 0;
}

const op_sem_t op_av = {
    /* PRED: MoH skips an unrouted pair (docs/moh.md), gated attention a
     * closed row's sum (docs/gated.md) */
    .flags = ISA_ACC | ISA_VSEL | ISA_VIDX | ISA_PRED | ISA_PREG_FIELD,
    .needs = {ISA_VIDX, ISA_VSEL},
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_V) | BUFM(BUF_S) | BUFM(BUF_I) | BUFM(BUF_P),
    .writes = BUFM(BUF_O),
    .decode = av_decode, .cost = av_cost, .exec = av_exec,
};

const op_sem_t op_lce = {
    .flags = ISA_ACC,
    .reads = BUFM(BUF_V), .writes = BUFM(BUF_O),
    .decode = lce_decode, .cost = lce_cost, .exec = lce_exec,
};

/* ORSC: one pass of the accumulator row through the array, times alpha. */
static void orsc_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)b, (void)in;
  *occ = tm_av_cycles(t, 1);
  *depth = (uint64_t)t->av_depth;
}

/* OBUF[orow] = fx_rescale(OBUF[orow], alpha of MBUF[orow]): the online
 * softmax's rescale before a tile's accumulation (docs/tiling.md). */
static void orsc_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d;
  uint64_t d = (uint64_t)b->dv; /* the output row's elements (the rest 0) */
  st->c[ST_AV_MACS] += d;
  st->c[ST_OBUF_READ_BYTES] += 4 * d;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
  if (!b->data) return;
  for (int j = 0; j < b->dv; j++) o[j] = fx_rescale(o[j], b->oalpha[in->a]);
}

/* OBUF[orow] rewritten (a rescale does not commute with accumulations),
 * MBUF[orow] read. */
static int orsc_decode(opctx_t *x, slot_t *sl) {
  return op_use(x, sl, BUF_O, 1, sl->in.a, 1) ||
         op_use(x, sl, BUF_M, 0, sl->in.a, 1) ? x->e->status : 0;
}

const op_sem_t op_orsc = {
    .reads = BUFM(BUF_O) | BUFM(BUF_M), .writes = BUFM(BUF_O),
    .decode = orsc_decode, .cost = orsc_cost, .exec = orsc_exec,
};

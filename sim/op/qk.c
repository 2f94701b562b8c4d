/* qk.c - QK on the Q x K array: qk_multipliers multipliers feeding an
 * adder reduction tree; one query row against `rows` key rows. Keys enter
 * at the bits the layer's schedule fetched (docs/spatten.md): the MSBs, or
 * with the FULL flag the MSBs and the refetched LSBs. */
#include "op.h"
#include "simd.h"

void qk_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = tm_qk_cycles(t, in->c);
  *depth = (uint64_t)t->qk_depth;
}

SIMD_CLONES static int64_t dot32(const int16_t *a, const int16_t *b, int d) {
  int32_t s = 0;
  int i;
  for (i = 0; i < d; i++) s += (int32_t)a[i] * b[i];
  return s;
}

SIMD_CLONES static int64_t dot64(const int16_t *a, const int16_t *b, int d) {
  int64_t s = 0;
  int i;
  for (i = 0; i < d; i++) s += (int64_t)a[i] * b[i];
  return s;
}

/* dot32 and dot64 with the key cut to its MSBs (sched_cut: sched_quant
 * per element in 16-bit operations), fused into the vectorised dot
 * product (a key row meets one query row at a time in decode: a cut copy
 * would not be reused). */
SIMD_CLONES static int64_t dot32_cut(const int16_t *a, const int16_t *k, int d,
                                     int16_t mask, int16_t half) {
  const sched_cut_t c = {mask, half}; /* passed apart: cheaper per call */
  int32_t s = 0;
  for (int i = 0; i < d; i++) s += (int32_t)a[i] * sched_cut_apply(k[i], c);
  return s;
}

SIMD_CLONES static int64_t dot64_cut(const int16_t *a, const int16_t *k, int d,
                                     int16_t mask, int16_t half) {
  const sched_cut_t c = {mask, half};
  int64_t s = 0;
  for (int i = 0; i < d; i++) s += (int64_t)a[i] * sched_cut_apply(k[i], c);
  return s;
}

/* q . KBUF row, the row cut to `bits` MSBs when bits < width (exactly the
 * integer sum of q_i * sched_quant(k_i)); 32-bit sums where they fit. */
static int64_t qk_dot(const bufs_t *b, const int16_t *q, const int16_t *k,
                      int bits) {
  sched_cut_t c;
  if (bits >= b->width) return b->dot32 ? dot32(q, k, b->d) : dot64(q, k, b->d);
  c = sched_cut(bits, b->width);
  return b->dot32 ? dot32_cut(q, k, b->d, c.mask, c.half)
                  : dot64_cut(q, k, b->d, c.mask, c.half);
}

/* SBUF[soff+i] (+)= QBUF[qrow] . KBUF[krow+i]: exact integer dot
 * products; with ROUTE the rows are pooled regions (BiFormer's routing). */
void qk_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  const int16_t *q = b->q + (size_t)in->a * (size_t)b->d;
  int64_t *s = b->s + in->e;
  int i, n = in->c;
  int bits = (in->d & ISA_FULL) ? b->sp->rule.full : b->sp->rule.msb;
  for (i = 0; b->data && i < n; i++) {
    int64_t dot = qk_dot(b, q, b->k[in->b + i], bits);
    s[i] = (in->d & ISA_SACC) ? s[i] + dot : dot; /* SACC: sum over heads */
  }
  st->c[(in->d & ISA_ROUTE) ? ST_ROUTING_MACS : ST_QK_MACS] +=
      (uint64_t)n * (uint64_t)b->d;
  st->c[ST_SBUF_READ_BYTES] += (in->d & ISA_SACC) ? 4 * (uint64_t)n : 0;
  st->c[ST_QBUF_READ_BYTES] += (uint64_t)b->row_bytes;
  st->c[ST_KBUF_READ_BYTES] += (uint64_t)n * (uint64_t)b->row_bytes;
  st->c[ST_SBUF_WRITE_BYTES] += 4 * (uint64_t)n;
}

/* QBUF[qrow], KBUF[krow..+rows) (and their LSBs with FULL) into
 * SBUF[soff..+rows). */
static int qk_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_Q, 0, in->a, 1) || op_use(x, sl, BUF_K, 0, in->b, in->c) ||
         ((in->d & ISA_FULL) && op_use(x, sl, BUF_KL, 0, in->b, in->c)) ||
         op_use(x, sl, BUF_S, 1, in->e, in->c) || op_pred_use(x, sl) ? x->e->status : 0;
}

const op_sem_t op_qk = {
    .flags = ISA_FULL | ISA_SACC | ISA_ROUTE | ISA_PRED | ISA_PREG_FIELD,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_Q) | BUFM(BUF_K) | BUFM(BUF_KL) | BUFM(BUF_P),
    .writes = BUFM(BUF_S),
    .decode = qk_decode, .cost = qk_cost, .exec = qk_exec,
};

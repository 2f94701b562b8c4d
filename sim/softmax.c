/* softmax.c - the softmax pipeline: scale and max pass, exp and sum pass,
 * normalisation pass, in the datapath's fixed point (common/fixed.h). */
#include "pipe.h"

void smax_cost(const timing_t *t, const insn_t *in, uint64_t *occ,
               uint64_t *depth) {
  *occ = tm_smax_cycles(t, in->b);
  *depth = (uint64_t)t->smax_depth;
}

/* In place over SBUF[soff..soff+len): scores -> probabilities. */
void smax_exec(const bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, m, sum = 0;
  int i, n = in->b;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_SBUF_READ_BYTES] += 12 * (uint64_t)n;
  st->c[ST_SBUF_WRITE_BYTES] += 8 * (uint64_t)n;
  if (!b->data) return;
  for (i = 0; i < n; i++) s[i] = fx_scale(b->fx, s[i]);
  m = s[0];
  for (i = 1; i < n; i++)
    if (s[i] > m) m = s[i];
  for (i = 0; i < n; i++) {
    s[i] = fx_exp(b->fx, s[i] - m);
    sum += s[i];
  }
  for (i = 0; i < n; i++) s[i] = fx_prob(b->fx, s[i], sum);
}

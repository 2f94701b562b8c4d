/* schedule.h - the SpAtten schedule of a workload as integers.
 *
 * docs/spatten.md defines every rule; this header is the one place the
 * workload's fractions and bit counts become the integers the compiler,
 * the simulator and the golden model all use, so none of them can round
 * differently. It holds definitions of the workload, not of any model.
 */
#ifndef ATTN_SCHEDULE_H
#define ATTN_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

#define SCHED_FRAC_BITS 20

/* The workload key of each schedule list (wl_t.sched[k]). */
extern const char *const sched_key[WL_S_COUNT];

typedef struct sched_layer {
  uint32_t token_keep, head_keep, value_keep; /* fractions x 2^20 */
  int msb;        /* key bits of the first fetch (<= width) */
  int full;       /* key bits after a refetch (msb when it cannot happen) */
  int vbits;      /* value bits (<= width) */
  bool refetch;   /* the layer can refetch low bits */
  uint32_t thr16; /* threshold x 2^16, at most 65535 */
} sched_layer_t;

/* Layer l's rules for a datapath of `width` bits. */
void sched_layer(const wl_t *w, int width, int l, sched_layer_t *s);
/* True when any layer prunes or quantizes (else the run is dense). */
bool sched_active(const wl_t *w, int width);
/* min(n, ceil(frac * n)) for frac in 2^-20 units, in integers. */
int sched_keep(uint32_t frac, int n);
/* A width-bit code known only by its b most significant bits, as the
 * datapath reconstructs it: the middle of the interval those bits leave
 * open, floor(x / 2^s) * 2^s + 2^(s-1) with s = width - b (unbiased; the
 * result stays inside the interval, so inside the width). */
static inline int16_t sched_quant(int16_t x, int bits, int width) {
  int s = width - bits;
  if (s <= 0) return x;
  return (int16_t)((x >> s) * (1 << s) + (1 << (s - 1))); /* >>: arithmetic */
}
/* sched_quant in 16-bit operations, for vectorised kernels: with
 * s = width - bits > 0, floor(x / 2^s) 2^s + 2^(s-1) = (x & -2^s) |
 * 2^(s-1) (two's complement: the low s bits are zero before the OR), so
 * sched_cut_apply(x, sched_cut(bits, width)) = sched_quant(x, bits,
 * width); for s <= 0 the cut is mask -1, half 0 (x itself). */
typedef struct sched_cut {
  int16_t mask, half;
} sched_cut_t;
static inline sched_cut_t sched_cut(int bits, int width) {
  int s = width - bits;
  sched_cut_t c = {-1, 0};
  if (s > 0) c.mask = (int16_t)-(1 << s), c.half = (int16_t)(1 << (s - 1));
  return c;
}
static inline int16_t sched_cut_apply(int16_t x, sched_cut_t c) {
  return (int16_t)((x & c.mask) | c.half);
}
/* Does a query refetch? pmax: its largest probability (prob_bits bits). */
static inline bool sched_refetch(const sched_layer_t *s, uint32_t pmax,
                                 int prob_bits) {
  return s->refetch && (pmax << (16 - prob_bits)) < s->thr16;
}

#endif

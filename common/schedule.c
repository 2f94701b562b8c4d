#include "schedule.h"

const char *const sched_key[WL_S_COUNT] = {
  "schedule.token_keep", "schedule.head_keep", "schedule.value_keep",
  "schedule.key_msb_bits", "schedule.key_lsb_bits", "schedule.value_bits",
  "schedule.threshold"};

#include <math.h>

/* Entry l of a schedule list (a single entry applies to every layer). */
static double sched_at(const wl_t *w, int key, int l) {
  return w->sched[key][w->sched_n[key] > 1 ? l : 0];
}

static uint32_t sched_frac(double r) {
  return (uint32_t)lround(r * (double)(1u << SCHED_FRAC_BITS));
}

/* Bits as given, 0 or >= width meaning the full width. */
static int sched_bits(double b, int width) {
  int i = (int)b;
  return i <= 0 || i >= width ? width : i;
}

void sched_layer(const wl_t *w, int width, int l, sched_layer_t *s) {
  double t = sched_at(w, WL_S_THRESHOLD, l);
  int lsb = (int)sched_at(w, WL_S_KEY_LSB, l);
  s->token_keep = sched_frac(sched_at(w, WL_S_TOKEN_KEEP, l));
  s->head_keep = sched_frac(sched_at(w, WL_S_HEAD_KEEP, l));
  s->value_keep = sched_frac(sched_at(w, WL_S_VALUE_KEEP, l));
  s->msb = sched_bits(sched_at(w, WL_S_KEY_MSB, l), width);
  s->refetch = lsb > 0 && s->msb < width;
  s->full = s->refetch ? (s->msb + lsb < width ? s->msb + lsb : width) : s->msb;
  s->vbits = sched_bits(sched_at(w, WL_S_VALUE_BITS, l), width);
  s->thr16 = t * 65536.0 >= 65535.0 ? 65535u : (uint32_t)lround(t * 65536.0);
}

bool sched_active(const wl_t *w, int width) {
  const uint32_t one = 1u << SCHED_FRAC_BITS;
  for (int l = 0; l < w->layers; l++) {
    sched_layer_t s;
    sched_layer(w, width, l, &s);
    if (s.token_keep < one || s.head_keep < one || s.value_keep < one ||
        s.msb < width || s.vbits < width)
      return true;
  }
  return false;
}

int sched_keep(uint32_t frac, int n) {
  int64_t k = ((int64_t)n * frac + ((int64_t)1 << SCHED_FRAC_BITS) - 1) >>
              SCHED_FRAC_BITS;
  return k < n ? (int)k : n;
}

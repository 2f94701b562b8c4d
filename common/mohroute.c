/* mohroute.c - the router scores of docs/moh.md. */
#include "mohroute.h"

/* splitmix64's finaliser (Steele et al. 2014): a bijection that mixes
 * every input bit into every output bit. */
static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t moh_score(uint64_t seed, int cs, int layer, int t, int h,
                  int frac_bits) {
  uint64_t z = mix(seed + 0x9E3779B97F4A7C15ull * 0x4D6F48ull); /* "MoH" */
  int64_t span = (int64_t)8 << frac_bits; /* [-4, 4) */
  z = mix(z ^ (uint64_t)(uint32_t)cs);
  z = mix(z ^ (uint64_t)(uint32_t)layer);
  z = mix(z ^ (uint64_t)(uint32_t)t);
  z = mix(z ^ (uint64_t)(uint32_t)h);
  return (int64_t)(z % (uint64_t)span) - span / 2;
}

void moh_scores(const ten_t *t, const wl_t *w, const fx_t *fx, int cs,
                int layer, int tok, int h0, int n, int64_t *out) {
  float f[64]; /* moh.router is read with moh.topk > 0, so R <= 64 */
  if (w->source != WL_NPY) {
    for (int i = 0; i < n; i++)
      out[i] = moh_score(w->seed, cs, layer, tok, h0 + i, fx->frac_bits);
    return;
  }
  ten_router(t, layer, tok, f);
  for (int i = 0; i < n; i++) out[i] = fx_quant(fx, f[h0 - w->moh_shared + i]);
}

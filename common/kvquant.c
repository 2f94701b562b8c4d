/* kvquant.c - the quantized cache's boundary, sizes and block
 * quantization (kvquant.h, docs/kivi.md). */
#include "kvquant.h"

int kvq_boundary(const wl_t *w, int n) {
  int g = w->kvq_group, q = n - w->kvq_residual;
  if (!w->kvq_bits || q <= 0) return 0;
  return q / g * g;
}

int kvq_rows(const wl_t *w, int cs, int q) {
  int n = w->phase == WL_DECODE ? wl_keys(w, cs, q) : wl_ctx_tokens(w, cs);
  return kvq_boundary(w, n);
}

int kvq_key_row_bytes(const wl_t *w) {
  return (w->head_dim * w->kvq_bits + 7) / 8;
}

int kvq_key_meta_bytes(const wl_t *w) { return KVQ_META_BYTES * w->head_dim; }

int kvq_value_row_bytes(const wl_t *w) {
  return kvq_key_row_bytes(w) + KVQ_META_BYTES * (w->head_dim / w->kvq_group);
}

/* One group: n elements at x[0], x[step], ... quantized and dequantized. */
static void group(int16_t *x, int n, int step, int bits, int width) {
  int32_t mn = x[0], mx = x[0];
  kvq_param_t p;
  for (int i = 1; i < n; i++) {
    int32_t v = x[(long)i * step];
    mn = v < mn ? v : mn;
    mx = v > mx ? v : mx;
  }
  p = kvq_param(mn, mx, bits);
  for (int i = 0; i < n; i++)
    x[(long)i * step] = kvq_deq(p, kvq_code(p, x[(long)i * step], bits), width);
}

void kvq_block(const wl_t *w, int width, bool key, int16_t *x, int rows) {
  int d = w->head_dim, g = w->kvq_group, b = w->kvq_bits;
  if (!b) return;
  if (key) /* channel c of tokens [t, t+G): x[t*d + c], step d */
    for (int t = 0; t + g <= rows; t += g)
      for (int c = 0; c < d; c++) group(x + (long)t * d + c, g, d, b, width);
  else /* token t's channels [c, c+G) */
    for (int t = 0; t < rows; t++)
      for (int c = 0; c < d; c += g) group(x + (long)t * d + c, g, 1, b, width);
}

/* kvquant.h - KIVI-style K/V cache quantization (docs/kivi.md): the
 * arithmetic contract the simulator's fetchers, the golden model and the
 * layout share, so a quantized run can be checked bit for bit.
 *
 * With b = kv_quant.bits, G = kv_quant.group, R = kv_quant.residual and W
 * the datapath width, a group is a set of 16-bit fixed-point elements x
 * (common/fixed.h): keys per channel (G consecutive tokens of one
 * channel), values per token (G consecutive channels of one token row).
 * All integer arithmetic:
 *   zero  z = min x                                     int16 (16 bits)
 *   scale s = max(1, ceil((max x - z) / (2^b - 1)))     uint16 (16 bits)
 *   code  c = min(2^b - 1, floor((x - z + floor(s/2)) / s))   b bits
 *   x'      = sat_W(z + c * s)                          the dequantized value
 * so |x - x'| <= floor(s/2) for every element.
 *
 * Which rows are quantized: when the cache holds n tokens, its first
 *   B(n) = floor(max(0, n - R) / G) * G
 * tokens are quantized (whole key groups), the latest n - B(n) stay at
 * 16 bits (the residual). A query's cache (kvq_rows): decode step q holds
 * n = prompt + q + 1 tokens; a prefill case reads its whole context as a
 * cache of wl_ctx_tokens tokens, for every query (docs/kivi.md).
 */
#ifndef ATTN_KVQUANT_H
#define ATTN_KVQUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

#define KVQ_META_BYTES 4 /* a 16-bit zero and a 16-bit scale per group */

typedef struct kvq_param {
  int32_t zero;  /* group min */
  int32_t scale; /* >= 1 */
} kvq_param_t;

/* The parameters of a group whose elements lie in [mn, mx]. */
static inline kvq_param_t kvq_param(int32_t mn, int32_t mx, int bits) {
  kvq_param_t p;
  int32_t levels = (1 << bits) - 1, range = mx - mn;
  p.zero = mn;
  p.scale = (range + levels - 1) / levels;
  if (p.scale < 1) p.scale = 1;
  return p;
}

static inline int32_t kvq_code(kvq_param_t p, int32_t x, int bits) {
  int32_t c = (x - p.zero + p.scale / 2) / p.scale, cmax = (1 << bits) - 1;
  return c > cmax ? cmax : c;
}

/* sat_W(z + c * s) */
static inline int16_t kvq_deq(kvq_param_t p, int32_t code, int width) {
  int32_t v = p.zero + code * p.scale, hi = (1 << (width - 1)) - 1;
  return (int16_t)(v > hi ? hi : v < -hi - 1 ? -hi - 1 : v);
}

/* B(n): quantized tokens of a cache of n tokens (0 when off). */
int kvq_boundary(const wl_t *w, int n);
/* Quantized rows of the cache query q of case cs reads (0 when off). */
int kvq_rows(const wl_t *w, int cs, int q);

/* DRAM bytes (docs/kivi.md): a quantized key row's codes ceil(d b / 8);
 * a key group's metadata (one zero and scale per channel) 4 d; a quantized
 * value row, codes then its groups' metadata, ceil(d b / 8) + 4 d / G. */
int kvq_key_row_bytes(const wl_t *w);
int kvq_key_meta_bytes(const wl_t *w);
int kvq_value_row_bytes(const wl_t *w);

/* Quantize then dequantize a [rows][d] block in place with the contract
 * above: keys (key true) per channel in groups of G tokens, only whole
 * groups (the rows of a trailing partial group are left as they are);
 * values per token in groups of G channels. */
void kvq_block(const wl_t *w, int width, bool key, int16_t *x, int rows);

#endif

/* serve.h - the golden K/V cache of decode and serve (docs/serve.md). */
#ifndef ATTN_GOLDEN_SERVE_H
#define ATTN_GOLDEN_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "fixed.h"
#include "tensor.h"
#include "workload.h"

/* The K (key true) or V cache of K/V head kvh of sequence cs in layer
 * `layer` once every token is generated: rows 0 .. wl_ctx_tokens - 1,
 * position p's row quantized to the datapath (the prompt's rows were
 * there, or serve's prefill appended them; step t appended row P + t).
 * out holds wl_ctx_tokens x head_dim elements. */
void gold_cache_fixed(const fx_t *fx, const wl_t *w, const ten_t *t, bool key,
                      int cs, int layer, int kvh, int16_t *out);

#endif

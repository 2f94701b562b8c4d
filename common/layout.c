#include "layout.h"

#include "kvquant.h"
#include "lmshape.h"
#include "isa.h"
#include "schedule.h"

#include <string.h>

#define LAY_ALIGN (UINT64_C(1) << 20)
#define LAY_MAX_ROWS AV_FIELD_MAX /* most rows or entries a buffer holds */

static uint64_t align_up(uint64_t x) {
  return (x + LAY_ALIGN - 1) & ~(LAY_ALIGN - 1);
}

static int block_rows(const wl_t *w, lay_tensor_t t, int cs) {
  if (t == LAY_KM) /* key groups, the last one partial */
    return w->kvq_bits ? (wl_ctx_tokens(w, cs) + w->kvq_group - 1) / w->kvq_group
                       : 0;
  if ((t == LAY_KN || t == LAY_VN) && !wl_generates(w)) return 0;
  if (t == LAY_LM) return lm_rows(w, cs); /* landmark keys, docs/landmark.md */
  if (t == LAY_G && w->kind != WL_GATED) return 0;
  if (t == LAY_RC) return w->kind == WL_ROUTING ? w->rt_clusters : 0;
  if (t == LAY_LS) /* lightning's decode state, docs/lightning.md */
    return w->kind == WL_LIGHTNING && wl_generates(w) ? w->head_dim : 0;
  return t == LAY_O ? wl_queries(w, cs) : wl_ctx_tokens(w, cs);
}

static int64_t rows_in(int64_t bytes, int row_bytes) {
  int64_t r = bytes / row_bytes;
  /* ISA row fields are 32 bits (EXT); AV's packed offsets 24 */
  return r > LAY_MAX_ROWS ? LAY_MAX_ROWS : r;
}

static int check_caps(const lay_t *l, const wl_t *w, const char *name,
                      err_t *e) {
  (void)w;
  if (l->qbuf_rows < 1 || l->kbuf_rows < 1 || l->vbuf_rows < 1 ||
      l->obuf_rows < 1)
    return err_at(e, name, 0, 0, "buffers",
                  "a buffer holds no row of %d elements (query %d, key %d, "
                  "value %d, output %d rows; expected at least 1 each)",
                  l->head_dim, l->qbuf_rows, l->kbuf_rows, l->vbuf_rows,
                  l->obuf_rows);
  return 0; /* the score buffer: map_choose (mapping.h) */
}

/* Bits per element of every region and layer, and each region's stride. */
static void lay_planes(lay_t *l, const cfg_t *c, const wl_t *w) {
  if (w->kvq_bits) {
    l->extra[LAY_KM] = kvq_key_meta_bytes(w);
    l->extra[LAY_VQ] = kvq_value_row_bytes(w) - kvq_key_row_bytes(w);
  }
  for (int layer = 0; layer < w->layers && layer < LAY_MAX_LAYERS; layer++) {
    sched_layer_t s;
    sched_layer(w, c->width, layer, &s);
    l->bits[LAY_Q][layer] = l->bits[LAY_O][layer] = (uint8_t)c->width;
    l->bits[LAY_KN][layer] = l->bits[LAY_VN][layer] = (uint8_t)c->width;
    l->bits[LAY_LM][layer] = (uint8_t)c->width;
    l->bits[LAY_G][layer] = (uint8_t)c->width;
    l->bits[LAY_RC][layer] = (uint8_t)c->width;
    l->bits[LAY_LS][layer] = LAY_STATE_BITS;
    l->bits[LAY_K][layer] = (uint8_t)s.msb;
    l->bits[LAY_KL][layer] = (uint8_t)(s.full - s.msb);
    l->bits[LAY_V][layer] = (uint8_t)s.vbits;
    l->bits[LAY_KQ][layer] = l->bits[LAY_VQ][layer] = (uint8_t)w->kvq_bits;
    for (int t = 0; t < LAY_TENSORS; t++)
      if (lay_bytes(l, (lay_tensor_t)t, layer) > l->stride[t])
        l->stride[t] = lay_bytes(l, (lay_tensor_t)t, layer);
  }
}

int lay_init(lay_t *l, const cfg_t *c, const wl_t *w, const char *cfg_name,
             err_t *e) {
  uint64_t at = 0;
  int t, cs;
  memset(l, 0, sizeof *l);
  l->row_bytes = (w->head_dim * c->width + 7) / 8;
  l->head_dim = w->head_dim;
  l->layers = w->layers;
  l->heads = w->heads;
  l->ncases = wl_cases(w);
  for (t = 0; t < LAY_TENSORS; t++)
    l->elems[t] = t == LAY_V || t == LAY_O || t == LAY_VN ? wl_v_dim(w)
                                                          : w->head_dim;
  if (w->kind == WL_GATED && w->gt_mode) l->elems[LAY_G] = 1; /* headwise */
  lay_planes(l, c, w);
  for (t = 0; t < LAY_TENSORS; t++) {
    uint64_t row = 0;
    l->base[t] = at;
    l->nheads[t] = t == LAY_Q || t == LAY_O || t == LAY_G || t == LAY_LS
                       ? w->heads : wl_kv_heads(w);
    for (cs = 0; cs < wl_cases(w); cs++) {
      l->rows[t][cs] = block_rows(w, (lay_tensor_t)t, cs);
      l->case_row0[t][cs] = row;
      row += (uint64_t)l->rows[t][cs] * (uint64_t)(w->layers * l->nheads[t]);
    }
    l->end[t] = at + row * (uint64_t)l->stride[t];
    at = align_up(l->end[t]);
  }
  l->obuf_row_bytes = 4 * w->head_dim;
  l->qbuf_rows = (int)rows_in(c->query_buffer_bytes, l->row_bytes);
  l->kbuf_rows = (int)rows_in(c->key_buffer_bytes, l->row_bytes);
  l->vbuf_rows = (int)rows_in(c->value_buffer_bytes, l->row_bytes);
  l->obuf_rows = (int)rows_in(c->output_buffer_bytes, l->obuf_row_bytes);
  l->sbuf_entries = c->score_buffer_entries > LAY_MAX_ROWS
                        ? LAY_MAX_ROWS : c->score_buffer_entries;
  return check_caps(l, w, cfg_name, e);
}

uint64_t lay_addr(const lay_t *l, lay_tensor_t t, int cs, int layer,
                  int head, int row) {
  uint64_t r = l->case_row0[t][cs] +
               (uint64_t)(layer * l->nheads[t] + head) * (uint64_t)l->rows[t][cs] +
               (uint64_t)row;
  return l->base[t] + r * (uint64_t)l->stride[t];
}

int lay_decode(const lay_t *l, uint64_t addr, int nrows, lay_loc_t *out) {
  int t, cs;
  uint64_t r, blk, inblk;
  for (t = 0; t < LAY_TENSORS; t++)
    if (addr >= l->base[t] && addr < l->end[t]) break;
  if (t == LAY_TENSORS || nrows < 1) return -1;
  if ((addr - l->base[t]) % (uint64_t)l->stride[t]) return -1;
  r = (addr - l->base[t]) / (uint64_t)l->stride[t];
  for (cs = l->ncases - 1; cs > 0 && r < l->case_row0[t][cs]; cs--) {
  } /* a linear scan: at most WL_MAX_SEQS cases */
  r -= l->case_row0[t][cs];
  blk = r / (uint64_t)l->rows[t][cs];
  inblk = r % (uint64_t)l->rows[t][cs];
  if (inblk + (uint64_t)nrows > (uint64_t)l->rows[t][cs]) return -1;
  out->t = (lay_tensor_t)t;
  out->cs = cs;
  out->layer = (int)(blk / (uint64_t)l->nheads[t]);
  out->head = (int)(blk % (uint64_t)l->nheads[t]);
  out->row = (int)inblk;
  return 0;
}

/* mapping.c - map_choose (mapping.h); the rule is docs/tiling.md's. */
#include "mapping.h"

#include "lmshape.h"
#include "schedule.h"

static int min2(int a, int b) { return a < b ? a : b; }

/* The longest score row of any query. */
static int max_row(const wl_t *w) {
  int cs, m = 0;
  if (w->kind == WL_LANDMARK) return lm_max_row(w); /* docs/landmark.md */
  for (cs = 0; cs < w->ncases; cs++)
    if (wl_max_span(w, cs) > m) m = wl_max_span(w, cs);
  return m;
}

/* The row mapping would fetch the same K/V rows again for another query
 * (or query head) of the same head and layer: prefill whose keys and
 * values are not resident (latent attention's value pass fetching them
 * again among them), a group of query heads whose rows do not fit the
 * buffers together (lower_dense.c's query_streamed), or latent
 * attention's decode (its value pass fetches the key rows again). */
static bool restreams(const lay_t *l, const wl_t *w) {
  int cs, g = wl_group(w);
  if (w->v_from_k && w->phase == WL_DECODE) /* the value pass refetches K */
    return true;
  if (w->phase != WL_DECODE)
    for (cs = 0; cs < w->ncases; cs++)
      if (wl_ctx_tokens(w, cs) > l->kbuf_rows ||
          wl_ctx_tokens(w, cs) > l->vbuf_rows)
        return true;
  if (g == 1) return false;
  for (cs = 0; cs < w->ncases; cs++)
    if (g > l->qbuf_rows || g > l->obuf_rows ||
        (long)g * wl_max_span(w, cs) > l->sbuf_entries)
      return w->phase == WL_DECODE || wl_ctx_tokens(w, cs) > l->kbuf_rows ||
             wl_ctx_tokens(w, cs) > l->vbuf_rows;
  return false;
}

/* Forced tile sizes inside the buffers: a block's query and output rows,
 * a tile's key, value and score entries. */
static int check_tiles(const cfg_t *c, const lay_t *l, const char *name,
                       err_t *e) {
  int qmax = min2(l->qbuf_rows, l->obuf_rows);
  int kvmax = min2(min2(l->kbuf_rows, l->vbuf_rows), l->sbuf_entries);
  if (c->tile_q > qmax)
    return err_at(e, name, 0, 0, "mapping.tile_q",
                  "query block does not fit the buffers (got %d rows, "
                  "expected at most %d: query buffer %d rows, output buffer "
                  "%d rows)", c->tile_q, qmax, l->qbuf_rows, l->obuf_rows);
  if (c->tile_kv > kvmax)
    return err_at(e, name, 0, 0, "mapping.tile_kv",
                  "K/V tile does not fit the buffers (got %d rows, expected "
                  "at most %d: key buffer %d, value buffer %d rows, score "
                  "buffer %d entries)", c->tile_kv, kvmax, l->kbuf_rows,
                  l->vbuf_rows, l->sbuf_entries);
  return 0;
}

/* Tile sizes: forced, or a block as large as the query and output
 * buffers allow and a tile of half the K/V buffers (two in flight), at
 * most a block's share of the score buffer. */
static void sizes(const cfg_t *c, const lay_t *l, map_t *m) {
  int kv = min2(l->kbuf_rows, l->vbuf_rows);
  m->br = c->tile_q ? c->tile_q : min2(l->qbuf_rows, l->obuf_rows);
  m->bc = c->tile_kv;
  if (!m->bc) {
    m->bc = min2(kv / 2, l->sbuf_entries / m->br);
    if (m->bc < 1) m->bc = 1;
  }
}

/* Does any layer of SpAtten's schedule prune values (value_keep < 1)? */
static bool prunes_values(const cfg_t *c, const wl_t *w) {
  for (int i = 0; i < w->layers; i++) {
    sched_layer_t r;
    sched_layer(w, c->width, i, &r);
    if (r.value_keep < (1u << SCHED_FRAC_BITS)) return true;
  }
  return false;
}

/* SpAtten's schedule (docs/spatten.md, "Tiled mapping"): the row mapping
 * unless tiled is forced or a score row does not fit SBUF (its three
 * passes cost three QKs and, keys not resident, three key fetches, so
 * restreaming alone never pays; map_choose calls it then); local value pruning ranks a whole row's
 * probabilities, so it has no tiled form. */
static int sp_choose(const cfg_t *c, const lay_t *l, const wl_t *w,
                     const char *name, map_t *m, err_t *e) {
  if (prunes_values(c, w)) {
    if (c->map_softmax == CFG_SMAX_TILED)
      return err_at(e, name, 0, 0, "mapping.softmax",
                    "SpAtten's local value pruning ranks a query's whole "
                    "score row, which the tiled mapping never holds (got "
                    "tiled with schedule.value_keep below 1, expected auto "
                    "or row, or value_keep 1)");
    return err_at(e, name, 0, 0, "buffers.score_entries",
                  "score buffer too small for the workload's context (got "
                  "%d entries, expected at least %d: SpAtten's local value "
                  "pruning needs whole rows, so it cannot run tiled)",
                  l->sbuf_entries, max_row(w));
  }
  m->tiled = true;
  sizes(c, l, m);
  return 0;
}

int map_choose(const cfg_t *c, const lay_t *l, const wl_t *w, bool can_tile,
               const char *name, map_t *m, err_t *e) {
  bool fits = max_row(w) <= l->sbuf_entries;
  m->tiled = false, m->br = m->bc = 0;
  /* KIVI's fetches split at each query's quantized prefix (docs/kivi.md);
   * only the row mapping lowers that */
  if (w->kvq_bits) can_tile = false;
  if (check_tiles(c, l, name, e)) return e->status;
  if (c->map_softmax == CFG_SMAX_TILED && !can_tile)
    return err_at(e, name, 0, 0, "mapping.softmax",
                  "the workload has no tiled mapping (got tiled, expected "
                  "auto or row: BiFormer and kv_quant run rows)");
  if (can_tile && sched_active(w, c->width)) {
    if (c->map_softmax == CFG_SMAX_TILED || (c->map_softmax == CFG_SMAX_AUTO && !fits))
      return sp_choose(c, l, w, name, m, e);
    can_tile = false; /* the row mapping, or the error below */
  }
  if (c->map_softmax == CFG_SMAX_TILED ||
      (c->map_softmax == CFG_SMAX_AUTO && can_tile &&
       (!fits || restreams(l, w)))) {
    m->tiled = true;
    sizes(c, l, m);
    return 0;
  }
  if (!fits)
    return err_at(e, name, 0, 0, "buffers.score_entries",
                  "score buffer too small for the workload's context "
                  "(got %d entries, expected at least %d)",
                  l->sbuf_entries, max_row(w));
  return 0;
}

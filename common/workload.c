/* workload.c - the workload schema (one row per wl_t field) and wl_*.
 *
 * The defaults describe one BERT-base-like prefill case with synthetic
 * tensors; bundled workloads set every key explicitly. Shapes: see
 * workload.h.
 */
#include "workload.h"

#include <assert.h>
#include <string.h>

#include "yload.h"

#define F(field) offsetof(wl_t, field)
#define SZ(field) sizeof(((wl_t *)0)->field)
#define WL_MAX_POS 65535 /* largest position count (tokens, prompt+generate) */

/* yload stores enums through an int. */
_Static_assert(sizeof(wl_phase_t) == sizeof(int), "wl_phase_t is int-sized");
_Static_assert(sizeof(wl_source_t) == sizeof(int), "wl_source_t is int-sized");
_Static_assert(sizeof(wl_kind_t) == sizeof(int), "wl_kind_t is int-sized");

#define INT(k, f, def, lo, hi, unit, doc) \
  {k, YL_INT, F(f), 0, 0, def, lo, hi, 0, NULL, unit, doc}
#define DBL(k, f, def, lo, hi, flags, doc) \
  {k, YL_DOUBLE, F(f), 0, 0, def, lo, hi, flags, NULL, "", doc}
#define ENUM(k, f, def, choices, doc) \
  {k, YL_ENUM, F(f), 0, 0, def, 0, 0, 0, choices, "", doc}
#define SCHED(k, i, def, lo, hi, flags, doc)                              \
  {k, YL_DBL_LIST, F(sched[i]), WL_SCHED_MAX, F(sched_n[i]), def, lo, hi, \
   flags, NULL, "", doc}
#define BFLIST(k, f, n, def, lo, hi, unit, doc) \
  {k, YL_INT_LIST, F(f), WL_MAX_CASES, F(n), def, lo, hi, 0, NULL, unit, doc}
#define PATH(k, f, doc) {k, YL_PATH, F(f), SZ(f), 0, "", 0, 0, 0, NULL, "", doc}

static const yl_key_t wl_keys_tab[] = {
  {"name", YL_STRING, F(name), SZ(name), 0, "workload", 0, 0, 0, NULL, "",
   "free-form workload name"},
  /* BERT-base (Devlin et al. 2019): 12 layers, 12 heads of 64 */
  INT("model.layers", layers, "12", 1, 1024, "layers", "transformer layers"),
  INT("model.heads", heads, "12", 1, 1024, "heads",
      "attention heads per layer"),
  INT("model.head_dim", head_dim, "64", 1, 1024, "elements",
      "elements per query/key/value row"),
  ENUM("model.kind", kind, "transformer", "transformer|biformer",
       "transformer: full attention; biformer: bi-level routing attention "
       "(the biformer.* keys, docs/biformer.md)"),
  ENUM("phase", phase, "prefill", "prefill|decode",
       "prefill: whole sequences; decode: one token at a time"),
  {"prefill.tokens", YL_INT_LIST, F(tokens), WL_MAX_CASES, F(ncases), "128",
   1, WL_MAX_POS, 0, NULL, "tokens",
   "tokens per sequence, one case each (an int or a list)"},
  {"prefill.causal", YL_BOOL, F(causal), 0, 0, "false", 0, 0, 0, NULL, "",
   "each query attends only to keys at or before it"},
  /* assumed: a 1024-token context, 32 tokens generated */
  INT("decode.prompt", prompt, "992", 0, WL_MAX_POS, "tokens",
      "tokens already in the K/V cache"),
  INT("decode.generate", generate, "32", 1, WL_MAX_POS, "tokens",
      "tokens generated (prompt + generate <= 65535)"),
  ENUM("tensors.source", source, "synthetic", "synthetic|npy",
       "synthetic: seeded generator; npy: tensors.q/k/v files"),
  {"tensors.seed", YL_UINT64, F(seed), 0, 0, "1", 0, 0, 0, NULL, "",
   "synthetic generator seed"},
  DBL("tensors.std", std, "1", 0, 1000, YL_MIN_OPEN,
      "synthetic: standard deviation of the random part"),
  DBL("tensors.salience", salience, "2", 0, 1000, 0,
      "synthetic: how strongly a few salient tokens attract attention"),
  PATH("tensors.q", q_path,
       "npy: Q [layers, heads, tokens, head_dim] (relative to the file)"),
  PATH("tensors.k", k_path, "npy: K, same shape as Q"),
  PATH("tensors.v", v_path, "npy: V, same shape as Q"),
  /* The SpAtten schedule (docs/spatten.md); defaults are dense attention. */
  SCHED("schedule.token_keep", WL_S_TOKEN_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of the context kept after the layer"),
  SCHED("schedule.head_keep", WL_S_HEAD_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of the heads kept after the layer"),
  SCHED("schedule.value_keep", WL_S_VALUE_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of a query's value rows fetched"),
  SCHED("schedule.key_msb_bits", WL_S_KEY_MSB, "0", 0, 16, 0,
        "per layer: key bits fetched first (0 = the datapath width)"),
  SCHED("schedule.key_lsb_bits", WL_S_KEY_LSB, "0", 0, 16, 0,
        "per layer: key bits a low-bit refetch adds (0 = never refetch)"),
  SCHED("schedule.value_bits", WL_S_VALUE_BITS, "0", 0, 16, 0,
        "per layer: value bits fetched (0 = the datapath width)"),
  SCHED("schedule.threshold", WL_S_THRESHOLD, "0", 0, 1, 0,
        "per layer: refetch low bits when the largest probability is below"),
  /* BiFormer-T at 224 x 224 (Zhu et al. CVPR 2023): stage 1 of 4 */
  INT("biformer.regions", bf_regions, "7", 1, 64, "regions",
      "biformer: S, regions per side of every stage's grid"),
  BFLIST("biformer.height", bf_height, bf_nheight, "56", 1, 4096, "tokens",
         "biformer: per stage, token grid rows (a multiple of regions)"),
  BFLIST("biformer.width", bf_width, bf_nwidth, "56", 1, 4096, "tokens",
         "biformer: per stage, token grid columns (a multiple of regions)"),
  BFLIST("biformer.topk", bf_topk, bf_ntopk, "1", 1, 4096, "regions",
         "biformer: per stage, regions each region attends to (regions^2: "
         "all, no routing)"),
  BFLIST("biformer.channels", bf_channels, bf_nchannels, "64", 1, 65536,
         "channels", "biformer: per stage, C = heads x model.head_dim"),
  BFLIST("biformer.blocks", bf_blocks, bf_nblocks, "2", 1, 1024, "blocks",
         "biformer: per stage, transformer blocks (model.layers = the most)"),
  INT("biformer.lce_kernel", bf_lce_kernel, "5", 0, 15, "taps",
      "biformer: side of the depthwise LCE convolution on V (odd; 0 = none)"),
};

#define WL_NKEYS (sizeof wl_keys_tab / sizeof wl_keys_tab[0])

static const yl_schema_t wl_schema = {wl_keys_tab, (int)WL_NKEYS};

void wl_defaults(wl_t *w) {
  err_t e;
  int rc;
  memset(w, 0, sizeof *w);
  rc = yl_defaults(&wl_schema, w, &e);
  assert(rc == 0 && "wl_keys_tab: a default does not parse or is out of range");
  (void)rc;
}

/* Cross-field rules for the phase's shape. */
/* Elements of the K tensor, in 64 bits (every factor is range-checked, so
 * the product cannot overflow). */
static int64_t wl_elems(const wl_t *w) {
  int64_t toks = 0;
  int c;
  if (w->phase == WL_DECODE)
    toks = (int64_t)w->prompt + w->generate;
  else
    for (c = 0; c < w->ncases && c < WL_MAX_CASES; c++) toks += w->tokens[c];
  return (int64_t)w->layers * w->heads * w->head_dim * toks;
}

static int wl_check_shape(const wl_t *w, const char *origin,
                          const yl_mark_t *marks, err_t *e) {
  const char *k;
  if (w->phase == WL_DECODE && w->ncases != 1)
    return yl_err_key(&wl_schema, marks, origin, "prefill.tokens", e,
                      "decode runs one case and ignores prefill.tokens (got %d "
                      "entries with phase decode, expected 1)", w->ncases);
  if ((int64_t)w->ncases * w->layers * w->heads > WL_MAX_HEADS ||
      (int64_t)w->layers * w->heads * w->head_dim > WL_MAX_DIRS)
    return yl_err_key(&wl_schema, marks, origin, "model.layers", e,
                      "workload too large (got %lld heads over all cases and "
                      "layers, %lld layers x heads x head_dim; expected <= "
                      "%lld and <= %lld)",
                      (long long)w->ncases * w->layers * w->heads,
                      (long long)w->layers * w->heads * w->head_dim,
                      (long long)WL_MAX_HEADS, (long long)WL_MAX_DIRS);
  if (wl_elems(w) > WL_MAX_ELEMS)
    return yl_err_key(&wl_schema, marks, origin, "model.layers", e,
                      "workload too large (got %lld elements per tensor: "
                      "layers x heads x tokens x head_dim over all cases, "
                      "expected <= %lld)",
                      (long long)wl_elems(w), (long long)WL_MAX_ELEMS);
  if (w->phase == WL_DECODE && w->prompt + w->generate > WL_MAX_POS) {
    k = !yl_is_set(&wl_schema, marks, "decode.generate") &&
                yl_is_set(&wl_schema, marks, "decode.prompt")
            ? "decode.prompt" : "decode.generate";
    return yl_err_key(&wl_schema, marks, origin, k, e,
                      "sequence too long (got prompt + generate = %d, "
                      "expected <= %d)",
                      w->prompt + w->generate, WL_MAX_POS);
  }
  return 0;
}

/* Cross-field rules for .npy sources: one sequence, three paths. */
static int wl_check_npy(const wl_t *w, const char *origin,
                        const yl_mark_t *marks, err_t *e) {
  const char *names[3] = {"tensors.q", "tensors.k", "tensors.v"};
  const char *paths[3] = {w->q_path, w->k_path, w->v_path};
  if (w->source != WL_NPY) return 0;
  for (int i = 0; i < 3; i++)
    if (!paths[i][0])
      return yl_err_key(&wl_schema, marks, origin, "tensors.source", e,
                        "npy needs three paths (got no %s, expected a .npy "
                        "path in %s)",
                        names[i], names[i]);
  if (w->phase == WL_PREFILL && w->ncases != 1)
    return yl_err_key(&wl_schema, marks, origin, "prefill.tokens", e,
                      "a .npy file holds one sequence (got %d cases with "
                      "tensors.source npy, expected 1)", w->ncases);
  return 0;
}

/* Cross-field rules for the schedule: lists of 1 or `layers` entries,
 * whole bit counts, no token pruning where the key count of a query would
 * depend on the data (causal prefill). */
static const char *const sched_names[WL_S_COUNT] = {
  "schedule.token_keep", "schedule.head_keep", "schedule.value_keep",
  "schedule.key_msb_bits", "schedule.key_lsb_bits", "schedule.value_bits",
  "schedule.threshold"};

static int wl_check_sched(const wl_t *w, const char *origin,
                          const yl_mark_t *marks, err_t *e) {
  const char *const *names = sched_names;
  for (int k = 0; k < WL_S_COUNT; k++) {
    int n = w->sched_n[k];
    if (n > w->layers) /* most likely model.layers was lowered by hand */
      return yl_err_key(&wl_schema, marks, origin, names[k], e,
                        "wrong length (got %d entries, expected 1 or "
                        "model.layers = %d); to run the first %d layer%s, "
                        "keep model.layers = %d and add --layers %d (it cuts "
                        "every per-layer list to %d entr%s)", n, w->layers,
                        w->layers, w->layers == 1 ? "" : "s", n, w->layers,
                        w->layers, w->layers == 1 ? "y" : "ies");
    if (n != 1 && n != w->layers)
      return yl_err_key(&wl_schema, marks, origin, names[k], e,
                        "wrong length (got %d entries, expected 1 or "
                        "model.layers = %d)", n, w->layers);
    for (int i = 0; k >= WL_S_KEY_MSB && k <= WL_S_VALUE_BITS && i < n; i++)
      if (w->sched[k][i] != (double)(int)w->sched[k][i])
        return yl_err_key(&wl_schema, marks, origin, names[k], e,
                          "not a whole number of bits (got %g as entry %d, "
                          "expected an integer)", w->sched[k][i], i);
  }
  for (int i = 0; i < w->sched_n[WL_S_TOKEN_KEEP]; i++)
    if (w->phase == WL_PREFILL && w->causal && w->sched[WL_S_TOKEN_KEEP][i] < 1)
      return yl_err_key(&wl_schema, marks, origin, "schedule.token_keep", e,
                        "token pruning with causal prefill is not supported "
                        "(got %g as entry %d with prefill.causal true, "
                        "expected 1)", w->sched[WL_S_TOKEN_KEEP][i], i);
  return 0;
}

/* A BiFormer list must have one entry per stage (prefill.tokens). */
static int bf_check_len(const wl_t *w, const char *origin,
                        const yl_mark_t *marks, const char *key, int n,
                        err_t *e) {
  if (n == w->ncases) return 0;
  return yl_err_key(&wl_schema, marks, origin, key, e,
                    "wrong length (got %d entr%s, expected one per stage: "
                    "prefill.tokens has %d)", n, n == 1 ? "y" : "ies",
                    w->ncases);
}

/* Shape rules of one stage (docs/biformer.md). */
static int bf_check_stage(const wl_t *w, const char *origin,
                          const yl_mark_t *marks, int s, err_t *e) {
  int S = w->bf_regions, H = w->bf_height[s], W = w->bf_width[s];
  if (H % S || W % S)
    return yl_err_key(&wl_schema, marks, origin,
                      H % S ? "biformer.height" : "biformer.width", e,
                      "grid not a whole number of regions (got %d as entry "
                      "%d, expected a multiple of biformer.regions = %d)",
                      H % S ? H : W, s, S);
  if (w->tokens[s] != H * W)
    return yl_err_key(&wl_schema, marks, origin, "prefill.tokens", e,
                      "tokens differ from the grid (got %d as entry %d, "
                      "expected biformer.height x width = %d)",
                      w->tokens[s], s, H * W);
  if (w->bf_topk[s] > S * S)
    return yl_err_key(&wl_schema, marks, origin, "biformer.topk", e,
                      "more regions than the grid has (got %d as entry %d, "
                      "expected <= regions^2 = %d)", w->bf_topk[s], s, S * S);
  if (w->bf_channels[s] % w->head_dim ||
      w->bf_channels[s] / w->head_dim > w->heads)
    return yl_err_key(&wl_schema, marks, origin, "biformer.channels", e,
                      "not whole heads (got %d as entry %d, expected a "
                      "multiple of model.head_dim = %d, at most model.heads "
                      "x head_dim = %d)", w->bf_channels[s], s, w->head_dim,
                      w->heads * w->head_dim);
  if (w->bf_blocks[s] > w->layers)
    return yl_err_key(&wl_schema, marks, origin, "biformer.blocks", e,
                      "more blocks than model.layers (got %d as entry %d, "
                      "expected <= %d)", w->bf_blocks[s], s, w->layers);
  return 0;
}

/* Cross-field rules of model.kind biformer: prefill without a schedule,
 * one list entry per stage, every stage's shape. */
static int wl_check_bf(const wl_t *w, const char *origin,
                       const yl_mark_t *marks, err_t *e) {
  const char *keys[5] = {"biformer.height", "biformer.width", "biformer.topk",
                         "biformer.channels", "biformer.blocks"};
  int ns[5] = {w->bf_nheight, w->bf_nwidth, w->bf_ntopk, w->bf_nchannels,
               w->bf_nblocks};
  if (w->kind != WL_BIFORMER) return 0;
  if (w->phase != WL_PREFILL || w->causal)
    return yl_err_key(&wl_schema, marks, origin, "phase", e,
                      "biformer runs non-causal prefill (got %s%s, expected "
                      "prefill with prefill.causal false)",
                      w->phase == WL_PREFILL ? "prefill" : "decode",
                      w->causal ? " causal" : "");
  for (int k = 0; k < 5; k++)
    if (bf_check_len(w, origin, marks, keys[k], ns[k], e)) return e->status;
  if (w->bf_lce_kernel % 2 == 0 && w->bf_lce_kernel)
    return yl_err_key(&wl_schema, marks, origin, "biformer.lce_kernel", e,
                      "even kernel has no centre (got %d, expected an odd "
                      "number or 0)", w->bf_lce_kernel);
  for (int s = 0; s < w->ncases; s++)
    if (bf_check_stage(w, origin, marks, s, e)) return e->status;
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(&wl_schema, marks, origin, sched_names[k], e,
                          "a SpAtten schedule with biformer is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  return 0;
}

static int wl_check(const wl_t *w, const char *origin, const yl_mark_t *marks,
                    err_t *e) {
  if (yl_check(&wl_schema, w, origin, marks, e) ||
      wl_check_shape(w, origin, marks, e) || wl_check_npy(w, origin, marks, e) ||
      wl_check_sched(w, origin, marks, e) || wl_check_bf(w, origin, marks, e))
    return e->status;
  return 0;
}

int wl_validate(const wl_t *w, const char *file, err_t *e) {
  return wl_check(w, file, NULL, e);
}

int wl_load(const char *path, wl_t *w, err_t *e) {
  yl_mark_t marks[WL_NKEYS];
  wl_t tmp;
  wl_defaults(&tmp);
  if (yl_load(&wl_schema, path, &tmp, marks, e) ||
      wl_check(&tmp, path, marks, e))
    return e->status;
  *w = tmp;
  return 0;
}

/* No cross-field check here: a workload may pass through invalid states
 * between overrides. Callers run wl_validate after the last one. */
int wl_set(wl_t *w, const char *assignment, err_t *e) {
  return yl_set(&wl_schema, assignment, "<--wset>", 0, 0, w, NULL, e);
}

void wl_keep_layers(wl_t *w, int n) {
  assert(n >= 1 && n <= w->layers);
  for (int k = 0; k < WL_S_COUNT; k++)
    if (w->sched_n[k] > n) w->sched_n[k] = n;
  for (int s = 0; s < w->bf_nblocks; s++)
    if (w->bf_blocks[s] > n) w->bf_blocks[s] = n;
  w->layers = n;
}

void wl_clear_schedule(wl_t *w) {
  wl_t d;
  wl_defaults(&d);
  memcpy(w->sched_n, d.sched_n, sizeof w->sched_n);
  memcpy(w->sched, d.sched, sizeof w->sched);
}

void wl_dump(const wl_t *w, FILE *f) {
  fprintf(f, "# effective workload; \"# default\" marks keys at their "
             "schema default\n");
  yl_dump(&wl_schema, w, f);
}

int wl_to_text(const wl_t *w, char *buf, size_t len) {
  return yl_text(&wl_schema, w, buf, len);
}

/* Lines "key=value" (wl_to_text's format); blank lines are skipped, a key
 * given twice is an error. Line i (from 1) of text came from line
 * lines[i-1] of origin, where its assignment starts at column col0; with
 * lines NULL, text is the file itself (lines count from 1, col0 = 1). */
int wl_from_text_at(wl_t *w, const char *text, const char *origin,
                    const int *lines, int col0, err_t *e) {
  yl_mark_t marks[WL_NKEYS] = {{0}};
  char line[8192];
  wl_t tmp;
  int lineno = 1;
  wl_defaults(&tmp);
  for (const char *p = text; *p; lineno++) {
    size_t n = strcspn(p, "\n");
    int at = lines ? lines[lineno - 1] : lineno;
    if (n >= sizeof line)
      return err_at(e, origin, at, col0, "(text)",
                    "line too long (got %zu bytes, expected < %zu)", n,
                    sizeof line);
    memcpy(line, p, n);
    line[n - (n > 0 && p[n - 1] == '\r')] = '\0';
    p += n + (p[n] == '\n');
    if (line[strspn(line, " \t")] &&
        yl_set(&wl_schema, line, origin, at, col0, &tmp, marks, e))
      return e->status;
  }
  if (wl_check(&tmp, origin, marks, e)) return e->status;
  *w = tmp;
  return 0;
}

int wl_from_text(wl_t *w, const char *text, const char *origin, err_t *e) {
  return wl_from_text_at(w, text, origin, NULL, 1, e);
}

void wl_doc(FILE *f) { yl_doc(&wl_schema, f); }

const yl_schema_t *wl_schema_get(void) { return &wl_schema; }

/* ------------------------------------------------------------ shapes */

int wl_ctx_tokens(const wl_t *w, int c) {
  assert(c >= 0 && c < w->ncases);
  return w->phase == WL_DECODE ? w->prompt + w->generate : w->tokens[c];
}

int wl_queries(const wl_t *w, int c) {
  assert(c >= 0 && c < w->ncases);
  return w->phase == WL_DECODE ? w->generate : w->tokens[c];
}

int wl_query_pos(const wl_t *w, int c, int q) {
  assert(q >= 0 && q < wl_queries(w, c));
  return w->phase == WL_DECODE ? w->prompt + q : q;
}

int wl_keys(const wl_t *w, int c, int q) {
  int pos = wl_query_pos(w, c, q);
  if (w->phase == WL_DECODE || w->causal) return pos + 1;
  return w->tokens[c];
}

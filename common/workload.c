/* workload.c - the workload schema (one row per wl_t field) and wl_*.
 *
 * The defaults describe one BERT-base-like prefill case with synthetic
 * tensors; bundled workloads set every key explicitly. Shapes: see
 * workload.h.
 */
#include "workload.h"

#include <assert.h>
#include <string.h>

#include "mech.h"
#include "wlkeys.h"
#include "yload.h"

#define F(field) WK_F(field)
#define SZ(field) WK_SZ(field)
#define WL_MAX_POS WL_MAX_TOKENS /* largest position count (tokens, prompt+generate) */

/* yload stores enums through an int. */
_Static_assert(sizeof(wl_phase_t) == sizeof(int), "wl_phase_t is int-sized");
_Static_assert(sizeof(wl_source_t) == sizeof(int), "wl_source_t is int-sized");
_Static_assert(sizeof(wl_kind_t) == sizeof(int), "wl_kind_t is int-sized");

#define INT WK_INT
#define DBL WK_DBL
#define ENUM WK_ENUM
#define PATH WK_PATH

static const yl_key_t wl_keys_tab[] = {
  {"name", YL_STRING, F(name), SZ(name), 0, "workload", 0, 0, 0, NULL, "",
   "free-form workload name"},
  /* BERT-base (Devlin et al. 2019): 12 layers, 12 heads of 64 */
  INT("model.layers", layers, "12", 1, 1024, "layers", "transformer layers"),
  INT("model.heads", heads, "12", 1, 1024, "heads",
      "attention heads per layer"),
  INT("model.head_dim", head_dim, "64", 1, 1024, "elements",
      "elements per query/key/value row"),
  INT("model.kv_heads", kv_heads, "0", 0, 1024, "heads",
      "K/V heads per layer, dividing model.heads (grouped-query attention; "
      "1: multi-query); 0: model.heads"),
  INT("model.v_from_k", v_from_k, "0", 0, 1024, "elements",
      "latent attention's absorbed decode (DeepSeek MLA): value rows are the "
      "first v_from_k elements of the key rows, one fetch serving both "
      "(at most model.head_dim); 0: separate values"),
  ENUM("model.kind", kind, "transformer",
       "transformer|biformer|landmark|lightning|moh|gated|routing|blockrank",
       "transformer: full attention; biformer: bi-level routing attention "
       "(the biformer.* keys, docs/biformer.md); the others: the mechanism "
       "of docs/<kind>.md and its <kind>.* keys"),
  ENUM("phase", phase, "prefill", "prefill|decode|serve",
       "prefill: whole sequences; decode: one token at a time; serve: a "
       "causal prefill of each prompt, then decode (docs/serve.md)"),
  {"prefill.tokens", YL_INT_LIST, F(tokens), WL_MAX_CASES, F(ncases), "128",
   1, WL_MAX_POS, 0, NULL, "tokens",
   "tokens per sequence, one case each (an int or a list)"},
  {"prefill.causal", YL_BOOL, F(causal), 0, 0, "false", 0, 0, 0, NULL, "",
   "each query attends only to keys at or before it"},
  INT("attention.window", window, "0", 0, WL_MAX_POS, "tokens",
      "sliding window: a query at position p attends to keys p - window + 1 "
      ".. p (causal prefill or decode); 0: no window"),
  INT("attention.sinks", sinks, "0", 0, WL_MAX_POS, "tokens",
      "with a window: the first sinks tokens are attended too"),
  /* assumed: a 1024-token context, 32 tokens generated */
  INT("decode.batch", batch, "1", 1, WL_MAX_SEQS, "sequences",
      "sequences decoded together, interleaved per layer (docs/serve.md)"),
  {"decode.prompt", YL_INT_LIST, F(prompts), WL_MAX_SEQS, F(nprompts), "992",
   0, WL_MAX_POS, 0, NULL, "tokens",
   "tokens already in the K/V cache (serve: prefilled first): one for every "
   "sequence, or a list of decode.batch entries"},
  INT("decode.generate", generate, "32", 1, WL_MAX_POS, "tokens",
      "tokens generated (prompt + generate <= 131072)"),
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
  PATH("tensors.k", k_path,
       "npy: K, as Q with model.kv_heads heads when set"),
  PATH("tensors.v", v_path, "npy: V, as K (not read with model.v_from_k)"),
};

#define WL_NBASE (int)(sizeof wl_keys_tab / sizeof wl_keys_tab[0])
#define WL_NKEYS 64 /* room for the base keys and every mechanism's */
_Static_assert(WL_NMARKS >= WL_NKEYS, "WL_NMARKS: room for every key's mark");

/* The schema: the base keys, then each mechanism's (mech_table order),
 * gathered once. */
const yl_schema_t *wl_schema_get(void) {
  static yl_key_t keys[WL_NKEYS];
  static yl_schema_t sc = {keys, 0};
  if (sc.n) return &sc;
  memcpy(keys, wl_keys_tab, sizeof wl_keys_tab);
  sc.n = WL_NBASE;
  for (int m = 0; m < mech_count; m++)
    for (int i = 0; i < mech_table[m]->wl_nkeys; i++) {
      assert(sc.n < WL_NKEYS && "wl_schema_get: raise WL_NKEYS");
      keys[sc.n++] = mech_table[m]->wl_keys[i];
    }
  return &sc;
}
#define wl_schema (*wl_schema_get())

void wl_defaults(wl_t *w) {
  err_t e;
  int rc;
  memset(w, 0, sizeof *w);
  rc = yl_defaults(&wl_schema, w, &e);
  assert(rc == 0 && "wl_keys_tab: a default does not parse or is out of range");
  (void)rc;
}

/* Cross-field rules for the phase's shape. */
/* Elements of the largest tensor, in 64 bits (every factor is
 * range-checked, so the product cannot overflow): K and V hold the
 * context for each K/V head, Q and O the queries for each query head. */
int64_t wl_tensor_elems(const wl_t *w) {
  int64_t toks = 0, queries = 0;
  int c;
  if (wl_generates(w)) {
    for (c = 0; c < w->batch && c < WL_MAX_SEQS; c++)
      toks += (int64_t)wl_prompt(w, c) + w->generate;
    queries = w->phase == WL_SERVE ? toks : (int64_t)w->batch * w->generate;
  }
  else
    for (c = 0; c < w->ncases && c < WL_MAX_CASES; c++) toks += w->tokens[c];
  if (w->phase != WL_DECODE) queries = toks;
  int64_t kv = (int64_t)w->layers * wl_kv_heads(w) * w->head_dim * toks;
  int64_t q = (int64_t)w->layers * w->heads * w->head_dim * queries;
  return kv > q ? kv : q;
}

int64_t wl_data_elems(const wl_t *w, bool appends) {
  int64_t out = 0, written = 0, kv = 0;
  for (int c = 0; c < wl_cases(w); c++) {
    out += wl_queries(w, c);
    written += wl_ctx_tokens(w, c) - wl_cache_rows(w, c);
    kv += wl_ctx_tokens(w, c);
  }
  out *= (int64_t)w->layers * w->heads * w->head_dim;
  kv *= (int64_t)w->layers * wl_kv_heads(w) * w->head_dim;
  written = appends ? written * (int64_t)w->layers * wl_kv_heads(w) * w->head_dim : 0;
  if (!w->kvq_bits) kv = 0;
  return out > written ? (out > kv ? out : kv) : (written > kv ? written : kv);
}

/* Where a size error about key is located: at its mark in origin, or
 * "<--wset>" when an override (wl_set_marked) set it last. */
static bool by_override(const yl_mark_t *marks, const char *key) {
  int i = yl_find(&wl_schema, key);
  return marks && i >= 0 && marks[i].set && marks[i].line < 0;
}

static const char *size_origin(const yl_mark_t *marks, const char *origin,
                               const char *key) {
  return by_override(marks, key) ? "<--wset>" : origin;
}

static int wl_check_shape(const wl_t *w, const char *origin,
                          const yl_mark_t *marks, err_t *e) {
  if (wl_generates(w) && w->ncases != 1)
    return yl_err_key(&wl_schema, marks, origin, "prefill.tokens", e,
                      "decode runs one case and ignores prefill.tokens (got %d "
                      "entries with phase decode, expected 1)", w->ncases);
  if (wl_generates(w) && w->nprompts != 1 && w->nprompts != w->batch)
    return yl_err_key(&wl_schema, marks, origin, "decode.prompt", e,
                      "one prompt length per sequence (got %d entries, "
                      "expected %d = decode.batch, or one for all)",
                      w->nprompts, w->batch);
  return 0;
}

/* The size limits (workload.h), judged on the final workload: after
 * --wset and --layers, so an override can bring a workload within them. */
static int wl_check_sizes(const wl_t *w, const char *origin,
                          const yl_mark_t *marks, err_t *e) {
  const char *k;
  int c, pmax = 0;
  if ((int64_t)wl_cases(w) * w->layers * w->heads > WL_MAX_HEADS ||
      (int64_t)w->layers * w->heads * w->head_dim > WL_MAX_DIRS)
    return yl_err_key(&wl_schema, marks,
                      size_origin(marks, origin, "model.layers"),
                      "model.layers", e,
                      "workload too large (got %lld heads over all cases and "
                      "layers, %lld layers x heads x head_dim; expected <= "
                      "%lld and <= %lld)",
                      (long long)wl_cases(w) * w->layers * w->heads,
                      (long long)w->layers * w->heads * w->head_dim,
                      (long long)WL_MAX_HEADS, (long long)WL_MAX_DIRS);
  if (wl_tensor_elems(w) > WL_MAX_ELEMS)
    return yl_err_key(&wl_schema, marks,
                      size_origin(marks, origin, "model.layers"),
                      "model.layers", e,
                      "workload too large (got %lld elements per tensor: "
                      "layers x heads (K/V heads for K and V) x tokens x "
                      "head_dim over all cases, "
                      "expected <= %lld)",
                      (long long)wl_tensor_elems(w), (long long)WL_MAX_ELEMS);
  for (c = 0; wl_generates(w) && c < w->nprompts; c++)
    if (w->prompts[c] > pmax) pmax = w->prompts[c];
  if (wl_generates(w) && pmax + w->generate > WL_MAX_POS) {
    k = (!yl_is_set(&wl_schema, marks, "decode.generate") &&
         yl_is_set(&wl_schema, marks, "decode.prompt")) ||
                (by_override(marks, "decode.prompt") &&
                 !by_override(marks, "decode.generate"))
            ? "decode.prompt" : "decode.generate";
    return yl_err_key(&wl_schema, marks, size_origin(marks, origin, k), k, e,
                      "sequence too long (got prompt + generate = %d, "
                      "expected <= %d)",
                      pmax + w->generate, WL_MAX_POS);
  }
  return 0;
}

/* Cross-field rules for .npy sources: one sequence, three paths. */
static int wl_check_npy(const wl_t *w, const char *origin,
                        const yl_mark_t *marks, err_t *e) {
  const char *names[3] = {"tensors.q", "tensors.k", "tensors.v"};
  const char *paths[3] = {w->q_path, w->k_path, w->v_path};
  if (w->source != WL_NPY) return 0;
  for (int i = 0; i < (w->v_from_k ? 2 : 3); i++) /* v_from_k: V is K's */
    if (!paths[i][0])
      return yl_err_key(&wl_schema, marks, origin, "tensors.source", e,
                        "npy needs three paths (got no %s, expected a .npy "
                        "path in %s)",
                        names[i], names[i]);
  if (w->phase == WL_PREFILL && w->ncases != 1)
    return yl_err_key(&wl_schema, marks, origin, "prefill.tokens", e,
                      "a .npy file holds one sequence (got %d cases with "
                      "tensors.source npy, expected 1)", w->ncases);
  if (wl_generates(w) && w->batch != 1)
    return yl_err_key(&wl_schema, marks, origin, "decode.batch", e,
                      "a .npy file holds one sequence (got %d sequences with "
                      "tensors.source npy, expected 1)", w->batch);
  return 0;
}

/* Cross-field rules for grouped-query and sliding-window attention. */
static int wl_check_attention(const wl_t *w, const char *origin,
                              const yl_mark_t *marks, err_t *e) {
  if (w->kv_heads && w->heads % w->kv_heads)
    return yl_err_key(&wl_schema, marks, origin, "model.kv_heads", e,
                      "does not divide model.heads (got %d with %d heads, "
                      "expected a divisor of %d, or 0 for %d)",
                      w->kv_heads, w->heads, w->heads, w->heads);
  if (w->v_from_k > w->head_dim)
    return yl_err_key(&wl_schema, marks, origin, "model.v_from_k", e,
                      "longer than a key row (got %d with model.head_dim %d, "
                      "expected 0 .. %d)", w->v_from_k, w->head_dim,
                      w->head_dim);
  if (w->sinks && !w->window)
    return yl_err_key(&wl_schema, marks, origin, "attention.sinks", e,
                      "sinks without a window (got %d with attention.window "
                      "0, expected 0 or a window > 0)", w->sinks);
  if (w->window && w->phase == WL_PREFILL && !w->causal)
    return yl_err_key(&wl_schema, marks, origin, "attention.window", e,
                      "a window needs causal attention (got %d with "
                      "prefill.causal false, expected 0, or "
                      "prefill.causal true, or phase decode)", w->window);
  return 0;
}

/* Every rule; the size limits only when sizes is set. */
static int wl_check_all(const wl_t *w, const char *origin,
                        const yl_mark_t *marks, bool sizes, err_t *e) {
  if (yl_check(&wl_schema, w, origin, marks, e) ||
      wl_check_shape(w, origin, marks, e) ||
      (sizes && wl_check_sizes(w, origin, marks, e)) ||
      wl_check_npy(w, origin, marks, e) ||
      wl_check_attention(w, origin, marks, e))
    return e->status;
  for (int m = 0; m < mech_count; m++) /* each mechanism's own keys */
    if (mech_table[m]->wl_check &&
        mech_table[m]->wl_check(w, &wl_schema, origin, marks, e))
      return e->status;
  return 0;
}

static int wl_check(const wl_t *w, const char *origin, const yl_mark_t *marks,
                    err_t *e) {
  return wl_check_all(w, origin, marks, true, e);
}

int wl_validate(const wl_t *w, const char *file, err_t *e) {
  return wl_check(w, file, NULL, e);
}

int wl_validate_unsized(const wl_t *w, const char *file, err_t *e) {
  return wl_check_all(w, file, NULL, false, e);
}

int wl_check_size(const wl_t *w, const char *file, const yl_mark_t *marks,
                  err_t *e) {
  return wl_check_sizes(w, file, marks, e);
}

int wl_load_marked(const char *path, wl_t *w, yl_mark_t *marks, err_t *e) {
  wl_t tmp;
  wl_defaults(&tmp);
  if (yl_load(&wl_schema, path, &tmp, marks, e) ||
      wl_check_all(&tmp, path, marks, false, e))
    return e->status;
  *w = tmp;
  return 0;
}

int wl_set_marked(wl_t *w, const char *assignment, yl_mark_t *marks,
                  err_t *e) {
  const char *k0 = assignment + strspn(assignment, " "), *k1;
  char key[128];
  int i;
  if (wl_set(w, assignment, e)) return e->status;
  for (k1 = strchr(k0, '='); k1 > k0 && k1[-1] == ' ';) k1--;
  snprintf(key, sizeof key, "%.*s", (int)(k1 - k0), k0);
  if ((i = yl_find(&wl_schema, key)) >= 0)
    marks[i] = (yl_mark_t){true, -1, 0}; /* set by an override */
  return 0;
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
  for (int m = 0; m < mech_count; m++)
    if (mech_table[m]->wl_keep_layers) mech_table[m]->wl_keep_layers(w, n);
  w->layers = n;
}

void wl_clear_schedule(wl_t *w) {
  wl_t d;
  wl_defaults(&d);
  if (w->kind != WL_BIFORMER) w->kind = WL_TRANSFORMER;
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


/* ------------------------------------------------------------ shapes */

int wl_cases(const wl_t *w) { return wl_generates(w) ? w->batch : w->ncases; }

int wl_generates(const wl_t *w) {
  return w->phase == WL_DECODE || w->phase == WL_SERVE;
}

const char *wl_phase_name(wl_phase_t p) {
  return p == WL_DECODE ? "decode" : p == WL_SERVE ? "serve" : "prefill";
}

int wl_prompt(const wl_t *w, int c) {
  assert(c >= 0 && c < w->batch);
  return w->prompts[w->nprompts == 1 ? 0 : c];
}

int wl_cache_rows(const wl_t *w, int c) {
  return w->phase == WL_PREFILL ? w->tokens[c]
         : w->phase == WL_DECODE ? wl_prompt(w, c) : 0;
}

int wl_ctx_tokens(const wl_t *w, int c) {
  assert(c >= 0 && c < wl_cases(w));
  return wl_generates(w) ? wl_prompt(w, c) + w->generate : w->tokens[c];
}

int wl_queries(const wl_t *w, int c) {
  assert(c >= 0 && c < wl_cases(w));
  return w->phase == WL_DECODE  ? w->generate
         : w->phase == WL_SERVE ? wl_prompt(w, c) + w->generate
                                : w->tokens[c];
}

int wl_query_pos(const wl_t *w, int c, int q) {
  assert(q >= 0 && q < wl_queries(w, c));
  return w->phase == WL_DECODE ? wl_prompt(w, c) + q : q;
}

int wl_keys(const wl_t *w, int c, int q) {
  int pos = wl_query_pos(w, c, q);
  if (wl_generates(w) || w->causal) return pos + 1;
  return w->tokens[c];
}

int wl_span(const wl_t *w, int c, int q, int *nsink, int *lo) {
  int hi = wl_keys(w, c, q);
  *lo = w->window && hi > w->window ? hi - w->window : 0;
  *nsink = w->window ? (w->sinks < *lo ? w->sinks : *lo) : 0;
  return *nsink + hi - *lo;
}

int wl_max_span(const wl_t *w, int c) {
  int nsink, lo;
  return wl_span(w, c, wl_queries(w, c) - 1, &nsink, &lo);
}

int wl_kv_heads(const wl_t *w) { return w->kv_heads ? w->kv_heads : w->heads; }

int wl_group(const wl_t *w) { return w->heads / wl_kv_heads(w); }

const char *wl_dense_only_key(const wl_t *w, int *val, const char **want) {
  if (wl_kv_heads(w) != w->heads)
    return *val = w->kv_heads, *want = "0 or model.heads", "model.kv_heads";
  return wl_full_mha_key(w, val, want);
}

const char *wl_full_mha_key(const wl_t *w, int *val, const char **want) {
  if (w->window) return *val = w->window, *want = "0", "attention.window";
  if (w->v_from_k) return *val = w->v_from_k, *want = "0", "model.v_from_k";
  return NULL;
}

int wl_v_dim(const wl_t *w) { return w->v_from_k ? w->v_from_k : w->head_dim; }

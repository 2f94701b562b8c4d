/* spatten_csv.c - SpAtten's per-request CSV traces: reader, workload and
 * lowering to the ISA (spatten_csv.h, docs/isa.md "Imported traces"). */
#include "spatten_csv.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit.h"
#include "layout.h"
#include "trace.h"

const char *const spc_columns[SPC_NCOLS] = {
    "iteration_id", "layer_id", "head_id", "embedding_length_D",
    "sentence_length_L", "key_fetch_num", "quant_key_bit", "quant_query_bit",
    "auto_requant_thres", "if_requant", "auto_requant_incre",
    "value_fetch_num", "quant_value_bit", "if_accumulate_importance",
    "if_rescale_previous_importance", "if_topk", "topk"};

#define SPC_MAX_LAYERS 1024 /* model.layers' bound */
#define SPC_MAX_HEADS 1024  /* model.heads' bound */
#define SPC_MAX_POS 65535   /* tokens in a context (ISA row fields) */

bool spc_is_csv(const char *path) {
  size_t n = path ? strlen(path) : 0;
  return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

void spc_free(spc_t *s) {
  free(s->rows);
  s->rows = NULL;
  s->nrows = 0;
}

/* ---- lines and fields ------------------------------------------------ */

typedef struct reader {
  FILE *f;
  const char *name;
  err_t *e;
  int line;                  /* lines read so far */
  size_t len;                /* bytes in buf, newline and \r dropped */
  char buf[SPC_LINE_MAX + 1];
} reader_t;

/* Next line into r->buf. 1: a line; 0: end of file; else an error.
 * Invariant: buf holds len <= SPC_LINE_MAX bytes, none of them NUL. */
static int next_line(reader_t *r) {
  int ch = getc(r->f);
  r->len = 0;
  if (ch == EOF)
    return ferror(r->f) ? err_set(r->e, ERR_RUN, "%s: read error", r->name) : 0;
  r->line++;
  for (; ch != EOF && ch != '\n'; ch = getc(r->f)) {
    if (ch == '\0')
      return err_at(r->e, r->name, r->line, (int)r->len + 1, "(row)",
                    "NUL byte (got 0x00, expected text)");
    if (r->len == SPC_LINE_MAX)
      return err_at(r->e, r->name, r->line, 1, "(row)",
                    "line too long (got more than %d bytes, expected at most %d)",
                    SPC_LINE_MAX, SPC_LINE_MAX);
    r->buf[r->len++] = (char)ch;
  }
  if (r->len && r->buf[r->len - 1] == '\r') r->len--;
  r->buf[r->len] = '\0';
  return 1;
}

typedef struct fields {
  int n;                        /* fields on the line (all of them) */
  const char *at[SPC_NCOLS + 1]; /* the first SPC_NCOLS + 1 */
  int col[SPC_NCOLS + 1];        /* their 1-based columns */
} fields_t;

/* Split buf at commas, in place. Invariant: at[i] and col[i] are set for
 * i < min(n, SPC_NCOLS + 1). */
static void split(char *buf, fields_t *f) {
  char *p = buf, *c;
  f->n = 0;
  for (;;) {
    if (f->n <= SPC_NCOLS) {
      f->at[f->n] = p;
      f->col[f->n] = (int)(p - buf) + 1;
    }
    f->n++;
    if (!(c = strchr(p, ','))) return;
    *c = '\0';
    p = c + 1;
  }
}

/* At most 40 bytes of a field for a message, bytes that are not
 * printable ASCII shown as '?'. */
static const char *shown(const char *t, char out[41]) {
  size_t i;
  for (i = 0; t[i] && i < 40; i++)
    out[i] = t[i] >= 0x20 && t[i] < 0x7f ? t[i] : '?';
  out[i] = '\0';
  return out;
}

static int read_header(reader_t *r) {
  char sh[41];
  fields_t f;
  int rc = next_line(r), i;
  if (rc == 0)
    return err_at(r->e, r->name, 0, 0, "header",
                  "empty file (got no header row, expected %s,...)", spc_columns[0]);
  if (rc != 1) return rc;
  split(r->buf, &f);
  for (i = 0; i < SPC_NCOLS; i++) {
    if (i >= f.n)
      return err_at(r->e, r->name, r->line, (int)r->len + 1, "header",
                    "missing column (got %d columns, expected %s as column %d)",
                    f.n, spc_columns[i], i + 1);
    if (strcmp(f.at[i], spc_columns[i]))
      return err_at(r->e, r->name, r->line, f.col[i], "header",
                    "unexpected column (got %s, expected %s)", shown(f.at[i], sh),
                    spc_columns[i]);
  }
  if (f.n > SPC_NCOLS)
    return err_at(r->e, r->name, r->line, f.col[SPC_NCOLS], "header",
                  "extra column (got %d columns, expected %d)", f.n, SPC_NCOLS);
  return 0;
}

/* ---- one field ------------------------------------------------------- */

static int bad_field(const reader_t *r, const fields_t *f, int c,
                     const char *what, const char *expected) {
  char sh[41];
  return err_at(r->e, r->name, r->line, f->col[c], spc_columns[c],
                "%s (got %s, expected %s)", what,
                f->at[c][0] ? shown(f->at[c], sh) : "an empty field", expected);
}

/* A decimal integer in [lo, hi], or -1 when neg1 allows it. */
static int get_int(const reader_t *r, const fields_t *f, int c, long lo,
                   long hi, bool neg1, int *out) {
  const char *s = f->at[c];
  long long v = 0;
  int i, neg = s[0] == '-';
  char want[80];
  snprintf(want, sizeof want, "%san integer in %ld..%ld", neg1 ? "-1 or " : "",
           lo, hi);
  for (i = neg; isdigit((unsigned char)s[i]); i++)
    if (v < 1000000000000LL) v = v * 10 + (s[i] - '0');
  if (i == neg || s[i]) return bad_field(r, f, c, "not an integer", want);
  if (neg) v = -v;
  if ((v < lo || v > hi) && !(neg1 && v == -1))
    return bad_field(r, f, c, "out of range", want);
  *out = (int)v;
  return 0;
}

/* A finite decimal number (digits, sign, point, exponent only). */
static int get_real(const reader_t *r, const fields_t *f, int c,
                    const char *want, double *out) {
  const char *s = f->at[c];
  char *end;
  if (!s[0] || s[strspn(s, "0123456789.+-eE")])
    return bad_field(r, f, c, "not a number", want);
  *out = strtod(s, &end);
  if (*end || !isfinite(*out)) return bad_field(r, f, c, "not a number", want);
  return 0;
}

static int get_bool(const reader_t *r, const fields_t *f, int c, bool *out) {
  if (strcmp(f->at[c], "True") == 0) *out = true;
  else if (strcmp(f->at[c], "False") == 0) *out = false;
  else return bad_field(r, f, c, "not a boolean", "True or False");
  return 0;
}

/* ---- one row ----------------------------------------------------------- */

/* The integer columns: where they go and their ranges. */
typedef struct int_col {
  int c;
  size_t off;
  long lo, hi;
  bool neg1;
} int_col_t;

#define RO(f) offsetof(spc_row_t, f)
static const int_col_t int_cols[] = {
    {SPC_ITER, RO(iter), 0, SPC_MAX_POS - 1, false},
    {SPC_LAYER, RO(layer), 0, SPC_MAX_LAYERS - 1, false},
    {SPC_HEAD, RO(head), 0, SPC_MAX_HEADS - 1, false},
    {SPC_L, RO(len), 1, SPC_MAX_POS, false},
    {SPC_KF, RO(kf), 1, SPC_MAX_POS, false},
    {SPC_KBITS, RO(kbits), 1, 16, true},
    {SPC_QBITS, RO(qbits), 1, 16, true},
    {SPC_INCRE, RO(incre), 0, 16, true},
    {SPC_VF, RO(vf), 1, SPC_MAX_POS, false},
    {SPC_VBITS, RO(vbits), 1, 16, true},
    {SPC_TOPK, RO(topk), 0, SPC_MAX_POS, true},
};

static const struct { int c; size_t off; } bool_cols[] = {
    {SPC_REQUANT, RO(requant)}, {SPC_ACC, RO(acc)},
    {SPC_RESCALE, RO(rescale)}, {SPC_IFTOPK, RO(do_topk)}};

/* Every field of a row with SPC_NCOLS fields, by type. */
static int parse_fields(const reader_t *r, const fields_t *f, spc_row_t *w) {
  double d;
  size_t i;
  int rc;
  for (i = 0; i < sizeof int_cols / sizeof int_cols[0]; i++)
    if ((rc = get_int(r, f, int_cols[i].c, int_cols[i].lo, int_cols[i].hi,
                      int_cols[i].neg1, (int *)((char *)w + int_cols[i].off))))
      return rc;
  for (i = 0; i < sizeof bool_cols / sizeof bool_cols[0]; i++)
    if ((rc = get_bool(r, f, bool_cols[i].c, (bool *)((char *)w + bool_cols[i].off))))
      return rc;
  if ((rc = get_real(r, f, SPC_D, "a whole number in 1..1024", &d))) return rc;
  if (d != floor(d) || d < 1 || d > 1024)
    return bad_field(r, f, SPC_D, d != floor(d) ? "not a whole number" : "out of range",
                     "a whole number in 1..1024, such as 64.0");
  w->d = (int)d;
  if ((rc = get_real(r, f, SPC_THR, "-1 or a number in 0..1", &w->thr))) return rc;
  if (w->thr != -1 && (w->thr < 0 || w->thr > 1))
    return bad_field(r, f, SPC_THR, "out of range", "-1 or a number in 0..1");
  return 0;
}

/* Rules between a row's fields. */
static int check_row(const reader_t *r, const fields_t *f, const spc_row_t *w) {
  char want[96];
  snprintf(want, sizeof want, "at most sentence_length_L = %d", w->len);
  if (w->kf > w->len) return bad_field(r, f, SPC_KF, "more keys than the context", want);
  snprintf(want, sizeof want, "at most key_fetch_num = %d", w->kf);
  if (w->vf > w->kf) return bad_field(r, f, SPC_VF, "more values than keys", want);
  if (w->requant && (w->thr < 0 || w->incre <= 0 || w->kbits < 0))
    return bad_field(r, f, SPC_REQUANT, "a refetch without low bits",
                     "False when auto_requant_thres or quant_key_bit is -1 or "
                     "auto_requant_incre is not positive");
  snprintf(want, sizeof want, "0..sentence_length_L = %d when if_topk is True", w->len);
  if (w->do_topk && (w->topk < 0 || w->topk > w->len))
    return bad_field(r, f, SPC_TOPK, "no top-k size", want);
  return 0;
}

/* Parse a request row (f holds its fields). */
static int parse_row(const reader_t *r, const fields_t *f, spc_row_t *w) {
  int i, rc;
  memset(w, 0, sizeof *w);
  if (f->n < SPC_NCOLS)
    return err_at(r->e, r->name, r->line, (int)r->len + 1, spc_columns[f->n],
                  "missing field (got %d fields, expected %d)", f->n, SPC_NCOLS);
  if (f->n > SPC_NCOLS)
    return err_at(r->e, r->name, r->line, f->col[SPC_NCOLS], "(row)",
                  "extra field (got %d fields, expected %d)", f->n, SPC_NCOLS);
  w->line = r->line;
  for (i = 0; i < SPC_NCOLS; i++) w->col[i] = (unsigned short)f->col[i];
  if ((rc = parse_fields(r, f, w))) return rc;
  return check_row(r, f, w);
}

/* ---- rows of the file ---------------------------------------------- */

/* What a layer's rows must agree on, as the workload holds it: 0 = full
 * precision or no refetch (common/schedule.h). */
static double layer_value(const spc_row_t *w, int c) {
  switch (c) {
  case SPC_KBITS: return w->kbits < 0 ? 0 : w->kbits;
  case SPC_INCRE: return w->thr >= 0 && w->incre > 0 ? w->incre : 0;
  case SPC_VBITS: return w->vbits < 0 ? 0 : w->vbits;
  default: return w->thr >= 0 ? w->thr : 0; /* SPC_THR */
  }
}

/* Row w (about to be row s->nrows) against the first row of its layer
 * and the first row of the file. first[l]: index of layer l's first row,
 * -1 before it. */
static int check_consistent(const spc_t *s, int *first, const spc_row_t *w,
                            err_t *e) {
  static const int cols[] = {SPC_KBITS, SPC_INCRE, SPC_VBITS, SPC_THR};
  const spc_row_t *f0;
  if (s->nrows && w->d != s->rows[0].d)
    return err_at(e, s->name, w->line, w->col[SPC_D], spc_columns[SPC_D],
                  "differs from line %d (got %d, expected %d)", s->rows[0].line,
                  w->d, s->rows[0].d);
  if (first[w->layer] < 0) {
    first[w->layer] = s->nrows;
    return 0;
  }
  f0 = &s->rows[first[w->layer]];
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
    if (layer_value(w, cols[i]) != layer_value(f0, cols[i]))
      return err_at(e, s->name, w->line, w->col[cols[i]], spc_columns[cols[i]],
                    "differs within layer %d (got %g, expected %g as on line %d)",
                    w->layer, layer_value(w, cols[i]), layer_value(f0, cols[i]),
                    f0->line);
  return 0;
}

/* Room for one more row. */
static int grow(spc_t *s, int *cap, const reader_t *r) {
  spc_row_t *p;
  if (s->nrows < *cap) return 0;
  if (s->nrows == SPC_MAX_ROWS)
    return err_at(r->e, r->name, r->line, 1, "(row)",
                  "too many rows (got more than %d, expected at most %d)",
                  SPC_MAX_ROWS, SPC_MAX_ROWS);
  *cap = *cap ? 2 * *cap : 256;
  if (!(p = realloc(s->rows, (size_t)*cap * sizeof *p)))
    return err_set(r->e, ERR_RUN, "out of memory reading %s", r->name);
  s->rows = p;
  return 0;
}

static bool is_number(const char *t) {
  char *end;
  if (!t[0] || isspace((unsigned char)t[0])) return false;
  (void)strtod(t, &end);
  return *end == '\0';
}

/* The request rows. A line that is not a request (empty, or its first
 * field not a number) may only be the last: pend holds its line (0: none
 * seen) and any later non-empty line is the error. */
static int read_rows(spc_t *s, reader_t *r, int *first) {
  fields_t f;
  char ptext[48] = "";
  int rc, pend = 0, cap = 0;
  long long keys = 0;
  while ((rc = next_line(r)) == 1) {
    if (pend && r->len)
      return err_at(r->e, r->name, pend, 1, spc_columns[0],
                    "not a request, and not the last row (got %s, expected "
                    "a number)", ptext[0] ? ptext : "an empty row");
    split(r->buf, &f);
    if (!is_number(f.at[0])) {
      if (!pend) shown(f.at[0], ptext);
      if (!pend) pend = r->line;
      continue;
    }
    if ((rc = grow(s, &cap, r)) || (rc = parse_row(r, &f, &s->rows[s->nrows])) ||
        (rc = check_consistent(s, first, &s->rows[s->nrows], r->e)))
      return rc;
    if ((keys += s->rows[s->nrows].kf) > SPC_MAX_KEYS)
      return err_at(r->e, r->name, r->line, f.col[SPC_KF], spc_columns[SPC_KF],
                    "too many keys in all (got more than %lld, expected at most %lld)",
                    SPC_MAX_KEYS, SPC_MAX_KEYS);
    s->nrows++;
  }
  return rc;
}

/* ---- the workload ---------------------------------------------------- */

/* name: the file's base name without .csv, in characters YAML keeps. */
static void wl_name(char *out, size_t len, const char *path) {
  const char *b = strrchr(path, '/');
  size_t i, n = 0, m;
  b = b ? b + 1 : path;
  m = strlen(b) - (spc_is_csv(b) ? 4 : 0);
  for (i = 0; i < m && n + 1 < len; i++)
    out[n++] = isalnum((unsigned char)b[i]) || strchr("-_.", b[i]) ? b[i] : '_';
  if (!n) out[n++] = 'x';
  out[n] = '\0';
}

/* Every row's context fits the K/V cache: L <= prompt + generate. */
static int check_context(const spc_t *s, int ctx, err_t *e) {
  for (int i = 0; i < s->nrows && ctx <= SPC_MAX_POS; i++)
    if (s->rows[i].len > ctx)
      return err_at(e, s->name, s->rows[i].line, s->rows[i].col[SPC_L],
                    spc_columns[SPC_L],
                    "longer than the K/V cache (got %d, expected at most "
                    "prompt + generate = %d: the first row's L - 1 plus the "
                    "iterations)", s->rows[i].len, ctx);
  return 0;
}

/* Per-layer schedule bits: one entry when all layers agree, else one per
 * layer (a layer without rows takes the defaults: full precision). */
static int set_schedule(spc_t *s, const int *first, err_t *e) {
  static const int keys[] = {WL_S_KEY_MSB, WL_S_KEY_LSB, WL_S_VALUE_BITS,
                             WL_S_THRESHOLD};
  static const int cols[] = {SPC_KBITS, SPC_INCRE, SPC_VBITS, SPC_THR};
  wl_t *w = &s->wl;
  for (int k = 0; k < 4; k++) {
    double v0 = first[0] >= 0 ? layer_value(&s->rows[first[0]], cols[k]) : 0;
    int n = 1;
    for (int l = 0; l < w->layers; l++) {
      double v = first[l] >= 0 ? layer_value(&s->rows[first[l]], cols[k]) : 0;
      if (v != v0) n = w->layers;
      if (l < WL_SCHED_MAX) w->sched[keys[k]][l] = v;
    }
    if (n > WL_SCHED_MAX)
      return err_at(e, s->name, 0, 0, spc_columns[cols[k]],
                    "differs between layers of a deep model (got %d layers, "
                    "expected at most %d when the layers' bits differ)",
                    w->layers, WL_SCHED_MAX);
    w->sched_n[keys[k]] = n;
  }
  return 0;
}

static int build_wl(spc_t *s, const int *first, err_t *e) {
  wl_t *w = &s->wl;
  int iters = 0;
  wl_defaults(w);
  wl_name(w->name, sizeof w->name, s->name);
  w->phase = WL_DECODE;
  w->ncases = 1;
  w->layers = w->heads = 1;
  for (int i = 0; i < s->nrows; i++) {
    const spc_row_t *r = &s->rows[i];
    if (r->layer >= w->layers) w->layers = r->layer + 1;
    if (r->head >= w->heads) w->heads = r->head + 1;
    if (r->iter >= iters) iters = r->iter + 1;
  }
  w->head_dim = s->rows[0].d;
  w->prompt = s->rows[0].len - 1;
  w->generate = iters;
  if (check_context(s, w->prompt + w->generate, e) || set_schedule(s, first, e))
    return e->status;
  return wl_validate(w, s->name, e);
}

int spc_load(spc_t *s, FILE *f, const char *name, err_t *e) {
  reader_t *r = calloc(1, sizeof *r); /* its line buffer off the stack */
  int first[SPC_MAX_LAYERS], rc;
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  if (!r) return err_set(e, ERR_RUN, "out of memory reading %s", name);
  r->f = f;
  r->name = s->name;
  r->e = e;
  for (int l = 0; l < SPC_MAX_LAYERS; l++) first[l] = -1;
  if (!(rc = read_header(r))) rc = read_rows(s, r, first);
  free(r);
  if (rc) return rc;
  if (!s->nrows)
    return err_at(e, s->name, 0, 0, "(rows)",
                  "no request rows (got 0, expected at least 1 after the header)");
  return build_wl(s, first, e);
}

/* ---- lowering ---------------------------------------------------------- */

typedef struct low {
  const spc_t *s;
  lay_t lay;
  emitter_t em;
  ring_t k, v, sc, o, ib;
  int chunk; /* rows per K/V fetch */
} low_t;

static void emit(low_t *c, uint8_t op, int a, int b, int cc, int d, int e,
                 uint64_t addr) {
  em_put(&c->em, op, a, b, cc, d, e, addr);
}

static void ldk(low_t *c, const spc_row_t *r, lay_tensor_t t, int at, int j,
                int n) {
  emit(c, OP_LDK, at, n, 0, 0, 0, lay_addr(&c->lay, t, 0, r->layer, r->head, j));
}

/* Keys [0, kf) of row r from plane t (LAY_K: the MSBs or whole keys;
 * LAY_KL: the low bits, then QK at all fetched bits) and their scores at
 * so, chunk by chunk. kb: the row's resident KBUF block; -1 streams the
 * keys through the ring, and a refetch then loads the evicted MSBs again
 * before their low bits. */
static void keys(low_t *c, const spc_row_t *r, lay_tensor_t t, int kb, int so) {
  int j, n, full = t == LAY_KL ? ISA_FULL : 0;
  for (j = 0; j < r->kf; j += n) {
    int at;
    n = r->kf - j < c->chunk ? r->kf - j : c->chunk;
    at = kb >= 0 ? kb + j : ring_alloc(&c->k, n);
    if (kb < 0 && t == LAY_KL) ldk(c, r, LAY_K, at, j, n);
    ldk(c, r, t, at, j, n);
    emit(c, OP_QK, 0, at, n, full, so + j, 0);
  }
}

/* Values [0, vf) (contiguous: without data the kept rows are unknown,
 * only their number matters) weighted by the probabilities at so. */
static void values(low_t *c, const spc_row_t *r, int so) {
  int orow = ring_alloc(&c->o, 1), j, n;
  for (j = 0; j < r->vf; j += n) {
    int at;
    n = r->vf - j < c->chunk ? r->vf - j : c->chunk;
    at = ring_alloc(&c->v, n);
    emit(c, OP_LDV, at, n, 0, 0, 0,
         lay_addr(&c->lay, LAY_V, 0, r->layer, r->head, j));
    emit(c, OP_AV, orow, at, n, j > 0 ? ISA_ACC : 0, so + j, 0);
  }
}

/* One request (docs/isa.md, "Imported traces"). */
static void lower_row(low_t *c, const spc_row_t *r) {
  int so = ring_alloc(&c->sc, r->kf);
  int kb = 2 * r->kf <= c->k.cap ? ring_alloc(&c->k, r->kf) : -1;
  int imp = r->acc ? ISA_IMP : 0; /* on the softmax giving the final p */
  keys(c, r, LAY_K, kb, so);
  emit(c, OP_SMAX, so, r->kf, 0, r->requant ? 0 : imp, 0, 0);
  if (r->requant) {
    keys(c, r, LAY_KL, kb, so);
    emit(c, OP_SMAX, so, r->kf, 0, imp, 0, 0);
  }
  if (r->vf < r->kf)
    emit(c, OP_TOPK, ring_alloc(&c->ib, r->vf), r->kf, r->vf, TOPK_VALUES, so, 0);
  values(c, r, so);
  /* a top-k keeping more than the row's keys ranks the whole context (the
   * last layer's, choosing the next step's tokens) */
  if (r->do_topk)
    emit(c, OP_TOPK, 0, r->topk > r->kf ? r->len : r->kf, r->topk, TOPK_TOKENS, 0, 0);
}

/* Rows the config cannot run: a refetch in a layer whose keys are
 * already at the datapath width (no low-bit plane). */
static int check_rows(const low_t *c, const cfg_t *cfg, err_t *e) {
  const spc_t *s = c->s;
  for (int i = 0; i < s->nrows; i++) {
    const spc_row_t *r = &s->rows[i];
    if (r->requant && !c->lay.bits[LAY_KL][r->layer])
      return err_at(e, s->name, r->line, r->col[SPC_REQUANT],
                    spc_columns[SPC_REQUANT],
                    "no low bits to refetch (got True with quant_key_bit %d, "
                    "expected False when it is >= datapath.width %d)",
                    r->kbits, cfg->width);
  }
  return 0;
}

/* Score-buffer check first, so it names the row, then the layout. */
static int setup(low_t *c, const cfg_t *cfg, const char *cfg_name, err_t *e) {
  int sbuf = cfg->score_buffer_entries > 65535 ? 65535 : cfg->score_buffer_entries;
  for (int i = 0; i < c->s->nrows; i++)
    if (c->s->rows[i].kf > sbuf)
      return err_at(e, c->s->name, c->s->rows[i].line, c->s->rows[i].col[SPC_KF],
                    spc_columns[SPC_KF],
                    "more keys than the score buffer holds (got %d, expected at "
                    "most buffers.score_entries = %d)", c->s->rows[i].kf, sbuf);
  if (lay_init(&c->lay, cfg, &c->s->wl, cfg_name, e) || check_rows(c, cfg, e))
    return ERR_BAD_INPUT;
  c->k.cap = c->lay.kbuf_rows;
  c->v.cap = c->lay.vbuf_rows;
  c->o.cap = c->lay.obuf_rows;
  c->sc.cap = c->ib.cap = c->lay.sbuf_entries;
  /* as compile.c: two chunks in flight per ring at least */
  c->chunk = cfg->chunk_rows;
  if (c->chunk > c->k.cap / 2) c->chunk = c->k.cap / 2;
  if (c->chunk > c->v.cap / 2) c->chunk = c->v.cap / 2;
  if (c->chunk < 1) c->chunk = 1;
  return 0;
}

int spc_compile(const cfg_t *cfg, const spc_t *s, const char *cfg_name,
                FILE *f, err_t *e) {
  low_t c;
  int layer = -1;
  memset(&c, 0, sizeof c);
  c.s = s;
  c.em.e = e;
  if (setup(&c, cfg, cfg_name, e)) return e->status;
  if (trw_open(&c.em.tw, f, cfg_hash(cfg), &s->wl, e)) return e->status;
  for (int i = 0; i < s->nrows && !c.em.rc; i++) {
    if (s->rows[i].layer != layer)
      emit(&c, OP_LAYER, 0, layer = s->rows[i].layer, 0, 0, 0, 0);
    lower_row(&c, &s->rows[i]);
  }
  if (c.em.rc) return c.em.rc;
  return trw_close(&c.em.tw, e);
}

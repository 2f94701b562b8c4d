/* yload.c - strict schema-driven YAML loading (rules in yload.h).
 *
 * Flow: a file or a "key=value" text is parsed by libyaml's document API;
 * mappings are walked with a dotted path prefix; each leaf is parsed into a
 * yl_val_t (which owns copies of any text) and only then stored, so a failed
 * key never writes to the target. The same value type feeds formatting, so
 * the canonical text, dumps and defaults all share one formatter.
 */
#include "yload.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "file.h"

#define YL_STR_MAX 1024   /* largest string/path field a schema may declare */
#define YL_KEY_MAX 128    /* longest dotted key path */
#define YL_FILE_MAX (16 << 20) /* largest YAML file read (bytes) */
#define YL_SHOW_MAX 48    /* characters of a bad value quoted in messages */
#define YL_SHOWN_LEN (4 * YL_SHOW_MAX + 8) /* room for it escaped */
#define YL_TEXT_MAX (4 * YL_STR_MAX + 64) /* one formatted value */

/* A parsed or read-back value; self-contained (strings are copied). */
typedef struct yl_val {
  int64_t i;                 /* INT, INT64, BOOL, ENUM index */
  uint64_t u;                /* UINT64 */
  double d;                  /* DOUBLE */
  int n;                     /* INT_LIST entries */
  int list[YL_LIST_MAX];     /* INT_LIST entries */
  double dlist[YL_LIST_MAX]; /* DBL_LIST entries */
  char s[YL_STR_MAX];        /* STRING, PATH, ENUM_STR */
} yl_val_t;

/* Parsing context. line < 0: node marks are file positions; line 0: no
 * location (--set); line > 0: one text line, value starting at column col. */
typedef struct yl_ctx {
  const yl_schema_t *s;
  const char *origin;        /* file name or "<--set>" for messages */
  const char *dir;           /* folder (with '/') for relative paths, or NULL */
  int line, col;
  yaml_document_t *doc;
  void *obj;                 /* NULL: a dry walk, values only checked */
  yl_mark_t *marks;          /* NULL when the caller does not track keys */
  err_t *e;
  const char *src;           /* the YAML text being parsed, for marks */
  size_t srclen;
  const char *base_key;      /* yl_load_base's key, which the walk skips */
} yl_ctx_t;

/* ---------------------------------------------------------------- schema */

int yl_find(const yl_schema_t *s, const char *key) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->keys[i].key, key) == 0) return i;
  return -1;
}

/* True when some key lies below path ("dram" for "dram.channels"). */
static bool yl_is_section(const yl_schema_t *s, const char *path) {
  size_t n = strlen(path);
  for (int i = 0; i < s->n; i++)
    if (strncmp(s->keys[i].key, path, n) == 0 && s->keys[i].key[n] == '.')
      return true;
  return false;
}

bool yl_is_set(const yl_schema_t *s, const yl_mark_t *marks, const char *key) {
  int i = yl_find(s, key);
  return marks && i >= 0 && marks[i].set;
}

/* Index of text among "a|b|c" choices, or -1. */
static int yl_choice(const char *choices, const char *text) {
  size_t n = strlen(text);
  int idx = 0;
  for (const char *p = choices; p; idx++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, text, n) == 0) return idx;
    p = bar ? bar + 1 : NULL;
  }
  return -1;
}

/* Copy choice idx into buf; false when idx is out of range. */
static bool yl_choice_at(const char *choices, int idx, char *buf, size_t len) {
  const char *p = choices;
  for (int i = 0; i < idx && p; i++) {
    p = strchr(p, '|');
    if (p) p++;
  }
  if (!p || idx < 0) return false;
  snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
  return true;
}

static const char *yl_type_name(yl_type_t t) {
  static const char *names[] = {"int",    "int64", "uint64", "float", "bool",
                                "string", "path",  "enum",   "enum",
                                "int list", "number list"};
  return names[t];
}

static bool yl_is_list(const yl_key_t *k) {
  return k->type == YL_INT_LIST || k->type == YL_DBL_LIST;
}

/* Scalar type of a key's entries (an int list holds ints). */
static yl_type_t yl_elem_type(const yl_key_t *k) {
  return k->type == YL_INT_LIST   ? YL_INT
         : k->type == YL_DBL_LIST ? YL_DOUBLE
                                  : k->type;
}

/* What a key accepts, for "expected ..." in messages. */
static void yl_expect(const yl_key_t *k, char *buf, size_t len) {
  switch (k->type) {
  case YL_INT: case YL_INT64: snprintf(buf, len, "an integer"); break;
  case YL_UINT64: snprintf(buf, len, "a non-negative integer"); break;
  case YL_DOUBLE: snprintf(buf, len, "a number"); break;
  case YL_BOOL: snprintf(buf, len, "true or false"); break;
  case YL_STRING: snprintf(buf, len, "a string"); break;
  case YL_PATH: snprintf(buf, len, "a path"); break;
  case YL_ENUM: case YL_ENUM_STR:
    snprintf(buf, len, "one of %s", k->choices);
    break;
  case YL_INT_LIST: snprintf(buf, len, "an integer or a list of integers");
    break;
  case YL_DBL_LIST: snprintf(buf, len, "a number or a list of numbers");
  }
}

/* Shortest decimal text that reads back as exactly d; whole numbers below
 * 1e15 without an exponent (50, not 5e+01). */
static void yl_fmt_double(double d, char *buf, size_t len) {
  if (fabs(d) < 1e15 && d == floor(d)) {
    snprintf(buf, len, "%.0f", d);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) return;
  }
}

/* Range as text: "1..1024", ">= 0", "> 0 and <= 1000", "any". */
static void yl_range_text(const yl_key_t *k, char *buf, size_t len) {
  char lo[40], hi[40];
  bool has_lo = isfinite(k->min), has_hi = isfinite(k->max);
  bool open = k->flags & YL_MIN_OPEN;
  yl_fmt_double(k->min, lo, sizeof lo);
  yl_fmt_double(k->max, hi, sizeof hi);
  if (!has_lo && !has_hi) snprintf(buf, len, "any");
  else if (!has_hi) snprintf(buf, len, "%s %s", open ? ">" : ">=", lo);
  else if (!has_lo) snprintf(buf, len, "<= %s", hi);
  else if (open) snprintf(buf, len, "> %s and <= %s", lo, hi);
  else snprintf(buf, len, "%s..%s", lo, hi);
}

/* x within the key's range (and within int for int-typed entries). */
static bool yl_in_range(const yl_key_t *k, double x) {
  if (yl_elem_type(k) == YL_INT && (x < INT_MIN || x > INT_MAX)) return false;
  if (k->flags & YL_MIN_OPEN ? x <= k->min : x < k->min) return false;
  return x <= k->max;
}

/* ------------------------------------------------------- strict numbers */

typedef enum {
  YL_NUM_OK,
  YL_NUM_SYNTAX,   /* not a number of this type */
  YL_NUM_ZERO,     /* leading zero (010) */
  YL_NUM_OVERFLOW  /* beyond 64 bits, or not finite */
} yl_num_t;

/* Digits of an unsigned decimal: "0" or no leading zero. *end: first
 * character after the digits. */
static yl_num_t yl_digits(const char *p, const char **end) {
  const char *q = p;
  while (isdigit((unsigned char)*q)) q++;
  *end = q;
  if (q == p) return YL_NUM_SYNTAX;
  return (p[0] == '0' && q - p > 1) ? YL_NUM_ZERO : YL_NUM_OK;
}

/* [-+]?(0|[1-9][0-9]*) into int64; rejects 010 (octal in YAML 1.1), 1_6,
 * 0x10 and 1.0; overflow is reported, never wrapped. */
static yl_num_t yl_parse_i64(const char *t, int64_t *out) {
  const char *p = t + (*t == '-' || *t == '+'), *end;
  yl_num_t r = yl_digits(p, &end);
  if (*end) return YL_NUM_SYNTAX;
  if (r != YL_NUM_OK) return r;
  errno = 0;
  *out = strtoll(t, NULL, 10);
  return errno == ERANGE ? YL_NUM_OVERFLOW : YL_NUM_OK;
}

static yl_num_t yl_parse_u64(const char *t, uint64_t *out) {
  const char *p = t + (*t == '+'), *end;
  yl_num_t r = yl_digits(p, &end);
  if (*end) return YL_NUM_SYNTAX;
  if (r != YL_NUM_OK) return r;
  errno = 0;
  *out = strtoull(p, NULL, 10);
  return errno == ERANGE ? YL_NUM_OVERFLOW : YL_NUM_OK;
}

/* [-+]?(digits[.digits*]|.digits)([eE][-+]?digits)?, finite; no leading
 * zero before another digit (00.5, 010) for the same reason as ints. */
static yl_num_t yl_parse_f64(const char *t, double *out) {
  const char *p = t + (*t == '-' || *t == '+'), *q = p;
  size_t ndig;
  while (isdigit((unsigned char)*q)) q++;
  ndig = (size_t)(q - p);
  if (ndig > 1 && p[0] == '0') return YL_NUM_ZERO;
  if (*q == '.') {
    const char *frac = ++q;
    while (isdigit((unsigned char)*q)) q++;
    ndig += (size_t)(q - frac);
  }
  if (ndig == 0) return YL_NUM_SYNTAX;
  if (*q == 'e' || *q == 'E') {
    q += 1 + (q[1] == '-' || q[1] == '+');
    if (!isdigit((unsigned char)*q)) return YL_NUM_SYNTAX;
    while (isdigit((unsigned char)*q)) q++;
  }
  if (*q) return YL_NUM_SYNTAX;
  *out = strtod(t, NULL);
  return isfinite(*out) ? YL_NUM_OK : YL_NUM_OVERFLOW;
}

/* ------------------------------------------------------------ messages */

/* 1-based location of a node mark in the context's origin (0 = none). */
static void yl_loc(const yl_ctx_t *c, yaml_mark_t m, int *line, int *col) {
  if (c->line < 0) {
    *line = (int)m.line + 1;
    *col = (int)m.column + 1;
  } else {
    *line = c->line;
    *col = c->line ? c->col + (int)m.column : 0;
  }
}

__attribute__((format(printf, 4, 5)))
static int yl_fail(const yl_ctx_t *c, yaml_mark_t m, const char *key,
                   const char *fmt, ...) {
  char msg[800];
  int line, col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  yl_loc(c, m, &line, &col);
  return err_at(c->e, c->origin, line, col, key, "%s", msg);
}

/* Up to YL_SHOW_MAX bytes of t for a one-line message: printable ASCII as
 * is, anything else (control bytes, non-ASCII, a truncated UTF-8
 * sequence) as \xNN, and "..." when cut short. */
static void yl_printable(const char *t, char *buf, size_t len) {
  size_t n = 0, i;
  buf[0] = '\0';
  for (i = 0; t[i] && i < YL_SHOW_MAX && n + 5 < len; i++) {
    unsigned char ch = (unsigned char)t[i];
    n += (size_t)snprintf(buf + n, len - n, ch >= 0x20 && ch < 0x7f ? "%c"
                                                                     : "\\x%02x",
                          ch);
  }
  if (t[i] && n + 4 < len) snprintf(buf + n, len - n, "...");
}

/* How a node looks in "got ...": plain text as is, quoted text in quotes. */
static void yl_show(const yaml_node_t *n, char *buf, size_t len) {
  char p[YL_SHOWN_LEN - 2]; /* leaves room for the quotes */
  yl_printable((const char *)n->data.scalar.value, p, sizeof p);
  if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    snprintf(buf, len, "%s", p);
  else
    snprintf(buf, len, "\"%s\"", p);
}

static const char *yl_kind(const yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE) return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE) return "a list";
  return "a scalar";
}

/* libyaml's parser error at its problem mark. */
static int yl_syntax(const yl_ctx_t *c, const yaml_parser_t *p,
                     const char *key) {
  const char *what = p->problem ? p->problem : "?";
  char where[200] = "";
  int line, col;
  if (p->error == YAML_MEMORY_ERROR)
    return err_at(c->e, c->origin, 0, 0, key, "out of memory");
  if (p->error == YAML_READER_ERROR)
    return err_at(c->e, c->origin, 0, 0, key,
                  "unreadable input: %s (at byte %zu)", what,
                  p->problem_offset);
  if (p->context) { /* e.g. "while scanning a quoted scalar" and where */
    bool same = p->context_mark.line == p->problem_mark.line &&
                p->context_mark.column == p->problem_mark.column;
    yl_loc(c, p->context_mark, &line, &col);
    if (same || line == 0) snprintf(where, sizeof where, " (%s)", p->context);
    else snprintf(where, sizeof where, " (%s at %d:%d)", p->context, line, col);
  }
  return yl_fail(c, p->problem_mark, key, "syntax error: %s%s", what, where);
}

/* -------------------------------------------------------------- values */

/* Parse a plain numeric scalar of type t into v, range-checked.
 * want: what the key accepts, for messages. */
static int yl_number(const yl_ctx_t *c, const yl_key_t *k, yl_type_t t,
                     const yaml_node_t *n, const char *want, yl_val_t *v) {
  const char *text = (const char *)n->data.scalar.value;
  char shown[YL_SHOWN_LEN], range[100];
  yl_num_t r;
  double x = 0;
  yl_show(n, shown, sizeof shown);
  if (t == YL_DOUBLE) r = yl_parse_f64(text, &v->d), x = v->d;
  else if (t == YL_UINT64) r = yl_parse_u64(text, &v->u);
  else r = yl_parse_i64(text, &v->i), x = (double)v->i;
  if (r == YL_NUM_SYNTAX)
    return yl_fail(c, n->start_mark, k->key, "wrong type (got %s, expected %s)",
                   shown, want);
  if (r == YL_NUM_ZERO)
    return yl_fail(c, n->start_mark, k->key,
                   "leading zero, octal in YAML 1.1 (got %s, expected a "
                   "decimal number without leading zeros)", shown);
  if (r == YL_NUM_OVERFLOW)
    return yl_fail(c, n->start_mark, k->key, "overflow (got %s, expected %s)",
                   shown, t == YL_DOUBLE ? "a finite number"
                                  : "an integer that fits in 64 bits");
  yl_range_text(k, range, sizeof range);
  if (t != YL_UINT64 && !yl_in_range(k, x))
    return yl_fail(c, n->start_mark, k->key,
                   "out of range (got %s, expected %s)", shown, range);
  return 0;
}

/* Text-valued keys: strings, paths (resolved against c->dir) and enums.
 * Invariant: v->s holds at most k->size - 1 bytes for text-stored keys. */
static int yl_textual(const yl_ctx_t *c, const yl_key_t *k,
                      const yaml_node_t *n, const char *want, yl_val_t *v) {
  const char *t = (const char *)n->data.scalar.value;
  const char *base = (k->type == YL_PATH && c->dir && t[0] && t[0] != '/')
                         ? c->dir : "";
  char shown[YL_SHOWN_LEN];
  int len;
  yl_show(n, shown, sizeof shown);
  if (strlen(t) != n->data.scalar.length)
    return yl_fail(c, n->start_mark, k->key,
                   "NUL byte in text (got %s, expected %s)", shown, want);
  if (k->type == YL_ENUM || k->type == YL_ENUM_STR) {
    v->i = yl_choice(k->choices, t);
    if (v->i < 0)
      return yl_fail(c, n->start_mark, k->key,
                     "not a choice (got %s, expected %s)", shown, want);
    if (k->type == YL_ENUM) return 0;
  }
  len = snprintf(v->s, sizeof v->s, "%s%s", base, t);
  if (len < 0 || (size_t)len + 1 > k->size || (size_t)len >= sizeof v->s)
    return yl_fail(c, n->start_mark, k->key,
                   "too long (got %d bytes%s, expected at most %zu)", len,
                   *base ? " once resolved against the file's folder" : "",
                   k->size - 1);
  return 0;
}

/* Any scalar for key k; t is k's type, or YL_INT for a list entry. */
static int yl_scalar(const yl_ctx_t *c, const yl_key_t *k, yl_type_t t,
                     const yaml_node_t *n, yl_val_t *v) {
  const char *text = (const char *)n->data.scalar.value;
  char shown[YL_SHOWN_LEN], want[200];
  yl_show(n, shown, sizeof shown);
  if (t != k->type) snprintf(want, sizeof want, "an integer");
  else yl_expect(k, want, sizeof want);
  if (t == YL_STRING || t == YL_PATH || t == YL_ENUM || t == YL_ENUM_STR)
    return yl_textual(c, k, n, want, v);
  if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return yl_fail(c, n->start_mark, k->key,
                   "quoted value (got %s, expected an unquoted %s)", shown,
                   yl_type_name(t));
  if (!*text)
    return yl_fail(c, n->start_mark, k->key,
                   "missing value (got nothing, expected %s)", want);
  if (t != YL_BOOL) return yl_number(c, k, t, n, want, v);
  v->i = strcmp(text, "true") == 0;
  if (!v->i && strcmp(text, "false") != 0)
    return yl_fail(c, n->start_mark, k->key,
                   "wrong type (got %s, expected true or false)", shown);
  return 0;
}

/* An int list: a sequence of 1..k->size ints, or one int. */
static int yl_list(const yl_ctx_t *c, const yl_key_t *k, yaml_node_t *n,
                   yl_val_t *v) {
  yaml_node_item_t *it;
  yl_type_t et = yl_elem_type(k);
  char want[64];
  if (n->type == YAML_SCALAR_NODE) {
    v->n = 1;
    if (yl_scalar(c, k, et, n, v)) return c->e->status;
    v->list[0] = (int)v->i;
    v->dlist[0] = v->d;
    return 0;
  }
  yl_expect(k, want, sizeof want);
  if (n->type != YAML_SEQUENCE_NODE)
    return yl_fail(c, n->start_mark, k->key, "wrong type (got %s, expected %s)",
                   yl_kind(n), want);
  v->n = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
  if (v->n < 1 || (size_t)v->n > k->size)
    return yl_fail(c, n->start_mark, k->key,
                   "wrong length (got %d entries, expected 1..%zu)", v->n,
                   k->size);
  it = n->data.sequence.items.start;
  for (int i = 0; i < v->n; i++, it++) {
    yaml_node_t *e = yaml_document_get_node(c->doc, *it);
    if (e->type != YAML_SCALAR_NODE)
      return yl_fail(c, e->start_mark, k->key,
                     "wrong type (got %s as entry %d, expected %s)",
                     yl_kind(e), i, et == YL_INT ? "an integer" : "a number");
    if (yl_scalar(c, k, et, e, v)) return c->e->status;
    v->list[i] = (int)v->i;
    v->dlist[i] = v->d;
  }
  return 0;
}

/* Reject explicit tags (!!int "4", and !!str 1 too): the schema alone
 * decides types. libyaml gives an untagged node its default tag, so an
 * explicit default tag shows only in the source: a tagged node starts at
 * its '!', which can begin no untagged value. */
static bool yl_untagged(const yl_ctx_t *c, const yaml_node_t *n) {
  const char *tag = (const char *)n->tag;
  size_t at = n->start_mark.index;
  if (c->src && at < c->srclen && c->src[at] == '!') return false;
  return !tag || strcmp(tag, YAML_DEFAULT_SCALAR_TAG) == 0 ||
         strcmp(tag, YAML_DEFAULT_SEQUENCE_TAG) == 0 ||
         strcmp(tag, YAML_DEFAULT_MAPPING_TAG) == 0;
}

/* Parse node n as key k's value into v (nothing is stored). */
static int yl_value(const yl_ctx_t *c, const yl_key_t *k, yaml_node_t *n,
                    yl_val_t *v) {
  char want[200];
  if (!yl_untagged(c, n))
    return yl_fail(c, n->start_mark, k->key,
                   "explicit tag (got %s, expected no tag)",
                   (const char *)n->tag);
  if (yl_is_list(k)) return yl_list(c, k, n, v);
  yl_expect(k, want, sizeof want);
  if (n->type != YAML_SCALAR_NODE)
    return yl_fail(c, n->start_mark, k->key, "wrong type (got %s, expected %s)",
                   yl_kind(n), want);
  return yl_scalar(c, k, k->type, n, v);
}

/* ----------------------------------------------------- store and read */

static void yl_store(const yl_key_t *k, void *obj, const yl_val_t *v) {
  char *p = (char *)obj + k->off;
  switch (k->type) {
  case YL_INT: case YL_ENUM: *(int *)p = (int)v->i; break;
  case YL_INT64: *(int64_t *)p = v->i; break;
  case YL_UINT64: *(uint64_t *)p = v->u; break;
  case YL_DOUBLE: *(double *)p = v->d; break;
  case YL_BOOL: *(bool *)p = v->i != 0; break;
  case YL_STRING: case YL_PATH: case YL_ENUM_STR:
    memcpy(p, v->s, strlen(v->s) + 1); /* fits: checked against size */
    break;
  case YL_INT_LIST:
    *(int *)((char *)obj + k->count_off) = v->n;
    memcpy(p, v->list, sizeof(int) * (size_t)v->n);
    break;
  case YL_DBL_LIST:
    *(int *)((char *)obj + k->count_off) = v->n;
    memcpy(p, v->dlist, sizeof(double) * (size_t)v->n);
  }
}

/* Read key k's stored value. Strings not terminated within their size
 * and list counts outside 0..size come back as "" and n = -1. */
static void yl_read(const yl_key_t *k, const void *obj, yl_val_t *v) {
  const char *p = (const char *)obj + k->off;
  memset(v, 0, sizeof *v);
  switch (k->type) {
  case YL_INT: case YL_ENUM: v->i = *(const int *)p; break;
  case YL_INT64: v->i = *(const int64_t *)p; break;
  case YL_UINT64: v->u = *(const uint64_t *)p; break;
  case YL_DOUBLE: v->d = *(const double *)p; break;
  case YL_BOOL: v->i = *(const bool *)p; break;
  case YL_STRING: case YL_PATH: case YL_ENUM_STR:
    if (memchr(p, 0, k->size)) memcpy(v->s, p, strlen(p) + 1);
    else v->n = -1;
    break;
  case YL_INT_LIST: case YL_DBL_LIST:
    v->n = *(const int *)((const char *)obj + k->count_off);
    if (v->n < 0 || (size_t)v->n > k->size) v->n = -1;
    else if (k->type == YL_INT_LIST)
      memcpy(v->list, p, sizeof(int) * (size_t)v->n);
    else
      memcpy(v->dlist, p, sizeof(double) * (size_t)v->n);
  }
}

/* Append t at buf + *n; *n counts bytes as snprintf would, so a short
 * buffer stays NUL-terminated and the caller learns the size needed. */
static void yl_put(char *buf, size_t len, size_t *n, const char *t) {
  *n += (size_t)snprintf(*n < len ? buf + *n : NULL, *n < len ? len - *n : 0,
                         "%s", t);
}

/* YAML double-quoted text: quotes, backslashes, control bytes escaped. */
static void yl_quote(const char *s, char *buf, size_t len) {
  char tmp[8];
  size_t n = 0;
  yl_put(buf, len, &n, "\"");
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') snprintf(tmp, sizeof tmp, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f) snprintf(tmp, sizeof tmp, "\\x%02x", ch);
    else snprintf(tmp, sizeof tmp, "%c", ch);
    yl_put(buf, len, &n, tmp);
  }
  yl_put(buf, len, &n, "\"");
}

/* Canonical YAML flow text of a value (reads back exactly via yl_set). */
static void yl_fmt(const yl_key_t *k, const yl_val_t *v, char *buf,
                   size_t len) {
  size_t n = 0;
  switch (k->type) {
  case YL_INT: case YL_INT64:
    snprintf(buf, len, "%lld", (long long)v->i);
    break;
  case YL_UINT64: snprintf(buf, len, "%llu", (unsigned long long)v->u); break;
  case YL_DOUBLE: yl_fmt_double(v->d, buf, len); break;
  case YL_BOOL: snprintf(buf, len, "%s", v->i ? "true" : "false"); break;
  case YL_ENUM:
    if (!yl_choice_at(k->choices, (int)v->i, buf, len))
      snprintf(buf, len, "%lld", (long long)v->i); /* yl_check rejects */
    break;
  case YL_ENUM_STR:
    if (v->n >= 0 && yl_choice(k->choices, v->s) >= 0) {
      snprintf(buf, len, "%s", v->s); /* choices are plain words */
      break;
    }
    /* fall through - an invalid value is shown quoted */
  case YL_STRING: case YL_PATH:
    yl_quote(v->s, buf, len);
    break;
  case YL_INT_LIST: case YL_DBL_LIST:
    yl_put(buf, len, &n, "[");
    for (int i = 0; i < v->n; i++) {
      char num[40];
      if (i) yl_put(buf, len, &n, ", ");
      if (k->type == YL_INT_LIST) snprintf(num, sizeof num, "%d", v->list[i]);
      else yl_fmt_double(v->dlist[i], num, sizeof num);
      yl_put(buf, len, &n, num);
    }
    yl_put(buf, len, &n, "]");
  }
}

static void yl_fmt_obj(const yl_key_t *k, const void *obj, char *buf,
                       size_t len) {
  yl_val_t v;
  yl_read(k, obj, &v);
  yl_fmt(k, &v, buf, len);
}

/* ---------------------------------------------------------- text input */

static bool yl_blank(const char *t) {
  while (*t == ' ' || *t == '\t') t++;
  return !*t;
}

/* After the first document: anything but the end of the stream is an error. */
static int yl_no_more(const yl_ctx_t *c, yaml_parser_t *p, const char *key) {
  yaml_document_t doc;
  yaml_node_t *root;
  if (!yaml_parser_load(p, &doc)) return yl_syntax(c, p, key);
  root = yaml_document_get_root_node(&doc);
  if (root) {
    yaml_mark_t m = doc.start_mark;
    yaml_document_delete(&doc);
    return yl_fail(c, m, key, "second document (got another \"---\", "
                              "expected one YAML document)");
  }
  yaml_document_delete(&doc);
  return 0;
}

/* Parse text (one YAML scalar or flow list) as key k's value into v.
 * An empty text is the empty string for string keys, an error otherwise. */
static int yl_parse_text(yl_ctx_t *c, const yl_key_t *k, const char *text,
                         yl_val_t *v) {
  yaml_parser_t p;
  yaml_document_t doc;
  yaml_node_t *root;
  char want[200];
  int rc;
  memset(v, 0, sizeof *v);
  if (yl_blank(text) && (k->type == YL_STRING || k->type == YL_PATH))
    return 0;
  if (!yaml_parser_initialize(&p))
    return err_at(c->e, c->origin, 0, 0, k->key, "out of memory");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
  if (!yaml_parser_load(&p, &doc)) {
    rc = yl_syntax(c, &p, k->key);
  } else {
    c->doc = &doc;
    root = yaml_document_get_root_node(&doc);
    yl_expect(k, want, sizeof want);
    if (!root)
      rc = yl_fail(c, doc.start_mark, k->key,
                   "missing value (got nothing, expected %s)", want);
    else
      rc = yl_value(c, k, root, v);
    yaml_document_delete(&doc);
    c->doc = NULL;
    if (rc == 0) rc = yl_no_more(c, &p, k->key);
  }
  yaml_parser_delete(&p);
  return rc;
}

/* Edit distance between a and the first lb characters of b. */
static int yl_dist(const char *a, const char *b, size_t lb) {
  int row[YL_KEY_MAX + 1];
  size_t la = strlen(a);
  if (la > YL_KEY_MAX || lb > YL_KEY_MAX) return INT_MAX;
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      diag = up;
      row[j] = best;
    }
  }
  return row[lb];
}

/* Closest key or section name to an unknown path into buf, or "" if none
 * is close (edit distance at most 3 and below the path's length). */
static void yl_nearest(const yl_schema_t *s, const char *path, char *buf,
                       size_t len) {
  int best = 4;
  buf[0] = '\0';
  for (int i = 0; i < s->n; i++) {
    const char *key = s->keys[i].key;
    for (const char *end = key;; end++) { /* every section, then the key */
      if (*end != '.' && *end) continue;
      int d = yl_dist(path, key, (size_t)(end - key));
      if (d < best && (size_t)d < strlen(path)) {
        best = d;
        snprintf(buf, len, "%.*s", (int)(end - key), key);
      }
      if (!*end) break;
    }
  }
}

static int yl_unknown(const yl_ctx_t *c, int line, int col, const char *path) {
  char near[YL_KEY_MAX + 1];
  size_t n = strlen(path);
  if (yl_is_section(c->s, path)) /* only via --set: files enter sections */
    for (int i = 0; i < c->s->n; i++)
      if (strncmp(c->s->keys[i].key, path, n) == 0 &&
          c->s->keys[i].key[n] == '.')
        return err_at(c->e, c->origin, line, col, path,
                      "not a key (got a section, expected one of its keys, "
                      "e.g. %s)",
                      c->s->keys[i].key);
  yl_nearest(c->s, path, near, sizeof near);
  if (near[0])
    return err_at(c->e, c->origin, line, col, path,
                  "unknown key (did you mean %s?)", near);
  return err_at(c->e, c->origin, line, col, path,
                "unknown key (got a name not in the schema)");
}

/* ------------------------------------------------------------ the walk */

static int yl_walk(yl_ctx_t *c, yaml_node_t *map, const char *prefix);

/* Dotted path of a mapping key; keys must be plain names without dots. */
static int yl_key_path(const yl_ctx_t *c, const yaml_node_t *kn,
                       const char *prefix, char *path, size_t len) {
  const char *t;
  int n;
  if (kn->type != YAML_SCALAR_NODE)
    return yl_fail(c, kn->start_mark, *prefix ? prefix : "(root)",
                   "bad key (got %s, expected a name)", yl_kind(kn));
  t = (const char *)kn->data.scalar.value;
  n = snprintf(path, len, "%s%s%s", prefix, *prefix ? "." : "", t);
  if (n < 0 || (size_t)n >= len)
    return yl_fail(c, kn->start_mark, prefix, "key too long");
  if (!*t || strchr(t, '.'))
    return yl_fail(c, kn->start_mark, path,
                   "dotted or empty key (got \"%s\", expected nested "
                   "mappings: dram: then channels: indented below)", t);
  return 0;
}

/* The earlier pair of map with the same scalar key as pair, or NULL. */
static const yaml_node_pair_t *yl_twin(yaml_document_t *d,
                                       const yaml_node_t *map,
                                       const yaml_node_pair_t *pair) {
  const char *t =
      (const char *)yaml_document_get_node(d, pair->key)->data.scalar.value;
  for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair;
       p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    if (k->type == YAML_SCALAR_NODE &&
        strcmp((const char *)k->data.scalar.value, t) == 0)
      return p;
  }
  return NULL;
}

/* Parse and store one leaf; record where its key was. */
static int yl_apply(yl_ctx_t *c, int idx, const yaml_node_t *kn,
                    yaml_node_t *vn) {
  const yl_key_t *k = &c->s->keys[idx];
  yl_val_t v;
  int line, col;
  if (yl_value(c, k, vn, &v)) return c->e->status;
  if (!c->obj) return 0; /* a dry walk: checked only */
  yl_store(k, c->obj, &v);
  if (c->marks) {
    yl_loc(c, kn->start_mark, &line, &col);
    c->marks[idx] = (yl_mark_t){true, line, col};
  }
  return 0;
}

/* One pair of a mapping under prefix: a leaf, a section or an error. */
static int yl_pair(yl_ctx_t *c, const yaml_node_t *map,
                   const yaml_node_pair_t *pair, const char *prefix) {
  yaml_node_t *kn = yaml_document_get_node(c->doc, pair->key);
  yaml_node_t *vn = yaml_document_get_node(c->doc, pair->value);
  const yaml_node_pair_t *twin;
  char path[YL_KEY_MAX + 1];
  int idx, line, col;
  if (yl_key_path(c, kn, prefix, path, sizeof path)) return c->e->status;
  if ((twin = yl_twin(c->doc, map, pair))) {
    yl_loc(c, yaml_document_get_node(c->doc, twin->key)->start_mark, &line,
           &col);
    return yl_fail(c, kn->start_mark, path,
                   "duplicate key (first set at line %d, col %d)", line, col);
  }
  if (c->base_key && strcmp(path, c->base_key) == 0) return 0; /* done */
  if ((idx = yl_find(c->s, path)) >= 0) return yl_apply(c, idx, kn, vn);
  if (!yl_is_section(c->s, path)) {
    yl_loc(c, kn->start_mark, &line, &col);
    return yl_unknown(c, line, col, path);
  }
  if (vn->type != YAML_MAPPING_NODE)
    return yl_fail(c, vn->start_mark, path,
                   "wrong type (got %s, expected a mapping of %s.* keys)",
                   yl_kind(vn),
                   path);
  return yl_walk(c, vn, path);
}

/* Walk a mapping whose keys extend prefix. Depth is bounded by the schema
 * (only known sections are entered), so aliases cannot recurse forever. */
static int yl_walk(yl_ctx_t *c, yaml_node_t *map, const char *prefix) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++)
    if (yl_pair(c, map, p, prefix)) return c->e->status;
  return 0;
}

static int yl_root(yl_ctx_t *c) {
  yaml_node_t *root = yaml_document_get_root_node(c->doc);
  if (!root)
    return err_at(c->e, c->origin, 1, 1, "(root)",
                  "empty file (got no document, expected a mapping of keys)");
  if (root->type != YAML_MAPPING_NODE)
    return yl_fail(c, root->start_mark, "(root)",
                   "wrong type (got %s, expected a mapping of keys)",
                   yl_kind(root));
  return yl_walk(c, root, "");
}

/* "dir/" of path (kept with its slash), or NULL when path has none. */
static const char *yl_dir(const char *path, char *buf, size_t len) {
  const char *slash = strrchr(path, '/');
  if (!slash || (size_t)(slash - path) + 2 > len) return NULL;
  snprintf(buf, len, "%.*s", (int)(slash - path) + 1, path);
  return buf;
}

/* The value node of the first pair at dotted path key (each part but the
 * last naming a mapping), with its key node in *kn; NULL when absent or
 * when the way there is not mappings (the walk reports those). */
static yaml_node_t *yl_lookup(yaml_document_t *d, yaml_node_t *map,
                              const char *key, yaml_node_t **kn) {
  size_t n = strcspn(key, ".");
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    yaml_node_t *v = yaml_document_get_node(d, p->value);
    const char *t;
    if (k->type != YAML_SCALAR_NODE) continue;
    t = (const char *)k->data.scalar.value;
    if (strlen(t) != n || strncmp(t, key, n) != 0) continue;
    if (!key[n]) {
      *kn = k;
      return v;
    }
    return yl_lookup(d, v, key + n + 1, kn);
  }
  return NULL;
}

/* yl_load_base's first step: find base_key, parse its path (resolved
 * against the file's folder) and hand it to fn. */
static int yl_base(yl_ctx_t *c, yl_base_fn fn, void *arg) {
  const yl_key_t k = {c->base_key, YL_PATH, 0, YL_STR_MAX, 0, "", 0, 0, 0,
                      NULL, "", ""};
  yaml_node_t *kn = NULL;
  yaml_node_t *vn = yl_lookup(c->doc, yaml_document_get_root_node(c->doc),
                              c->base_key, &kn);
  yl_val_t v;
  int line, col;
  if (!vn) return 0;
  if (yl_value(c, &k, vn, &v)) return c->e->status;
  if (!v.s[0])
    return yl_fail(c, vn->start_mark, k.key,
                   "missing value (got nothing, expected a path)");
  yl_loc(c, vn->start_mark, &line, &col);
  return fn(arg, v.s, c->origin, line, col, c->obj, c->marks, c->e);
}

int yl_load(const yl_schema_t *s, const char *path, void *obj,
            yl_mark_t *marks, err_t *e) {
  return yl_load_base(s, path, obj, marks, NULL, NULL, NULL, e);
}

int yl_load_base(const yl_schema_t *s, const char *path, void *obj,
                 yl_mark_t *marks, const char *base_key, yl_base_fn fn,
                 void *arg, err_t *e) {
  char dir[YL_STR_MAX];
  yaml_parser_t p;
  yaml_document_t doc;
  yl_ctx_t c = {s, path, yl_dir(path, dir, sizeof dir), -1, 0, NULL, obj,
                marks, e, NULL, 0, fn ? base_key : NULL};
  char *text = NULL;
  int rc = 0;
  if (!(text = file_read_all(path, YL_FILE_MAX, NULL, &c.srclen, e)))
    return e->status;
  c.src = text;
  if (marks) memset(marks, 0, sizeof *marks * (size_t)s->n);
  if (!yaml_parser_initialize(&p)) {
    free(text);
    return err_set(e, ERR_RUN, "%s: out of memory", path);
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, c.srclen);
  if (!yaml_parser_load(&p, &doc)) {
    rc = yl_syntax(&c, &p, "(syntax)");
  } else {
    c.doc = &doc;
    if (c.base_key) { /* the file's own errors first, then the base's */
      c.obj = NULL;
      rc = yl_root(&c);
      c.obj = obj;
      if (rc == 0) rc = yl_base(&c, fn, arg);
    }
    if (rc == 0) rc = yl_root(&c);
    yaml_document_delete(&doc);
    if (rc == 0) rc = yl_no_more(&c, &p, "(root)");
  }
  yaml_parser_delete(&p);
  free(text);
  return rc;
}

/* ------------------------------------------------------ set and defaults */

int yl_set(const yl_schema_t *s, const char *assignment, const char *origin,
           int line, int col0, void *obj, yl_mark_t *marks, err_t *e) {
  const char *eq = strchr(assignment, '='), *k0 = assignment, *k1;
  yl_ctx_t c = {s,     origin, NULL, line, 0, NULL,
                obj,   marks,  e,    NULL, 0, NULL};
  char key[YL_KEY_MAX + 1];
  yl_val_t v;
  int idx, kcol;
  while (*k0 == ' ') k0++;
  kcol = line ? col0 + (int)(k0 - assignment) : 0;
  if (!eq) {
    char shown[YL_SHOWN_LEN];
    yl_printable(assignment, shown, sizeof shown);
    return err_at(e, origin, line, kcol, "(set)",
                  "no '=' (got %s, expected key=value)", shown);
  }
  for (k1 = eq; k1 > k0 && k1[-1] == ' ';) k1--;
  snprintf(key, sizeof key, "%.*s", (int)(k1 - k0), k0);
  if ((idx = yl_find(s, key)) < 0) return yl_unknown(&c, line, kcol, key);
  if (marks && marks[idx].set && marks[idx].line > 0)
    return err_at(e, origin, line, kcol, key,
                  "duplicate key (first set at line %d)", marks[idx].line);
  c.col = col0 + (int)(eq - assignment) + 1; /* column after '=' */
  if (yl_parse_text(&c, &s->keys[idx], eq + 1, &v)) return e->status;
  yl_store(&s->keys[idx], obj, &v);
  if (marks) marks[idx] = (yl_mark_t){true, line, kcol};
  return 0;
}

void yl_copy_key(const yl_key_t *k, void *dst, const void *src) {
  yl_val_t v;
  yl_read(k, src, &v);
  yl_store(k, dst, &v);
}

/* Schema sanity: fields the loader relies on. */
static int yl_schema_ok(const yl_key_t *k, err_t *e) {
  bool text = k->type == YL_STRING || k->type == YL_PATH ||
              k->type == YL_ENUM_STR;
  if (text && (k->size < 1 || k->size > YL_STR_MAX))
    return err_at(e, "<schema>", 0, 0, k->key, "bad string size %zu", k->size);
  if (yl_is_list(k) && (k->size < 1 || k->size > YL_LIST_MAX))
    return err_at(e, "<schema>", 0, 0, k->key, "bad list size %zu", k->size);
  if ((k->type == YL_ENUM || k->type == YL_ENUM_STR) && !k->choices)
    return err_at(e, "<schema>", 0, 0, k->key, "enum without choices");
  if (strlen(k->key) > YL_KEY_MAX)
    return err_at(e, "<schema>", 0, 0, k->key, "key too long");
  return 0;
}

int yl_defaults(const yl_schema_t *s, void *obj, err_t *e) {
  yl_ctx_t c = {s, "<default>", NULL, 0, 0, NULL, obj, NULL, e, NULL, 0,
                NULL};
  yl_val_t v;
  for (int i = 0; i < s->n; i++) {
    if (yl_schema_ok(&s->keys[i], e)) return e->status;
    if (yl_parse_text(&c, &s->keys[i], s->keys[i].def, &v)) return e->status;
    yl_store(&s->keys[i], obj, &v);
  }
  return 0;
}

/* Canonical text of key k's default ("" if the default does not parse). */
static void yl_default_text(const yl_schema_t *s, const yl_key_t *k,
                            char *buf, size_t len) {
  err_t e;
  yl_ctx_t c = {s, "<default>", NULL, 0, 0, NULL, NULL, NULL, &e, NULL, 0,
                NULL};
  yl_val_t v;
  buf[0] = '\0';
  if (yl_parse_text(&c, k, k->def, &v) == 0) yl_fmt(k, &v, buf, len);
}

/* ------------------------------------------------------------- checking */

/* Why a stored value is invalid, or false if it is fine. */
static bool yl_invalid(const yl_key_t *k, const yl_val_t *v, char *why,
                       size_t len) {
  char range[100], got[64]; /* a number or an enum choice */
  yl_range_text(k, range, sizeof range);
  switch (k->type) {
  case YL_INT: case YL_INT64: case YL_DOUBLE:
    if (k->type == YL_DOUBLE ? isfinite(v->d) && yl_in_range(k, v->d)
                             : yl_in_range(k, (double)v->i))
      return false;
    yl_fmt(k, v, got, sizeof got);
    snprintf(why, len, "out of range (got %s, expected %s)", got, range);
    return true;
  case YL_ENUM: case YL_ENUM_STR:
    if (k->type == YL_ENUM
            ? yl_choice_at(k->choices, (int)v->i, got, sizeof got)
            : v->n >= 0 && yl_choice(k->choices, v->s) >= 0)
      return false;
    snprintf(why, len, "not a choice (got an invalid value, expected %s)",
             k->choices);
    return true;
  case YL_STRING: case YL_PATH:
    if (v->n >= 0) return false;
    snprintf(why, len, "unterminated text (got no NUL, expected at most %zu "
             "bytes)", k->size - 1);
    return true;
  case YL_INT_LIST: case YL_DBL_LIST:
    if (v->n < 1) {
      snprintf(why, len, "wrong length (got %d entries, expected 1..%zu)",
               v->n, k->size);
      return true;
    }
    for (int i = 0; i < v->n; i++) {
      double x = k->type == YL_INT_LIST ? v->list[i] : v->dlist[i];
      if (isfinite(x) && yl_in_range(k, x)) continue;
      if (k->type == YL_INT_LIST) snprintf(got, sizeof got, "%d", v->list[i]);
      else yl_fmt_double(x, got, sizeof got);
      snprintf(why, len, "out of range (got %s as entry %d, expected %s)",
               got, i, range);
      return true;
    }
    return false;
  case YL_UINT64: case YL_BOOL: return false;
  }
  return false;
}

int yl_check(const yl_schema_t *s, const void *obj, const char *origin,
             const yl_mark_t *marks, err_t *e) {
  char why[600];
  yl_val_t v;
  for (int i = 0; i < s->n; i++) {
    yl_read(&s->keys[i], obj, &v);
    if (yl_invalid(&s->keys[i], &v, why, sizeof why))
      return yl_err_key(s, marks, origin, s->keys[i].key, e, "%s", why);
  }
  return 0;
}

int yl_err_key(const yl_schema_t *s, const yl_mark_t *marks,
               const char *origin, const char *key, err_t *e,
               const char *fmt, ...) {
  char msg[800];
  int i = yl_find(s, key);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (marks && i >= 0 && marks[i].set && marks[i].line > 0)
    return err_at(e, origin, marks[i].line, marks[i].col, key, "%s", msg);
  return err_at(e, origin, 0, 0, key, "%s", msg);
}

/* --------------------------------------------------------------- output */

int yl_text(const yl_schema_t *s, const void *obj, char *buf, size_t len) {
  char val[YL_TEXT_MAX];
  size_t n = 0;
  if (len) buf[0] = '\0';
  for (int i = 0; i < s->n; i++) {
    yl_fmt_obj(&s->keys[i], obj, val, sizeof val);
    yl_put(buf, len, &n, s->keys[i].key);
    yl_put(buf, len, &n, "=");
    yl_put(buf, len, &n, val);
    yl_put(buf, len, &n, "\n");
  }
  return (int)n;
}

static uint64_t yl_fnv(uint64_t h, const char *t) {
  for (; *t; t++) {
    h ^= (unsigned char)*t;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t yl_hash(const yl_schema_t *s, const void *obj) {
  char val[YL_TEXT_MAX];
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int i = 0; i < s->n; i++) {
    yl_fmt_obj(&s->keys[i], obj, val, sizeof val);
    h = yl_fnv(h, s->keys[i].key);
    h = yl_fnv(h, "=");
    h = yl_fnv(h, val);
    h = yl_fnv(h, "\n");
  }
  return h;
}

/* Print "section:" headers of key that prev did not open; returns the
 * key's depth. Assumes keys of one section are contiguous in the schema. */
static int yl_sections(FILE *f, const char *prev, const char *key) {
  bool same = true;
  int depth = 0;
  for (const char *p = key, *dot; (dot = strchr(p, '.')); p = dot + 1) {
    size_t n = (size_t)(dot - p);
    same = same && strncmp(p, prev, n) == 0 && prev[n] == '.';
    if (same) prev += n + 1;
    else fprintf(f, "%*s%.*s:\n", 2 * depth, "", (int)n, p);
    depth++;
  }
  return depth;
}

void yl_dump(const yl_schema_t *s, const void *obj, FILE *f) {
  char val[YL_TEXT_MAX], def[YL_TEXT_MAX];
  const char *prev = "";
  for (int i = 0; i < s->n; i++) {
    const yl_key_t *k = &s->keys[i];
    const char *leaf = strrchr(k->key, '.');
    int depth = yl_sections(f, prev, k->key);
    yl_fmt_obj(k, obj, val, sizeof val);
    yl_default_text(s, k, def, sizeof def);
    fprintf(f, "%*s%s: %s%s\n", 2 * depth, "", leaf ? leaf + 1 : k->key, val,
            strcmp(val, def) == 0 ? "  # default" : "");
    prev = k->key;
  }
}

void yl_doc(const yl_schema_t *s, FILE *f) {
  char def[YL_TEXT_MAX], range[100], type[40];
  fprintf(f, "| key | type | default | range | unit | description |\n");
  fprintf(f, "|---|---|---|---|---|---|\n");
  for (int i = 0; i < s->n; i++) {
    const yl_key_t *k = &s->keys[i];
    yl_default_text(s, k, def, sizeof def);
    if (k->type == YL_ENUM || k->type == YL_ENUM_STR)
      snprintf(range, sizeof range, "%s", k->choices);
    else if (yl_is_list(k) || k->type == YL_INT ||
             k->type == YL_INT64 || k->type == YL_DOUBLE)
      yl_range_text(k, range, sizeof range);
    else
      snprintf(range, sizeof range, "-");
    for (char *p = range; *p; p++) /* '|' would split the Markdown cell */
      if (*p == '|') *p = '/';
    if (yl_is_list(k))
      snprintf(type, sizeof type, "%s (1..%zu entries)",
               yl_type_name(k->type), k->size);
    else
      snprintf(type, sizeof type, "%s", yl_type_name(k->type));
    fprintf(f, "| `%s` | %s | `%s` | %s | %s | %s |\n", k->key, type, def,
            range, *k->unit ? k->unit : "-", k->doc);
  }
}

/* ------------------------------------------------- documents of any shape */

/* A loaded document walked by its caller. Invariant: doc is a loaded,
 * non-empty single document of src (which it was parsed from), so every
 * node id from 1 to the node count is valid and every error can be located
 * through ctx. */
struct yl_tree {
  yaml_document_t doc;
  char *src;                /* the file's text (tag checks need it) */
  char origin[YL_STR_MAX];  /* the path, for messages */
  char dir[YL_STR_MAX];     /* folder of the path with its '/', or "" */
  yl_ctx_t ctx;             /* for yl_value and yl_fail */
};

/* Parse text into t->doc; one document with a root, or a located error. */
static int yl_tree_parse(yl_tree_t *t, size_t len, err_t *e) {
  yaml_parser_t p;
  int rc = 0, loaded = 0;
  if (!yaml_parser_initialize(&p))
    return err_set(e, ERR_RUN, "%s: out of memory", t->origin);
  yaml_parser_set_input_string(&p, (const unsigned char *)t->src, len);
  if (!yaml_parser_load(&p, &t->doc)) {
    rc = yl_syntax(&t->ctx, &p, "(syntax)");
  } else {
    loaded = 1;
    t->ctx.doc = &t->doc;
    if (!yaml_document_get_root_node(&t->doc))
      rc = err_at(e, t->origin, 1, 1, "(root)",
                  "empty file (got no document, expected a mapping of keys)");
    else
      rc = yl_no_more(&t->ctx, &p, "(root)");
  }
  yaml_parser_delete(&p);
  if (rc && loaded) yaml_document_delete(&t->doc);
  return rc;
}

int yl_tree_load(const char *path, yl_tree_t **out, err_t *e) {
  yl_tree_t *t = calloc(1, sizeof *t);
  size_t len = 0;
  *out = NULL;
  if (!t) return err_set(e, ERR_RUN, "%s: out of memory", path);
  snprintf(t->origin, sizeof t->origin, "%s", path);
  if (!yl_dir(path, t->dir, sizeof t->dir)) t->dir[0] = '\0';
  t->ctx = (yl_ctx_t){NULL, t->origin, t->dir[0] ? t->dir : NULL, -1, 0,
                      NULL, NULL, NULL, e, NULL, 0, NULL};
  if (!(t->src = file_read_all(path, YL_FILE_MAX, NULL, &len, e))) {
    free(t);
    return e->status;
  }
  t->ctx.src = t->src;
  t->ctx.srclen = len;
  if (yl_tree_parse(t, len, e)) {
    free(t->src);
    free(t);
    return e->status;
  }
  *out = t;
  return 0;
}

void yl_tree_free(yl_tree_t *t) {
  if (!t) return;
  yaml_document_delete(&t->doc);
  free(t->src);
  free(t);
}

const char *yl_tree_origin(const yl_tree_t *t) { return t->origin; }
const char *yl_tree_dir(const yl_tree_t *t) { return t->dir; }

int yl_tree_root(const yl_tree_t *t) {
  (void)t;
  return 1; /* libyaml numbers nodes from 1 and the root comes first */
}

static yaml_node_t *yl_node(const yl_tree_t *t, int n) {
  return yaml_document_get_node((yaml_document_t *)&t->doc, n);
}

yl_kind_t yl_tree_kind(const yl_tree_t *t, int n) {
  yaml_node_t *y = yl_node(t, n);
  if (y->type == YAML_MAPPING_NODE) return YL_MAP;
  if (y->type == YAML_SEQUENCE_NODE) return YL_LIST;
  return YL_SCALAR;
}

int yl_tree_len(const yl_tree_t *t, int n) {
  yaml_node_t *y = yl_node(t, n);
  if (y->type == YAML_MAPPING_NODE)
    return (int)(y->data.mapping.pairs.top - y->data.mapping.pairs.start);
  if (y->type == YAML_SEQUENCE_NODE)
    return (int)(y->data.sequence.items.top - y->data.sequence.items.start);
  return 0;
}

int yl_tree_item(const yl_tree_t *t, int n, int i) {
  return yl_node(t, n)->data.sequence.items.start[i];
}

int yl_tree_key(const yl_tree_t *t, int n, int i) {
  return yl_node(t, n)->data.mapping.pairs.start[i].key;
}

int yl_tree_val(const yl_tree_t *t, int n, int i) {
  return yl_node(t, n)->data.mapping.pairs.start[i].value;
}

const char *yl_tree_str(const yl_tree_t *t, int n) {
  yaml_node_t *y = yl_node(t, n);
  return y->type == YAML_SCALAR_NODE ? (const char *)y->data.scalar.value : "";
}

const char *yl_tree_kind_name(const yl_tree_t *t, int n) {
  return yl_kind(yl_node(t, n));
}

void yl_tree_pos(const yl_tree_t *t, int n, int *line, int *col) {
  yl_loc(&t->ctx, yl_node(t, n)->start_mark, line, col);
}

int yl_tree_fail(const yl_tree_t *t, int n, const char *key, err_t *e,
                 const char *fmt, ...) {
  char msg[800];
  int line, col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  yl_tree_pos(t, n, &line, &col);
  return err_at(e, t->origin, line, col, key, "%s", msg);
}

/* Nearest of s's key names to name (edit distance <= 3), or "". */
static void yl_nearest_name(const yl_schema_t *s, const char *name,
                            char *buf, size_t len) {
  int best = 4;
  buf[0] = '\0';
  for (int i = 0; i < s->n; i++) {
    int d = yl_dist(name, s->keys[i].key, strlen(s->keys[i].key));
    if (d < best && (size_t)d < strlen(name)) {
      best = d;
      snprintf(buf, len, "%s", s->keys[i].key);
    }
  }
}

/* One key of a checked mapping: a scalar, not seen before, in s. */
static int yl_tree_map_key(const yl_tree_t *t, int map, int i,
                           const yl_schema_t *s, const char *where,
                           err_t *e) {
  int kn = yl_tree_key(t, map, i), line, col;
  const char *name = yl_tree_str(t, kn);
  char path[YL_KEY_MAX + 1], near[YL_KEY_MAX + 1];
  snprintf(path, sizeof path, "%s%s%s", where, *where ? "." : "", name);
  if (yl_tree_kind(t, kn) != YL_SCALAR)
    return yl_tree_fail(t, kn, *where ? where : "(root)", e,
                        "bad key (got %s, expected a name)",
                        yl_tree_kind_name(t, kn));
  for (int j = 0; j < i; j++)
    if (strcmp(yl_tree_str(t, yl_tree_key(t, map, j)), name) == 0) {
      yl_tree_pos(t, yl_tree_key(t, map, j), &line, &col);
      return yl_tree_fail(t, kn, path, e,
                          "duplicate key (first set at line %d, col %d)",
                          line, col);
    }
  if (!s || yl_find(s, name) >= 0) return 0;
  yl_nearest_name(s, name, near, sizeof near);
  if (near[0])
    return yl_tree_fail(t, kn, path, e, "unknown key (did you mean %s?)", near);
  return yl_tree_fail(t, kn, path, e, "unknown key (got a name not in the "
                      "schema)");
}

int yl_tree_map_check(const yl_tree_t *t, int n, const yl_schema_t *s,
                      const char *where, err_t *e) {
  if (yl_tree_kind(t, n) != YL_MAP)
    return yl_tree_fail(t, n, *where ? where : "(root)", e,
                        "wrong type (got %s, expected a mapping of keys)",
                        yl_tree_kind_name(t, n));
  for (int i = 0; i < yl_tree_len(t, n); i++)
    if (yl_tree_map_key(t, n, i, s, where, e)) return e->status;
  return 0;
}

int yl_tree_get(const yl_tree_t *t, int n, const yl_key_t *k, void *obj,
                err_t *e) {
  yl_ctx_t c = t->ctx;
  yl_val_t *v = malloc(sizeof *v); /* 5 KB: keep it off small stacks */
  int rc;
  if (!v) return err_set(e, ERR_RUN, "%s: out of memory", t->origin);
  memset(v, 0, sizeof *v);
  c.e = e;
  c.dir = k->type == YL_PATH && t->dir[0] ? t->dir : NULL;
  rc = yl_value(&c, k, yl_node(t, n), v);
  if (rc == 0) yl_store(k, obj, v);
  free(v);
  return rc;
}

void yl_fmt_key(const yl_key_t *k, const void *obj, char *buf, size_t len) {
  yl_fmt_obj(k, obj, buf, len);
}

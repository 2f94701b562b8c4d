/* jsonr.c - the strict JSON reader (jsonr.h): recursive descent over the
 * text, one node per value, nodes linked as first-child / next-sibling
 * lists by index (the node array grows, so nodes are never held by
 * pointer across a parse step). */
#include "jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
  jr_doc_t *d;
  const char *s;
  size_t n, i;     /* text, its length, the read position */
  int line;        /* 1-based line of position i */
  size_t line0;    /* offset where that line starts */
  int depth;
  char path[512];  /* dotted path of the value being read */
  size_t plen;     /* strlen(path) */
  err_t *e;
} jp_t;

static int jp_col(const jp_t *p) { return (int)(p->i - p->line0) + 1; }

static const char *jp_key(const jp_t *p) {
  return p->plen ? p->path : "(root)";
}

/* A located error at the read position: what was found there. */
static int jp_err(jp_t *p, const char *what, const char *expected) {
  char got[32];
  unsigned char c = p->i < p->n ? (unsigned char)p->s[p->i] : 0;
  if (p->i >= p->n) snprintf(got, sizeof got, "end of input");
  else if (c > 0x20 && c < 0x7f) snprintf(got, sizeof got, "'%c'", c);
  else snprintf(got, sizeof got, "byte 0x%02x", c);
  return err_at(p->e, p->d->name, p->line, jp_col(p), jp_key(p),
                "%s (got %s, expected %s)", what, got, expected);
}

static void jp_ws(jp_t *p) {
  for (; p->i < p->n; p->i++) {
    char c = p->s[p->i];
    if (c == '\n') p->line++, p->line0 = p->i + 1;
    else if (c != ' ' && c != '\t' && c != '\r') break;
  }
}

static int jp_node(jp_t *p, jr_kind_t kind) {
  jr_doc_t *d = p->d;
  jr_node_t *x;
  if (d->len == d->cap) {
    int cap = d->cap ? 2 * d->cap : 64;
    jr_node_t *m = realloc(d->n, (size_t)cap * sizeof *m);
    if (!m) return -1;
    d->n = m, d->cap = cap;
  }
  x = &d->n[d->len];
  memset(x, 0, sizeof *x);
  x->kind = kind;
  x->line = p->line;
  x->col = jp_col(p);
  x->child = x->next = -1;
  return d->len++;
}

static int jp_oom(jp_t *p) {
  return err_set(p->e, ERR_RUN, "%s: out of memory reading JSON", p->d->name);
}

/* Note the path's new length after appending w bytes (snprintf's count,
 * which may exceed what fitted). */
static void jp_grew(jp_t *p, size_t old, int w) {
  if (w > 0) p->plen = old + (size_t)w < sizeof p->path ? old + (size_t)w
                                                        : sizeof p->path - 1;
}

/* Append a member name ("." + key) or an element index ("[k]") to the
 * path; both return the previous length, for jp_pop. */
static size_t jp_push_key(jp_t *p, const char *key) {
  size_t old = p->plen;
  jp_grew(p, old, snprintf(p->path + old, sizeof p->path - old, "%s%s",
                           old ? "." : "", key));
  return old;
}

static size_t jp_push_index(jp_t *p, int k) {
  size_t old = p->plen;
  jp_grew(p, old, snprintf(p->path + old, sizeof p->path - old, "[%d]", k));
  return old;
}

static void jp_pop(jp_t *p, size_t old) {
  p->plen = old;
  p->path[old] = '\0';
}

static int jp_value(jp_t *p, int *out);

/* Four hex digits of a \u escape at position i. */
static int jp_hex4(jp_t *p, unsigned *v) {
  int k;
  *v = 0;
  for (k = 0; k < 4; k++, p->i++) {
    char c = p->i < p->n ? p->s[p->i] : 0;
    int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (h < 0) return jp_err(p, "bad \\u escape", "4 hex digits");
    *v = *v << 4 | (unsigned)h;
  }
  return 0;
}

/* A \u escape (a surrogate pair when it takes two) as UTF-8 into b. */
static int jp_uescape(jp_t *p, char *b, size_t *k) {
  unsigned v, lo;
  if (jp_hex4(p, &v)) return p->e->status;
  if (v >= 0xdc00 && v <= 0xdfff) return jp_err(p, "lone low surrogate", "a code point");
  if (v >= 0xd800 && v <= 0xdbff) {
    if (p->i + 1 >= p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
      return jp_err(p, "lone high surrogate", "\\u of a low surrogate");
    p->i += 2;
    if (jp_hex4(p, &lo)) return p->e->status;
    if (lo < 0xdc00 || lo > 0xdfff)
      return jp_err(p, "bad surrogate pair", "a low surrogate");
    v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (!v) return jp_err(p, "NUL in a string", "a character other than \\u0000");
  if (v < 0x80) b[(*k)++] = (char)v;
  else if (v < 0x800) b[(*k)++] = (char)(0xc0 | v >> 6), b[(*k)++] = (char)(0x80 | (v & 0x3f));
  else if (v < 0x10000)
    b[(*k)++] = (char)(0xe0 | v >> 12), b[(*k)++] = (char)(0x80 | ((v >> 6) & 0x3f)),
    b[(*k)++] = (char)(0x80 | (v & 0x3f));
  else
    b[(*k)++] = (char)(0xf0 | v >> 18), b[(*k)++] = (char)(0x80 | ((v >> 12) & 0x3f)),
    b[(*k)++] = (char)(0x80 | ((v >> 6) & 0x3f)), b[(*k)++] = (char)(0x80 | (v & 0x3f));
  return 0;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), else 0: no
 * overlong forms, surrogates or code points past U+10FFFF. */
static int utf8_len(const unsigned char *p, size_t n) {
  unsigned cp;
  int len, k;
  if (p[0] < 0x80) return 1;
  if ((p[0] & 0xe0) == 0xc0) len = 2, cp = p[0] & 0x1f;
  else if ((p[0] & 0xf0) == 0xe0) len = 3, cp = p[0] & 0x0f;
  else if ((p[0] & 0xf8) == 0xf0) len = 4, cp = p[0] & 0x07;
  else return 0;
  if ((size_t)len > n) return 0;
  for (k = 1; k < len; k++) {
    if ((p[k] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[k] & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* A string at position i (on its quote), decoded into a new buffer: the
 * decoded form is never longer than the source. */
static int jp_string(jp_t *p, char **out) {
  static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
  size_t start = ++p->i, k = 0, end = start;
  char *b;
  while (end < p->n && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
  if (!(b = malloc(end - start + 1))) return jp_oom(p);
  while (p->i < p->n && p->s[p->i] != '"') {
    unsigned char c = (unsigned char)p->s[p->i];
    const char *q;
    if (c < 0x20) return free(b), jp_err(p, "control character in a string", "\\u escape");
    if (c >= 0x80) { /* RFC 8259: JSON text is UTF-8 */
      int w = utf8_len((const unsigned char *)p->s + p->i, p->n - p->i);
      if (!w) return free(b), jp_err(p, "invalid UTF-8 in a string", "UTF-8 text");
      memcpy(b + k, p->s + p->i, (size_t)w);
      k += (size_t)w, p->i += (size_t)w;
      continue;
    }
    if (c != '\\') {
      b[k++] = (char)c, p->i++;
      continue;
    }
    p->i++;
    if (p->i < p->n && p->s[p->i] == 'u') {
      p->i++;
      if (jp_uescape(p, b, &k)) return free(b), p->e->status;
    } else if (p->i < p->n && p->s[p->i] && (q = strchr(esc_in, p->s[p->i]))) {
      b[k++] = esc_out[q - esc_in], p->i++;
    } else {
      return free(b), jp_err(p, "bad escape", "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
    }
  }
  if (p->i >= p->n) return free(b), jp_err(p, "unterminated string", "'\"'");
  p->i++;
  b[k] = '\0';
  *out = b;
  return 0;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text. */
static int jp_number(jp_t *p, int node) {
  size_t start = p->i;
  const char *s = p->s;
#define DIGIT(k) ((k) < p->n && s[k] >= '0' && s[k] <= '9')
  if (p->i < p->n && s[p->i] == '-') p->i++;
  if (!DIGIT(p->i)) return jp_err(p, "bad number", "a digit");
  if (s[p->i] == '0') p->i++;
  else while (DIGIT(p->i)) p->i++;
  if (p->i < p->n && s[p->i] == '.') {
    p->i++;
    if (!DIGIT(p->i)) return jp_err(p, "bad number", "a digit after '.'");
    while (DIGIT(p->i)) p->i++;
  }
  if (p->i < p->n && (s[p->i] == 'e' || s[p->i] == 'E')) {
    p->i++;
    if (p->i < p->n && (s[p->i] == '+' || s[p->i] == '-')) p->i++;
    if (!DIGIT(p->i)) return jp_err(p, "bad number", "a digit in the exponent");
    while (DIGIT(p->i)) p->i++;
  }
#undef DIGIT
  if (!(p->d->n[node].text = malloc(p->i - start + 1))) return jp_oom(p);
  memcpy(p->d->n[node].text, s + start, p->i - start);
  p->d->n[node].text[p->i - start] = '\0';
  return 0;
}

static int jp_literal(jp_t *p, int node) {
  static const struct { const char *w; jr_kind_t k; int b; } lit[] = {
      {"true", JR_BOOL, 1}, {"false", JR_BOOL, 0}, {"null", JR_NULL, 0}};
  size_t i;
  for (i = 0; i < 3; i++) {
    size_t w = strlen(lit[i].w);
    if (p->n - p->i >= w && memcmp(p->s + p->i, lit[i].w, w) == 0) {
      p->d->n[node].kind = lit[i].k;
      p->d->n[node].boolean = lit[i].b;
      p->i += w;
      return 0;
    }
  }
  return jp_err(p, "not a JSON value", "an object, array, string, number, "
                                       "true, false or null");
}

/* The members of the object whose '{' is at position i. Invariant: last
 * is the object's last child so far, so appending is O(1). */
static int jp_object(jp_t *p, int node) {
  int last = -1, child, c;
  p->i++;
  jp_ws(p);
  if (p->i < p->n && p->s[p->i] == '}') return p->i++, 0;
  for (;;) {
    char *key;
    size_t old;
    int kline, kcol;
    jp_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"') return jp_err(p, "bad object", "a member name in quotes");
    kline = p->line, kcol = jp_col(p);
    if (jp_string(p, &key)) return p->e->status;
    for (c = p->d->n[node].child; c >= 0; c = p->d->n[c].next)
      if (strcmp(p->d->n[c].key, key) == 0) {
        jp_push_key(p, key);
        free(key);
        return err_at(p->e, p->d->name, kline, kcol, jp_key(p),
                      "duplicate key (got it again, expected each member "
                      "once; first at line %d)", p->d->n[c].line);
      }
    jp_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') return free(key), jp_err(p, "bad object", "':'");
    p->i++;
    old = jp_push_key(p, key);
    if (jp_value(p, &child)) return free(key), p->e->status;
    jp_pop(p, old);
    p->d->n[child].key = key;
    if (last < 0) p->d->n[node].child = child;
    else p->d->n[last].next = child;
    last = child;
    p->d->n[node].nchild++;
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == ',') { p->i++; continue; }
    if (p->i < p->n && p->s[p->i] == '}') return p->i++, 0;
    return jp_err(p, "bad object", "',' or '}'");
  }
}

static int jp_array(jp_t *p, int node) {
  int last = -1, child;
  p->i++;
  jp_ws(p);
  if (p->i < p->n && p->s[p->i] == ']') return p->i++, 0;
  for (;;) {
    size_t old = jp_push_index(p, p->d->n[node].nchild);
    if (jp_value(p, &child)) return p->e->status;
    jp_pop(p, old);
    if (last < 0) p->d->n[node].child = child;
    else p->d->n[last].next = child;
    last = child;
    p->d->n[node].nchild++;
    jp_ws(p);
    if (p->i < p->n && p->s[p->i] == ',') { p->i++; continue; }
    if (p->i < p->n && p->s[p->i] == ']') return p->i++, 0;
    return jp_err(p, "bad array", "',' or ']'");
  }
}

static int jp_value(jp_t *p, int *out) {
  int node, rc;
  char c;
  jp_ws(p);
  if (p->i >= p->n) return jp_err(p, "missing value", "a JSON value");
  if ((node = jp_node(p, JR_NULL)) < 0) return jp_oom(p);
  *out = node;
  c = p->s[p->i];
  if (c == '{' || c == '[') {
    if (p->depth == JR_MAX_DEPTH) return jp_err(p, "nested too deeply", "at most 64 levels");
    p->depth++;
    p->d->n[node].kind = c == '{' ? JR_OBJ : JR_ARR;
    rc = c == '{' ? jp_object(p, node) : jp_array(p, node);
    p->depth--;
    return rc;
  }
  if (c == '"') {
    p->d->n[node].kind = JR_STR;
    return jp_string(p, &p->d->n[node].text);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    p->d->n[node].kind = JR_NUM;
    return jp_number(p, node);
  }
  return jp_literal(p, node);
}

void jr_free(jr_doc_t *d) {
  int i;
  for (i = 0; i < d->len; i++) {
    free(d->n[i].key);
    free(d->n[i].text);
  }
  free(d->n);
  d->n = NULL;
  d->len = d->cap = 0;
}

int jr_parse(jr_doc_t *d, const char *name, const char *text, size_t len,
             err_t *e) {
  jp_t p;
  int root;
  memset(d, 0, sizeof *d);
  d->name = name;
  memset(&p, 0, sizeof p);
  p.d = d, p.s = text, p.n = len, p.line = 1, p.e = e;
  if (jp_value(&p, &root)) {
    jr_free(d);
    return e->status;
  }
  jp_ws(&p);
  if (p.i < p.n) {
    jp_err(&p, "extra text after the JSON value", "end of input");
    jr_free(d);
    return e->status;
  }
  return 0;
}

int jr_find(const jr_doc_t *d, int at, const char *path) {
  while (at >= 0 && *path) {
    const char *dot = strchr(path, '.');
    size_t w = dot ? (size_t)(dot - path) : strlen(path);
    int c;
    if (d->n[at].kind != JR_OBJ) return -1;
    for (c = d->n[at].child; c >= 0; c = d->n[c].next)
      if (strlen(d->n[c].key) == w && strncmp(d->n[c].key, path, w) == 0) break;
    at = c;
    path += w + (dot != NULL);
  }
  return at;
}

static int jr_bad(const jr_doc_t *d, int i, const char *key, const char *what,
                  const char *expected, err_t *e) {
  const jr_node_t *x = &d->n[i];
  char got[40];
  if (x->kind == JR_NUM) snprintf(got, sizeof got, "%.30s", x->text);
  else snprintf(got, sizeof got, "%s", x->kind == JR_STR ? "a string" : x->kind == JR_OBJ ? "an object"
                : x->kind == JR_ARR ? "an array" : x->kind == JR_BOOL ? "a boolean" : "null");
  return err_at(e, d->name, x->line, x->col, key, "%s (got %s, expected %s)",
                what, got, expected);
}

int jr_u64(const jr_doc_t *d, int i, const char *key, uint64_t *out,
           err_t *e) {
  static const char want[] = "a whole number from 0 to 2^64 - 1";
  const char *t = d->n[i].text;
  uint64_t v = 0;
  if (d->n[i].kind != JR_NUM) return jr_bad(d, i, key, "wrong type", want, e);
  for (; *t; t++) {
    if (*t < '0' || *t > '9') return jr_bad(d, i, key, "not a whole number", want, e);
    if (v > (UINT64_MAX - (uint64_t)(*t - '0')) / 10)
      return jr_bad(d, i, key, "out of range", want, e);
    v = v * 10 + (uint64_t)(*t - '0');
  }
  *out = v;
  return 0;
}

int jr_str(const jr_doc_t *d, int i, const char *key, char *out, size_t len,
           err_t *e) {
  if (d->n[i].kind != JR_STR) return jr_bad(d, i, key, "wrong type", "a string", e);
  if (strlen(d->n[i].text) >= len) return jr_bad(d, i, key, "too long", "a shorter string", e);
  memcpy(out, d->n[i].text, strlen(d->n[i].text) + 1);
  return 0;
}

/* json.c - recursive-descent JSON reader (rules in json.h).
 *
 * Invariant of the parser: p->at indexes the next unread byte, and line/
 * col describe that byte's position; every node is appended to the doc
 * before its children, so a parent's index stays valid while they are
 * parsed (only indices are kept across appends, never pointers).
 */
#include "json.h"

#include "file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct js_parser {
  js_doc_t *d;
  const char *s;
  size_t len, at;
  int line, col, depth;
  err_t *e;
} js_parser_t;

static int js_err(js_parser_t *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int js_err(js_parser_t *p, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return err_at(p->e, p->d->origin, p->line, p->col, "(json)", "%s", msg);
}

/* The next byte as text for "got ...": 'x', \xNN, or end of file. */
static const char *js_got(const js_parser_t *p, char *buf, size_t len) {
  unsigned char ch;
  if (p->at >= p->len) return "end of file";
  ch = (unsigned char)p->s[p->at];
  if (ch >= 0x20 && ch < 0x7f) snprintf(buf, len, "'%c'", ch);
  else snprintf(buf, len, "\\x%02x", ch);
  return buf;
}

static int js_syntax(js_parser_t *p, const char *want) {
  char got[16];
  return js_err(p, "syntax error (got %s, expected %s)",
                js_got(p, got, sizeof got), want);
}

static void js_adv(js_parser_t *p) {
  if (p->s[p->at] == '\n') p->line++, p->col = 1;
  else p->col++;
  p->at++;
}

static void js_ws(js_parser_t *p) {
  while (p->at < p->len && strchr(" \t\r\n", p->s[p->at]) && p->s[p->at])
    js_adv(p);
}

static int js_peek(const js_parser_t *p) {
  return p->at < p->len ? (unsigned char)p->s[p->at] : -1;
}

/* Append a node of type t at the current position; its index or -1. */
static int js_new(js_parser_t *p, js_type_t t) {
  js_doc_t *d = p->d;
  if (d->len == d->cap) {
    int cap = d->cap ? 2 * d->cap : 64;
    js_node_t *n = realloc(d->n, (size_t)cap * sizeof *n);
    if (!n) return -1;
    d->n = n;
    d->cap = cap;
  }
  memset(&d->n[d->len], 0, sizeof d->n[0]);
  d->n[d->len].type = t;
  d->n[d->len].line = p->line;
  d->n[d->len].col = p->col;
  d->n[d->len].first = d->n[d->len].next = -1;
  return d->len++;
}

/* ---- strings ------------------------------------------------------------ */

typedef struct js_buf {
  char *b;
  size_t len, cap;
} js_buf_t;

static int js_put(js_buf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 32;
    char *q;
    while (cap < b->len + n + 1) cap *= 2;
    if (!(q = realloc(b->b, cap))) return -1;
    b->b = q;
    b->cap = cap;
  }
  memcpy(b->b + b->len, s, n);
  b->len += n;
  b->b[b->len] = '\0';
  return 0;
}

/* Four hex digits after "\u" into *cp; -1 when they are not hex. */
static int js_hex4(js_parser_t *p, unsigned *cp) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int c = js_peek(p);
    if (c >= '0' && c <= '9') v = v * 16 + (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = v * 16 + (unsigned)(c - 'A' + 10);
    else return js_syntax(p, "4 hex digits after \\u");
    js_adv(p);
  }
  *cp = v;
  return 0;
}

static int js_utf8(js_buf_t *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) u[0] = (char)cp, n = 1;
  else if (cp < 0x800)
    u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
    u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)),
    n = 4;
  return js_put(b, u, n);
}

/* After "\u": one code point, a surrogate pair joined; NUL refused. */
static int js_unicode(js_parser_t *p, js_buf_t *b) {
  unsigned cp, lo;
  if (js_hex4(p, &cp)) return p->e->status;
  if (cp >= 0xdc00 && cp <= 0xdfff)
    return js_err(p, "lone surrogate (got a low surrogate, expected a code "
                     "point or a high surrogate first)");
  if (cp >= 0xd800 && cp <= 0xdbff) {
    if (p->len - p->at < 2 || p->s[p->at] != '\\' || p->s[p->at + 1] != 'u')
      return js_err(p, "lone surrogate (got a high surrogate alone, expected "
                       "a low surrogate after it)");
    js_adv(p);
    js_adv(p);
    if (js_hex4(p, &lo)) return p->e->status;
    if (lo < 0xdc00 || lo > 0xdfff)
      return js_err(p, "lone surrogate (got a high surrogate alone, "
                       "expected a low surrogate after it)");
    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (cp == 0)
    return js_err(p, "NUL in string (got \\u0000, expected text without "
                     "NUL)");
  return js_utf8(b, cp) ? js_err(p, "out of memory") : 0;
}

static int js_escape(js_parser_t *p, js_buf_t *b) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  int c = js_peek(p);
  const char *hit = c > 0 ? strchr(from, c) : NULL;
  if (c == 'u') {
    js_adv(p);
    return js_unicode(p, b);
  }
  if (!hit) return js_syntax(p, "an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
  js_adv(p);
  return js_put(b, &to[hit - from], 1) ? js_err(p, "out of memory") : 0;
}

int js_utf8_len(const unsigned char *p, size_t n) {
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

/* Raw bytes of a string: one whole, valid UTF-8 sequence. */
static int js_raw(js_parser_t *p, js_buf_t *b) {
  const unsigned char *u = (const unsigned char *)p->s + p->at;
  int n = js_utf8_len(u, p->len - p->at);
  if (!n)
    return js_err(p, "invalid UTF-8 in a string (got byte 0x%02x, expected "
                  "UTF-8 text)", u[0]);
  if (js_put(b, (const char *)u, (size_t)n)) return js_err(p, "out of memory");
  while (n--) js_adv(p);
  return 0;
}

/* A string starting at '"' into a new heap string *out. */
static int js_string(js_parser_t *p, char **out) {
  js_buf_t b = {NULL, 0, 0};
  int rc = 0;
  *out = NULL;
  js_adv(p); /* the opening quote */
  if (js_put(&b, "", 0)) return js_err(p, "out of memory");
  for (;;) {
    int c = js_peek(p);
    if (c < 0) rc = js_syntax(p, "a closing '\"'");
    else if (c == '"') { js_adv(p); break; }
    else if (c < 0x20) rc = js_err(p, "control character in string (got "
                                   "\\x%02x, expected it escaped)", c);
    else if (c == '\\') { js_adv(p); rc = js_escape(p, &b); }
    else rc = js_raw(p, &b);
    if (rc) break;
  }
  if (rc) free(b.b);
  else *out = b.b;
  return rc;
}

/* ---- numbers and literals ----------------------------------------------- */

static size_t js_digits(const js_parser_t *p, size_t i) {
  while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') i++;
  return i;
}

/* End of a number's text starting at i, or 0 when it is malformed. */
static size_t js_num_end(const js_parser_t *p, size_t i) {
  size_t j;
  if (i < p->len && p->s[i] == '-') i++;
  j = js_digits(p, i);
  if (j == i || (p->s[i] == '0' && j > i + 1)) return 0;
  i = j;
  if (i < p->len && p->s[i] == '.') {
    j = js_digits(p, i + 1);
    if (j == i + 1) return 0;
    i = j;
  }
  if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
    i++;
    if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
    j = js_digits(p, i);
    if (j == i) return 0;
    i = j;
  }
  return i;
}

static int js_number(js_parser_t *p, int node) {
  size_t end = js_num_end(p, p->at);
  char buf[64];
  double v;
  if (end == 0)
    return js_syntax(p, "a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?");
  if (end - p->at >= sizeof buf)
    return js_err(p, "number too long (got %zu characters, expected at most "
                  "%zu)", end - p->at, sizeof buf - 1);
  memcpy(buf, p->s + p->at, end - p->at);
  buf[end - p->at] = '\0';
  v = strtod(buf, NULL);
  if (!isfinite(v))
    return js_err(p, "overflow (got %s, expected a finite number)", buf);
  p->d->n[node].num = v;
  if (!(p->d->n[node].str = malloc(strlen(buf) + 1)))
    return js_err(p, "out of memory");
  memcpy(p->d->n[node].str, buf, strlen(buf) + 1);
  while (p->at < end) js_adv(p);
  return 0;
}

static int js_literal(js_parser_t *p, int node) {
  static const struct { const char *w; js_type_t t; double v; } lit[] = {
      {"true", JS_BOOL, 1}, {"false", JS_BOOL, 0}, {"null", JS_NULL, 0}};
  for (size_t i = 0; i < sizeof lit / sizeof lit[0]; i++) {
    size_t n = strlen(lit[i].w);
    if (p->len - p->at >= n && memcmp(p->s + p->at, lit[i].w, n) == 0) {
      p->d->n[node].type = lit[i].t;
      p->d->n[node].num = lit[i].v;
      while (n--) js_adv(p);
      return 0;
    }
  }
  return js_syntax(p, "a value");
}

/* ---- arrays and objects ------------------------------------------------- */

static int js_value(js_parser_t *p, int *out);

/* Link child after *last under parent. */
static void js_link(js_doc_t *d, int parent, int *last, int child) {
  if (*last < 0) d->n[parent].first = child;
  else d->n[*last].next = child;
  *last = child;
  d->n[parent].count++;
}

static int js_array(js_parser_t *p, int node) {
  int last = -1, child;
  js_adv(p);
  js_ws(p);
  if (js_peek(p) == ']') { js_adv(p); return 0; }
  for (;;) {
    if (js_value(p, &child)) return p->e->status;
    js_link(p->d, node, &last, child);
    js_ws(p);
    if (js_peek(p) == ']') { js_adv(p); return 0; }
    if (js_peek(p) != ',') return js_syntax(p, "',' or ']'");
    js_adv(p);
  }
}

/* One "key": value member of object node; refuses a key seen before. */
static int js_member_parse(js_parser_t *p, int node, int *last) {
  int child, line, col;
  char *key;
  js_ws(p);
  if (js_peek(p) != '"') return js_syntax(p, "a '\"' starting a key");
  line = p->line, col = p->col;
  if (js_string(p, &key)) return p->e->status;
  if (js_member(p->d, node, key) >= 0) {
    p->line = line, p->col = col;
    js_err(p, "duplicate key (got \"%.60s\" twice, expected unique keys)", key);
    free(key);
    return p->e->status;
  }
  js_ws(p);
  if (js_peek(p) != ':') { free(key); return js_syntax(p, "':'"); }
  js_adv(p);
  if (js_value(p, &child)) { free(key); return p->e->status; }
  p->d->n[child].key = key;
  js_link(p->d, node, last, child);
  return 0;
}

static int js_object(js_parser_t *p, int node) {
  int last = -1;
  js_adv(p);
  js_ws(p);
  if (js_peek(p) == '}') { js_adv(p); return 0; }
  for (;;) {
    if (js_member_parse(p, node, &last)) return p->e->status;
    js_ws(p);
    if (js_peek(p) == '}') { js_adv(p); return 0; }
    if (js_peek(p) != ',') return js_syntax(p, "',' or '}'");
    js_adv(p);
  }
}

static int js_value(js_parser_t *p, int *out) {
  int c, node, rc;
  js_ws(p);
  c = js_peek(p);
  if ((node = js_new(p, JS_NULL)) < 0) return js_err(p, "out of memory");
  *out = node;
  if (c == '{' || c == '[') {
    if (++p->depth > JS_MAX_DEPTH)
      return js_err(p, "nested too deep (got more than %d levels, expected "
                    "at most %d)", JS_MAX_DEPTH, JS_MAX_DEPTH);
    p->d->n[node].type = c == '{' ? JS_OBJ : JS_ARR;
    rc = c == '{' ? js_object(p, node) : js_array(p, node);
    p->depth--;
    return rc;
  }
  if (c == '"') {
    p->d->n[node].type = JS_STR;
    return js_string(p, &p->d->n[node].str);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    p->d->n[node].type = JS_NUM;
    return js_number(p, node);
  }
  return js_literal(p, node);
}

/* ---- documents ------------------------------------------------------------ */

void js_free(js_doc_t *d) {
  for (int i = 0; i < d->len; i++) {
    free(d->n[i].key);
    free(d->n[i].str);
  }
  free(d->n);
  d->n = NULL;
  d->len = d->cap = 0;
}

int js_parse(js_doc_t *d, const char *text, size_t len, const char *origin,
             err_t *e) {
  js_parser_t p = {d, text, len, 0, 1, 1, 0, e};
  int root;
  memset(d, 0, sizeof *d);
  snprintf(d->origin, sizeof d->origin, "%s", origin);
  if (memchr(text, '\0', len)) {
    size_t at = (size_t)((const char *)memchr(text, '\0', len) - text);
    while (p.at < at) js_adv(&p);
    js_err(&p, "NUL byte (got \\x00, expected JSON text)");
  } else if (!js_value(&p, &root)) {
    js_ws(&p);
    if (p.at < p.len) js_syntax(&p, "end of file after the value");
    else return 0;
  }
  js_free(d);
  return e->status;
}

int js_load(js_doc_t *d, const char *path, err_t *e) {
  size_t n = 0;
  char *buf;
  int rc;
  memset(d, 0, sizeof *d);
  if (!(buf = file_read_all(path, JS_MAX_BYTES, NULL, &n, e))) return e->status;
  rc = js_parse(d, buf, n, path, e);
  free(buf);
  return rc;
}

/* ---- lookup --------------------------------------------------------------- */

int js_member(const js_doc_t *d, int obj, const char *key) {
  if (obj < 0 || obj >= d->len || d->n[obj].type != JS_OBJ) return -1;
  for (int c = d->n[obj].first; c >= 0; c = d->n[c].next)
    if (d->n[c].key && strcmp(d->n[c].key, key) == 0) return c;
  return -1;
}

int js_path(const js_doc_t *d, int node, const char *path) {
  char part[256];
  const char *p = path, *dot;
  while (node >= 0) {
    size_t n;
    dot = strchr(p, '.');
    n = dot ? (size_t)(dot - p) : strlen(p);
    if (n >= sizeof part) return -1;
    memcpy(part, p, n);
    part[n] = '\0';
    node = js_member(d, node, part);
    if (!dot) return node;
    p = dot + 1;
  }
  return -1;
}

int js_num_at(const js_doc_t *d, int node, const char *path, double *out) {
  int n = js_path(d, node, path);
  if (n < 0 || d->n[n].type != JS_NUM) return -1;
  *out = d->n[n].num;
  return 0;
}

const char *js_str_at(const js_doc_t *d, int node, const char *path) {
  int n = js_path(d, node, path);
  return n >= 0 && d->n[n].type == JS_STR ? d->n[n].str : NULL;
}

int js_fail(const js_doc_t *d, int n, const char *key, err_t *e,
            const char *fmt, ...) {
  char msg[800];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= d->len) return err_at(e, d->origin, 0, 0, key, "%s", msg);
  return err_at(e, d->origin, d->n[n].line, d->n[n].col, key, "%s", msg);
}

/* What node n is, for "got X" in messages. */
static void js_node_got(const js_doc_t *d, int n, char *buf, size_t len) {
  static const char *const names[] = {"null", "a boolean", "a number",
                                      "a string", "an array", "an object"};
  if (d->n[n].type == JS_NUM) snprintf(buf, len, "%.30s", d->n[n].str);
  else snprintf(buf, len, "%s", names[d->n[n].type]);
}

int js_u64(const js_doc_t *d, int n, const char *key, uint64_t *out,
           err_t *e) {
  static const char want[] = "a whole number from 0 to 2^64 - 1";
  char got[40];
  uint64_t v = 0;
  const char *t = d->n[n].str;
  js_node_got(d, n, got, sizeof got);
  if (d->n[n].type != JS_NUM)
    return js_fail(d, n, key, e, "wrong type (got %s, expected %s)", got, want);
  for (; *t; t++) {
    if (*t < '0' || *t > '9')
      return js_fail(d, n, key, e, "not a whole number (got %s, expected %s)",
                     got, want);
    if (v > (UINT64_MAX - (uint64_t)(*t - '0')) / 10)
      return js_fail(d, n, key, e, "out of range (got %s, expected %s)", got,
                     want);
    v = v * 10 + (uint64_t)(*t - '0');
  }
  *out = v;
  return 0;
}

int js_copy_str(const js_doc_t *d, int n, const char *key, char *out,
                size_t len, err_t *e) {
  char got[40];
  js_node_got(d, n, got, sizeof got);
  if (d->n[n].type != JS_STR)
    return js_fail(d, n, key, e, "wrong type (got %s, expected a string)", got);
  if (strlen(d->n[n].str) >= len)
    return js_fail(d, n, key, e, "too long (got %zu bytes, expected at most "
                   "%zu)", strlen(d->n[n].str), len - 1);
  memcpy(out, d->n[n].str, strlen(d->n[n].str) + 1);
  return 0;
}

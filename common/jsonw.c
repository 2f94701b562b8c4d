/* jsonw.c - the streaming JSON writer (rules in jsonw.h).
 *
 * Invariant: depth counts the containers opened and not yet closed; for
 * each, layout/close/count describe it, and count is the number of
 * members (keys in an object, elements in an array) begun so far. A value
 * written right after jw_key belongs to that key: key_pending is set from
 * the key until the value's first byte, and no separator goes between.
 */
#include "jsonw.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

void jw_init(jw_t *w, FILE *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

/* Before a key or an element: the comma and line break the enclosing
 * container's layout asks for; nothing before the value of a key. */
static void jw_sep(jw_t *w) {
  int d = w->depth, n;
  if (w->key_pending) {
    w->key_pending = 0;
    return;
  }
  if (d == 0) return;
  n = w->count[d - 1]++;
  switch (w->layout[d - 1]) {
  case JW_LINES: fprintf(w->f, "%s\n%*s", n ? "," : "", 2 * d, ""); break;
  case JW_INLINE:
    if (n) fputs(", ", w->f);
    break;
  case JW_HUG:
    if (n) fprintf(w->f, ",\n%*s", 2 * (d - 1), "");
    break;
  }
}

/* Open a container whose brackets are open/close. */
static void jw_open(jw_t *w, jw_layout_t layout, char open, char close) {
  assert(w->depth < JW_MAX_DEPTH && "jw: nested deeper than the reader accepts");
  jw_sep(w);
  fputc(open, w->f);
  w->layout[w->depth] = layout;
  w->close[w->depth] = close;
  w->count[w->depth] = 0;
  w->depth++;
}

void jw_object(jw_t *w, jw_layout_t layout) { jw_open(w, layout, '{', '}'); }
void jw_array(jw_t *w, jw_layout_t layout) { jw_open(w, layout, '[', ']'); }

/* A non-empty JW_LINES container closes on its own line, at the indent of
 * its opening line; the root's close ends the document with a newline. */
void jw_end(jw_t *w) {
  int d = w->depth;
  assert(d > 0 && !w->key_pending && "jw: end without an open container");
  if (w->layout[d - 1] == JW_LINES && w->count[d - 1])
    fprintf(w->f, "\n%*s", 2 * (d - 1), "");
  fputc(w->close[d - 1], w->f);
  if (--w->depth == 0) fputc('\n', w->f);
}

void jw_key(jw_t *w, const char *key) {
  assert(w->depth > 0 && w->close[w->depth - 1] == '}' && !w->key_pending);
  jw_sep(w);
  jw_write_str(w->f, key);
  fputs(": ", w->f);
  w->key_pending = 1;
}

void jw_str(jw_t *w, const char *s) {
  jw_sep(w);
  if (s) jw_write_str(w->f, s);
  else fputs("null", w->f);
}

void jw_u64(jw_t *w, uint64_t v) {
  jw_sep(w);
  fprintf(w->f, "%" PRIu64, v);
}

void jw_i64(jw_t *w, int64_t v) {
  jw_sep(w);
  fprintf(w->f, "%" PRId64, v);
}

void jw_real_prec(jw_t *w, double v, int digits) {
  jw_sep(w);
  if (isfinite(v)) fprintf(w->f, "%.*g", digits, v);
  else fputs("null", w->f);
}

void jw_real(jw_t *w, double v) { jw_real_prec(w, v, 10); }

void jw_fixed(jw_t *w, double v, int decimals) {
  jw_sep(w);
  if (isfinite(v)) fprintf(w->f, "%.*f", decimals, v);
  else fputs("null", w->f);
}

void jw_bool(jw_t *w, int b) {
  jw_sep(w);
  fputs(b ? "true" : "false", w->f);
}

void jw_null(jw_t *w) {
  jw_sep(w);
  fputs("null", w->f);
}

/* Invariant: p + left is the terminating NUL; every byte before p has been
 * written as itself or as an escape. */
void jw_write_str(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t left = strlen(s);
  fputc('"', f);
  while (left) {
    int n = 1;
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p == '\r') fputs("\\r", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else if ((n = js_utf8_len(p, left)) > 0) fwrite(p, 1, (size_t)n, f);
    else fputs("\\ufffd", f), n = 1;
    p += n;
    left -= (size_t)n;
  }
  fputc('"', f);
}

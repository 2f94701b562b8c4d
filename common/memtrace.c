/* memtrace.c - the memory trace reader (format in memtrace.h). */
#include "memtrace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Bytes asked of fread at a time. */
enum { MTR_CHUNK = 1 << 16 };

void mtr_open(mtr_t *t, FILE *f, const char *name) {
  memset(t, 0, sizeof *t);
  t->f = f;
  t->name = name;
}

void mtr_close(mtr_t *t) {
  free(t->buf);
  t->buf = NULL;
  t->cap = t->len = t->pos = 0;
}

/* Refill the read-ahead: what is left of it moves to the front and up to
 * MTR_CHUNK bytes follow. Keeps cap > len, so a NUL fits after the last
 * byte. Returns 0, or -1 when out of memory (t->f's error is ferror's). */
static int refill(mtr_t *t) {
  size_t got;
  if (t->pos) { /* (buf is NULL before the first refill) */
    memmove(t->buf, t->buf + t->pos, t->len - t->pos);
    t->len -= t->pos;
    t->pos = 0;
  }
  if (t->cap - t->len <= MTR_CHUNK) {
    size_t cap = t->cap * 2 > t->len + MTR_CHUNK ? t->cap * 2 : t->len + MTR_CHUNK + 1;
    char *b = realloc(t->buf, cap);
    if (!b) return -1;
    t->buf = b;
    t->cap = cap;
  }
  got = fread(t->buf + t->len, 1, MTR_CHUNK, t->f);
  t->len += got;
  t->eof = got < MTR_CHUNK; /* fread stops short only at the end or an error */
  return 0;
}

/* The next line, its "\n" replaced by a NUL, at *line (*n bytes before
 * that NUL). Returns 1, 0 at the end of the input, or -1 out of memory.
 * Invariant: [pos, len) of buf is read but not yet returned. */
static int next_line(mtr_t *t, char **line, size_t *n) {
  for (;;) {
    char *nl = t->pos < t->len ? memchr(t->buf + t->pos, '\n', t->len - t->pos) : NULL;
    if (nl || (t->eof && t->pos < t->len)) {
      size_t end = nl ? (size_t)(nl - t->buf) : t->len;
      *line = t->buf + t->pos;
      *n = end - t->pos;
      t->buf[end] = '\0';
      t->pos = nl ? end + 1 : end;
      return 1;
    }
    if (t->eof) return 0;
    if (refill(t)) return -1;
  }
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

/* A hexadecimal digit's value + 1; 0 for any other byte. */
static const unsigned char hex_value[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

static int hex_digit(char ch) { return hex_value[(unsigned char)ch] - 1; }

/* The token starting at p (up to a blank or the end), quoted for a
 * message: at most 24 characters, other bytes than printable ASCII as '?'. */
static void quote_token(const char *p, char *out, size_t len) {
  size_t n = 0, i;
  out[n++] = '"';
  for (i = 0; p[i] && !is_blank(p[i]) && n + 5 < len && i < 24; i++)
    out[n++] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
  if (p[i] && !is_blank(p[i])) out[n++] = '.', out[n++] = '.', out[n++] = '.';
  out[n++] = '"';
  out[n] = '\0';
}

static int mtr_bad(mtr_t *t, const char *line, const char *at,
                   const char *key, const char *what, const char *expected,
                   err_t *e) {
  char got[40];
  if (*at) quote_token(at, got, sizeof got);
  else snprintf(got, sizeof got, "end of line");
  return err_at(e, t->name, (int)t->line, (int)(at - line) + 1, key,
                "%s (got %s, expected %s)", what, got, expected);
}

/* "0x" and 1 to 16 hex digits at *pp, ending at a blank or the end. */
static int parse_addr(mtr_t *t, const char *line, const char **pp,
                      uint64_t *addr, err_t *e) {
  static const char want[] = "0x followed by 1 to 16 hex digits";
  const char *p = *pp, *start = p;
  int n = 0, dig;
  if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
    return mtr_bad(t, line, start, "address", "not a hexadecimal address",
                   want, e);
  *addr = 0;
  for (p += 2; (dig = hex_digit(*p)) >= 0; p++, n++) {
    if (n == 16)
      return mtr_bad(t, line, start, "address", "more than 64 bits", want, e);
    *addr = *addr << 4 | (uint64_t)dig;
  }
  if (!n || (*p && !is_blank(*p)))
    return mtr_bad(t, line, start, "address", "not a hexadecimal address",
                   want, e);
  *pp = p;
  return 0;
}

/* One non-comment line: address, blanks, R or W, optional blanks. It
 * ends at the first NUL, where *end points on success. */
static int parse_line(mtr_t *t, const char *line, const char *p,
                      uint64_t *addr, bool *write, const char **end,
                      err_t *e) {
  if (parse_addr(t, line, &p, addr, e)) return e->status;
  while (is_blank(*p)) p++;
  if ((*p != 'R' && *p != 'W') || (p[1] && !is_blank(p[1])))
    return mtr_bad(t, line, p, "op", *p ? "unknown operation" : "missing",
                   "R or W", e);
  *write = *p == 'W';
  for (p++; is_blank(*p); p++) {
  }
  if (*p)
    return mtr_bad(t, line, p, "line", "extra text after the operation",
                   "end of line", e);
  *end = p;
  return 0;
}

/* Whether the n bytes of line hold a NUL (then e says where). */
static bool has_nul(mtr_t *t, const char *line, size_t n, err_t *e) {
  const char *nul = memchr(line, '\0', n);
  if (nul)
    err_at(e, t->name, (int)t->line, (int)(nul - line) + 1, "line",
           "NUL byte (got a NUL byte, expected text)");
  return nul != NULL;
}

/* Invariant: t->line counts every line consumed, so messages name the
 * line the bad text is on. A line with a NUL byte is refused whatever
 * else it holds; the scan for one is left to lines that do not parse to
 * their end (parsing stops at a NUL). */
int mtr_next(mtr_t *t, uint64_t *addr, bool *write, err_t *e) {
  char *line;
  const char *end = NULL;
  size_t n;
  int rc;
  while ((rc = next_line(t, &line, &n)) > 0) {
    char *p = line;
    t->line++;
    if (n && line[n - 1] == '\r') line[--n] = '\0';
    while (is_blank(*p)) p++;
    if (!*p || *p == '#') {
      if (has_nul(t, line, n, e)) return e->status;
      continue;
    }
    if (parse_line(t, line, p, addr, write, &end, e) || end != line + n) {
      has_nul(t, line, n, e); /* the NUL's message wins over the parse's */
      return e->status;
    }
    return 1;
  }
  if (rc < 0) return err_set(e, ERR_RUN, "%s: out of memory reading it", t->name);
  if (ferror(t->f))
    return err_set(e, ERR_RUN, "%s: read error: %s", t->name, strerror(errno));
  return 0;
}

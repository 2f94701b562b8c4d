/* memtrace.c - the memory trace reader (format in memtrace.h). */
#include "memtrace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mtr_open(mtr_t *t, FILE *f, const char *name) {
  t->f = f;
  t->name = name;
  t->line = 0;
  t->buf = NULL;
  t->cap = 0;
}

void mtr_close(mtr_t *t) {
  free(t->buf);
  t->buf = NULL;
  t->cap = 0;
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

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

/* One non-comment line: address, blanks, R or W, optional blanks. */
static int parse_line(mtr_t *t, const char *line, const char *p,
                      uint64_t *addr, bool *write, err_t *e) {
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
  return 0;
}

/* Invariant: t->line counts every line consumed, so messages name the
 * line the bad text is on. */
int mtr_next(mtr_t *t, uint64_t *addr, bool *write, err_t *e) {
  ssize_t n;
  while ((n = getline(&t->buf, &t->cap, t->f)) >= 0) {
    char *p = t->buf, *nul;
    t->line++;
    if ((nul = memchr(t->buf, '\0', (size_t)n)))
      return err_at(e, t->name, (int)t->line, (int)(nul - t->buf) + 1, "line",
                    "NUL byte (got a NUL byte, expected text)");
    if (n && t->buf[n - 1] == '\n') t->buf[--n] = '\0';
    if (n && t->buf[n - 1] == '\r') t->buf[--n] = '\0';
    while (is_blank(*p)) p++;
    if (!*p || *p == '#') continue;
    return parse_line(t, t->buf, p, addr, write, e) ? e->status : 1;
  }
  if (ferror(t->f))
    return err_set(e, ERR_RUN, "%s: read error: %s", t->name, strerror(errno));
  return 0;
}

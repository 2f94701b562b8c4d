/* file.c - the whole-file reader (rules in file.h).
 *
 * Invariant of the read loop: b holds n bytes read so far and has room for
 * cap bytes, n < cap, so the NUL always fits after the last byte read.
 */
#include "file.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct file_req {
  const char *path, *key; /* key: as in file.h; unused when quiet */
  size_t max;             /* bytes accepted */
  int head;               /* stop at max instead of refusing more */
  err_t *e;               /* NULL: quiet (file_read_head) */
} file_req_t;

/* Record a plain or located error, as file.h describes; NULL. */
static char *file_fail(const file_req_t *q, int status, const char *what,
                       int err) {
  if (!q->e) return NULL;
  if (status == ERR_RUN)
    err_set(q->e, ERR_RUN, "%s: out of memory", q->path);
  else if (q->key)
    err_at(q->e, q->path, 0, 0, q->key, "%s: %s", what, strerror(err));
  else
    err_set(q->e, status, "%s: %s: %s", q->path, what, strerror(err));
  return NULL;
}

static char *file_too_large(const file_req_t *q, unsigned long long got,
                            const char *more) {
  if (q->e)
    err_at(q->e, q->path, 0, 0, q->key ? q->key : "(file)", "file too large "
           "(got %s%llu bytes, expected at most %zu)", more, got, q->max);
  return NULL;
}

/* Resize b to cap bytes; 0, or -1 when memory runs out (b unchanged). */
static int file_grow(char **b, size_t *cap, size_t want) {
  char *p = realloc(*b, want);
  if (!p) return -1;
  *b = p;
  *cap = want;
  return 0;
}

/* Read f to its end, or up to q->max bytes when head, with room for hint
 * bytes at first (its size, when known, so a regular file is read in one
 * call into a buffer one byte larger than needed, and never regrown). At
 * most limit bytes are read: max + 1 shows a file is too large. */
static char *file_read_stream(FILE *f, const file_req_t *q, size_t hint,
                              size_t *len) {
  size_t limit = q->head ? q->max : q->max + 1, n = 0, cap = 0, want, r;
  char *b = NULL;
  int status = ERR_RUN;
  while (!file_grow(&b, &cap, n ? 2 * cap : hint ? hint + 2 : 4096)) {
    want = cap - n - 1 < limit - n ? cap - n - 1 : limit - n;
    n += r = fread(b + n, 1, want, f);
    if (r == want && n < limit) continue; /* buffer full: grow, read on */
    if (ferror(f)) {
      status = ERR_BAD_INPUT;
      break;
    }
    if (n == limit && !q->head) {
      free(b);
      return file_too_large(q, q->max, "more than ");
    }
    b[n] = '\0';
    if (len) *len = n;
    return b;
  }
  free(b);
  return file_fail(q, status, "cannot read", errno);
}

/* Open, refuse a directory or a regular file past max, read. */
static char *file_read(const file_req_t *q, size_t *len) {
  struct stat st;
  FILE *f = fopen(q->path, "rb");
  size_t hint = 0;
  char *b;
  if (!f) return file_fail(q, ERR_BAD_INPUT, "cannot open", errno);
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return file_fail(q, ERR_BAD_INPUT, "cannot open", EISDIR);
  }
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
    if (!q->head && (unsigned long long)st.st_size > q->max) {
      fclose(f);
      return file_too_large(q, (unsigned long long)st.st_size, "");
    }
    hint = (size_t)st.st_size < q->max ? (size_t)st.st_size : q->max;
  }
  b = file_read_stream(f, q, hint, len);
  fclose(f);
  return b;
}

char *file_read_all(const char *path, size_t max, const char *key,
                    size_t *len, err_t *e) {
  file_req_t q = {path, key, max, 0, e};
  assert(max < (size_t)-1 && "file_read_all: max + 1 must fit");
  return file_read(&q, len);
}

char *file_read_head(const char *path, size_t max, size_t *len) {
  file_req_t q = {path, NULL, max, 1, NULL};
  return file_read(&q, len);
}

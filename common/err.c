#include "err.h"

#include <stdio.h>
#include <string.h>

void err_clear(err_t *e) {
  e->status = 0;
  e->msg[0] = '\0';
}

int err_set(err_t *e, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  e->status = status;
  return status;
}

int err_at(err_t *e, const char *file, int line, int col, const char *key,
           const char *fmt, ...) {
  int n;
  va_list ap;
  if (line > 0)
    n = snprintf(e->msg, sizeof e->msg, "%s:%d:%d: %s: ", file, line, col,
                 key ? key : "-");
  else
    n = snprintf(e->msg, sizeof e->msg, "%s: %s: ", file, key ? key : "-");
  if (n < 0 || (size_t)n >= sizeof e->msg) n = (int)sizeof e->msg - 1;
  va_start(ap, fmt);
  vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
  va_end(ap);
  e->status = ERR_BAD_INPUT;
  return ERR_BAD_INPUT;
}

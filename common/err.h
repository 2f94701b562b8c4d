/* err.h - one error path for the whole tool.
 *
 * Library code never exits: it fills an err_t and returns its status.
 * The CLI prints err.msg and exits with err.status.
 *   ERR_BAD_INPUT (2): malformed config, workload, trace or usage.
 *   ERR_RUN       (1): a --check mismatch or a run-time failure (I/O).
 * Messages about a located input read "file:line:col: key: what is wrong
 * (got X, expected Y)"; err_at() builds that prefix so no caller formats it
 * by hand.
 */
#ifndef ATTN_ERR_H
#define ATTN_ERR_H

#include <stdarg.h>

enum { ERR_OK = 0, ERR_RUN = 1, ERR_BAD_INPUT = 2, ERR_INTERRUPTED = 130 };

typedef struct err {
  int status;     /* 0 = no error, else ERR_* */
  char msg[1024]; /* full message, without trailing newline */
} err_t;

void err_clear(err_t *e);
/* Set a plain error ("what is wrong"); returns status. */
int err_set(err_t *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set a located bad-input error: "file:line:col: key: <fmt>"; returns 2.
 * line/col are 1-based; line 0 omits line and column. */
int err_at(err_t *e, const char *file, int line, int col, const char *key,
           const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif

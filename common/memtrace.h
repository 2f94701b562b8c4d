/* memtrace.h - memory traces for standalone DRAM replay (attnsim dram).
 *
 * Text, one request per line:
 *     0xADDRESS R|W
 * ADDRESS is 1 to 16 hexadecimal digits after "0x" (or "0X"); one or more
 * spaces or tabs separate it from the operation, R (read) or W (write).
 * Leading and trailing spaces and tabs, a final "\r", blank lines and
 * lines whose first non-blank character is '#' are allowed. Anything else
 * is bad input: "file:line:col: key: what is wrong (got X, expected Y)"
 * with key address, op or line, status ERR_BAD_INPUT. The reader streams:
 * it reads ahead 64 KiB at a time (and holds a longer line whole).
 */
#ifndef ATTN_MEMTRACE_H
#define ATTN_MEMTRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct mtr {
  FILE *f;
  const char *name; /* for messages */
  uint64_t line;    /* lines read so far */
  char *buf;        /* read-ahead, MTR_CHUNK bytes at a time */
  size_t cap, len;  /* its size and the bytes read into it */
  size_t pos;       /* the first byte not yet returned */
  bool eof;         /* the file has no more bytes */
} mtr_t;

/* Read from f (not closed by mtr_close); name appears in messages. */
void mtr_open(mtr_t *t, FILE *f, const char *name);
/* The next request: 1 (filled), 0 at the end, or ERR_BAD_INPUT / ERR_RUN
 * (a read error) with e set. */
int mtr_next(mtr_t *t, uint64_t *addr, bool *write, err_t *e);
void mtr_close(mtr_t *t);

#endif

/* trace.h - the instruction trace: the only contract between compiler/
 * and sim/.
 *
 * Binary form (all integers little-endian):
 *   offset size
 *        0    8  magic "ATTNTRC\0"
 *        8    4  format version (TRACE_VERSION)
 *       12    4  header bytes (offset of the first instruction, multiple of 16)
 *       16    8  hash of the effective config the trace was compiled for
 *       24    8  instruction count
 *       32    4  workload text bytes n
 *       36    n  workload as "key=value" lines (wl_to_text)
 *            .. zero padding to the header size
 *   then count x 16-byte instructions (isa.def).
 * Text form (attnsim asm/disasm): ".version", ".config_hash" and one
 * ".workload key=value" per key, then one instruction per line; ';'
 * starts a comment.
 */
#ifndef ATTN_TRACE_H
#define ATTN_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "isa.h"
#include "workload.h"

#define TRACE_MAGIC "ATTNTRC"
#define TRACE_VERSION 1u
#define TRACE_MAX_WL_TEXT 65536u

typedef struct trace_hdr {
  uint32_t version;
  uint64_t config_hash;
  uint64_t count; /* instructions that follow */
  wl_t wl;
} trace_hdr_t;

typedef struct trace_writer {
  FILE *f;
  uint64_t count;
} trace_writer_t;

/* Write the header (count patched by trw_close, which needs a seekable
 * stream). */
int trw_open(trace_writer_t *w, FILE *f, uint64_t config_hash,
             const wl_t *wl, err_t *e);
int trw_put(trace_writer_t *w, const insn_t *in, err_t *e);
int trw_close(trace_writer_t *w, err_t *e);

typedef struct trace_reader {
  FILE *f;
  const char *name;
  trace_hdr_t hdr;
  uint64_t index; /* instructions read so far */
} trace_reader_t;

/* Read and check the header (magic, version, sizes, workload). */
int trr_open(trace_reader_t *r, FILE *f, const char *name, err_t *e);
/* 1: an instruction; 0: end of trace; ERR_BAD_INPUT: malformed. */
int trr_next(trace_reader_t *r, insn_t *in, err_t *e);

/* Text form. */
int trace_disasm(trace_reader_t *r, FILE *out, err_t *e);
int trace_asm(FILE *in, const char *name, FILE *out, err_t *e);

#endif

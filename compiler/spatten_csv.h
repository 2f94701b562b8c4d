/* spatten_csv.h - SpAtten's published per-request traces (CSV) as a
 * workload and an instruction trace without tensor data.
 *
 * The format (workloads/spatten-gpt2/README.md): a header row naming the
 * 17 columns in order, then one row per attention request (one head of one
 * layer answering one generated token's query). Quirks handled: the head
 * dimension is written as a float (64.0, must be whole); booleans are
 * True/False; a bit width of -1 means the datapath's full precision; the
 * LAST row may be a non-request (its first field is not a number) and is
 * skipped. Any other malformed row is a located error
 * "file:line:col: column: what is wrong (got X, expected Y)", status 2.
 *
 * spc_load builds the workload the rows describe (decode; layers, heads
 * and head_dim from the ids and D; prompt = the first row's L - 1;
 * generate = the last iteration + 1; per-layer key MSB, key LSB and value
 * bits from the rows, which must agree within a layer). spc_compile lowers
 * every row, in file order, to the ISA (docs/isa.md, "Imported traces"):
 * no LDQ (the query arrives with the request) and no STO (outputs are not
 * written), so DRAM traffic is keys and values only. The trace is meant
 * for sim_timing_only: no decision is made from data.
 */
#ifndef ATTN_SPATTEN_CSV_H
#define ATTN_SPATTEN_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "workload.h"

#define SPC_NCOLS 17
#define SPC_LINE_MAX 4096          /* bytes per line, newline excluded */
#define SPC_MAX_ROWS (1 << 20)     /* request rows per file */
#define SPC_MAX_KEYS ((long long)1 << 31) /* key_fetch_num summed over rows */

/* Column indices, in the order the header must list them. */
enum {
  SPC_ITER, SPC_LAYER, SPC_HEAD, SPC_D, SPC_L, SPC_KF, SPC_KBITS, SPC_QBITS,
  SPC_THR, SPC_REQUANT, SPC_INCRE, SPC_VF, SPC_VBITS, SPC_ACC, SPC_RESCALE,
  SPC_IFTOPK, SPC_TOPK
};

extern const char *const spc_columns[SPC_NCOLS];

/* One request as written (bits: -1 = full precision). */
typedef struct spc_row {
  int line;              /* 1-based line in the file */
  unsigned short col[SPC_NCOLS]; /* 1-based column of each field */
  int iter, layer, head, d, len, kf, vf, topk;
  int kbits, qbits, incre, vbits;
  double thr;
  bool requant, acc, rescale, do_topk;
} spc_row_t;

typedef struct spc {
  char name[WL_PATH_MAX]; /* the file, as named in messages */
  wl_t wl;
  spc_row_t *rows;
  int nrows;
} spc_t;

/* Does the path name a CSV trace (".csv", any case)? */
bool spc_is_csv(const char *path);
/* Parse and check f (named `name` in messages); fills s (spc_free it,
 * also after a failure). Returns 0 or ERR_BAD_INPUT (ERR_RUN: memory). */
int spc_load(spc_t *s, FILE *f, const char *name, err_t *e);
void spc_free(spc_t *s);
/* Write the trace (header included; f seekable) for config c. */
int spc_compile(const cfg_t *c, const spc_t *s, const char *cfg_name,
                FILE *f, err_t *e);

#endif

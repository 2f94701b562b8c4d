/* fuzz_memtrace.c - libFuzzer target for memory traces (attnsim dram):
 * the reader, then the bank-level DRAM model replaying what it read.
 *
 * The input is a memory trace, written to a per-process scratch file (a
 * file, not fmemopen, so NUL bytes reach the reader as they would from
 * disk). Every status must be 0, 1 or 2 with a message. A trace read to
 * its end is replayed on a small HBM2 (2 channels, 2 ranks, a refresh
 * every 500 cycles, so refreshes, rank switches and row conflicts all
 * happen) with 1 to 4 requests offered per cycle: it must succeed, count
 * every request, and its standby cycles must cover every rank for the
 * whole run. A stall (the replay's "internal error") aborts: a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dram_replay.h"
#include "memtrace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static cfg_t cfg;

static void cleanup(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static const char *sets[] = {"dram.channels=2", "dram.ranks=2",
                               "dram.timing.trefi=500"};
  err_t e;
  size_t i;
  (void)argc, (void)argv;
  snprintf(path, sizeof path, "/tmp/attnsim-fuzz-%d.trace", (int)getpid());
  atexit(cleanup);
  cfg_defaults(&cfg);
  for (i = 0; i < sizeof sets / sizeof sets[0]; i++)
    if (cfg_set(&cfg, sets[i], &e)) {
      fprintf(stderr, "%s\n", e.msg);
      abort();
    }
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

/* Requests in the file, or -1 when it is refused. */
static int64_t count(FILE *f) {
  mtr_t t;
  err_t e;
  uint64_t a;
  bool w;
  int64_t n = 0;
  int rc;
  err_clear(&e);
  mtr_open(&t, f, path);
  while ((rc = mtr_next(&t, &a, &w, &e)) == 1) n++;
  mtr_close(&t);
  check_status(rc, &e);
  return rc ? -1 : n;
}

static void replay(FILE *f, int64_t n, int k) {
  drp_result_t r;
  mtr_t t;
  err_t e;
  int rc;
  err_clear(&e);
  mtr_open(&t, f, path);
  rc = drp_run(&cfg, &t, k, &r, &e);
  mtr_close(&t);
  if (rc || (int64_t)r.requests != n ||
      r.st.c[ST_DRAM_ACT_STANDBY] + r.st.c[ST_DRAM_PRE_STANDBY] !=
          r.st.c[ST_DRAM_CYCLES] * 2 * 2) {
    fprintf(stderr, "replay: rc %d, %llu of %lld requests: %s\n", rc,
            (unsigned long long)r.requests, (long long)n, e.msg);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  int64_t n;
  if (!f) return 0;
  if (fwrite(data, 1, size, f) != size) {
    fclose(f);
    return 0;
  }
  fclose(f);
  if (!(f = fopen(path, "r"))) return 0;
  if ((n = count(f)) >= 0) {
    rewind(f);
    replay(f, n, 1 + (int)(size % 4));
  }
  fclose(f);
  return 0;
}

/* fuzz_recost.c - libFuzzer target for attnsim recost's input: the strict
 * JSON reader and the loading of a run's report.
 *
 * The input is a --json report (or anything). Every status must be 0, 1
 * or 2 with a message. A report that loads is costed with the default
 * config and written again as JSON into memory; that JSON must load back
 * and give the same counters (a report round-trips through recost).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "recost.h"
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cfg_t cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  cfg_defaults(&cfg);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

/* Write run as a report and read it back: the counters must survive. */
static void round_trip(rc_run_t *run) {
  rep_t r;
  rc_run_t back;
  err_t e;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return;
  memset(&r, 0, sizeof r);
  r.cfg = &cfg;
  r.wl = &run->wl;
  r.st = &run->st;
  r.workload_path = run->has_wl_path ? run->wl_path : NULL;
  r.config_hash = cfg_hash(&cfg);
  err_clear(&e);
  if (rep_json_to(&r, f, &e)) {
    fclose(f);
    free(buf);
    return; /* out of memory */
  }
  fclose(f);
  if (rc_load("<written>", buf, len, &back, &e) ||
      memcmp(back.st.c, run->st.c, sizeof back.st.c) ||
      back.st.nlayers != run->st.nlayers) {
    fprintf(stderr, "report does not read back: %s\n", e.msg);
    abort();
  }
  st_free(&back.st);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rc_run_t run;
  err_t e;
  int rc;
  err_clear(&e);
  rc = rc_load("<fuzz>", (const char *)data, size, &run, &e);
  check_status(rc, &e);
  if (rc) return 0;
  round_trip(&run);
  st_free(&run.st);
  return 0;
}

/* fuzz_sim.c - libFuzzer target for the simulator on a fuzzed trace.
 *
 * The input is a binary trace. Its config-hash field is overwritten with
 * the hash of the default config (which the bundled spatten.yaml equals)
 * so that every input reaches the engine instead of stopping at the
 * "compiled for another config" check. If the header decodes, the trace
 * runs on the default config, timing only, with synthetic tensors.
 *
 * Skipped (return early): workloads whose K tensor (layers x heads x
 * head_dim x tokens over all cases) exceeds FUZZ_SIM_MAX_ELEMS elements,
 * and npy sources (a fuzzed header must not open files).
 * Aborts (a finding) on a status other than 0, 1 or 2, when a finished
 * run's unit states do not add up to its cycles (docs/stats.md); with
 * -DFUZZ_SIM_STRICT also on an "internal error" (a malformed trace should
 * be refused as bad input, never stall the engine).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "stats.h"
#include "tensor.h"
#include "trace.h"

#ifndef FUZZ_SIM_MAX_ELEMS
#define FUZZ_SIM_MAX_ELEMS ((int64_t)1 << 20)
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cfg_t cfg;
static uint8_t hash_le[8];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  uint64_t h;
  int i;
  (void)argc, (void)argv;
  cfg_defaults(&cfg);
  h = cfg_hash(&cfg);
  for (i = 0; i < 8; i++) hash_le[i] = (uint8_t)(h >> (8 * i));
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
#ifdef FUZZ_SIM_STRICT
  if (rc && !strncmp(e->msg, "internal error", 14)) {
    fprintf(stderr, "%s\n", e->msg);
    abort();
  }
#endif
}

static int64_t elems(const wl_t *w) {
  int64_t toks = 0;
  int c;
  for (c = 0; c < w->ncases; c++) toks += wl_ctx_tokens(w, c);
  return (int64_t)w->layers * w->heads * w->head_dim * toks;
}

/* docs/stats.md: for every unit the five states add up to cycles; no
 * layer ends after the run. */
static void check_stats(const stats_t *st) {
  uint64_t sum;
  int u, k;
  for (u = 0; u < UNIT_COUNT; u++) {
    for (sum = 0, k = 0; k < US_COUNT; k++) sum += st->unit[u][k];
    if (sum != st->c[ST_CYCLES]) {
      fprintf(stderr, "unit %s: states add up to %llu, cycles %llu\n",
              unit_names[u], (unsigned long long)sum,
              (unsigned long long)st->c[ST_CYCLES]);
      abort();
    }
  }
  for (k = 0; k < st->nlayers; k++)
    if (st->layers[k].end_cycle > st->c[ST_CYCLES]) abort();
}

static void simulate(trace_reader_t *r) {
  ten_t *ten = NULL;
  stats_t st;
  sim_t *s;
  err_t e;
  int rc;
  err_clear(&e);
  rc = ten_open(&ten, &r->hdr.wl, &e);
  check_status(rc, &e);
  if (rc) return;
  err_clear(&e);
  s = sim_new(&cfg, &r->hdr.wl, ten, "<defaults>", &e);
  if (!s) check_status(e.status ? e.status : -1, &e);
  if (s) {
    sim_timing_only(s);
    st_init(&st);
    err_clear(&e);
    rc = sim_run(s, r, &st, &e);
    check_status(rc, &e);
    if (!rc) check_stats(&st);
    st_free(&st);
    sim_free(s);
  }
  ten_close(ten);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  trace_reader_t r;
  uint8_t *buf;
  FILE *f;
  err_t e;
  int rc;
  if (!size || !(buf = malloc(size))) return 0;
  memcpy(buf, data, size);
  if (size >= 24) memcpy(buf + 16, hash_le, 8);
  if (!(f = fmemopen(buf, size, "rb"))) {
    free(buf);
    return 0;
  }
  err_clear(&e);
  rc = trr_open(&r, f, "<fuzz>", &e);
  check_status(rc, &e);
  if (!rc && r.hdr.wl.source == WL_SYNTHETIC &&
      elems(&r.hdr.wl) <= FUZZ_SIM_MAX_ELEMS)
    simulate(&r);
  fclose(f);
  free(buf);
  return 0;
}

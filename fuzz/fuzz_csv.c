/* fuzz_csv.c - libFuzzer target for the SpAtten CSV trace importer.
 *
 * The input is a CSV file (read through fmemopen): spc_load. A file it
 * accepts must describe a workload within the schema's ranges; when its
 * rows fetch at most FUZZ_CSV_MAX_KEYS keys in all, it is lowered for the
 * default config and simulated timing only, and the DRAM bytes read must
 * equal the sum over rows of whole rows at each plane's bits
 * (docs/isa.md, "Imported traces").
 * Aborts (a finding) on a status other than 0, 1 or 2, or on a mismatch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "layout.h"
#include "spatten_csv.h"
#include "stats.h"

#ifndef FUZZ_CSV_MAX_KEYS
#define FUZZ_CSV_MAX_KEYS 8192
#endif

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

static void check_wl(const spc_t *s) {
  const wl_t *w = &s->wl;
  if (w->phase != WL_DECODE || w->layers < 1 || w->layers > 1024 ||
      w->heads < 1 || w->heads > 1024 || w->head_dim < 1 ||
      w->head_dim > 1024 || s->nrows < 1 || w->prompt + w->generate > 65535)
    abort();
  for (int i = 0; i < s->nrows; i++) {
    const spc_row_t *r = &s->rows[i];
    if (r->vf < 1 || r->vf > r->kf || r->kf > r->len ||
        r->len > w->prompt + w->generate || r->layer >= w->layers ||
        r->head >= w->heads)
      abort();
  }
}

/* DRAM bytes the rows must read: whole rows at each plane's bits; a
 * refetch of keys that did not stay resident reads the MSBs again. */
static uint64_t expected(const spc_t *s, const lay_t *l) {
  uint64_t sum = 0;
  for (int i = 0; i < s->nrows; i++) {
    const spc_row_t *r = &s->rows[i];
    uint64_t kf = (uint64_t)r->kf, msb = (uint64_t)lay_bytes(l, LAY_K, r->layer);
    sum += kf * msb + (uint64_t)r->vf * (uint64_t)lay_bytes(l, LAY_V, r->layer);
    if (r->requant)
      sum += kf * (uint64_t)lay_bytes(l, LAY_KL, r->layer) +
             (2 * r->kf > l->kbuf_rows ? kf * msb : 0);
  }
  return sum;
}

static void simulate(const spc_t *s) {
  trace_reader_t tr;
  stats_t st;
  lay_t lay;
  sim_t *sim;
  err_t e;
  FILE *t = tmpfile();
  int rc;
  if (!t) return;
  err_clear(&e);
  rc = spc_compile(&cfg, s, "<defaults>", t, &e);
  check_status(rc, &e);
  if (!rc && (fflush(t) || fseek(t, 0, SEEK_SET) || trr_open(&tr, t, "<trace>", &e)))
    abort(); /* the importer's own trace must read back */
  if (!rc && lay_init(&lay, &cfg, &tr.hdr.wl, "<defaults>", &e)) abort();
  if (!rc && (sim = sim_new(&cfg, &tr.hdr.wl, NULL, "<defaults>", &e))) {
    sim_timing_only(sim);
    st_init(&st);
    err_clear(&e);
    if (sim_run(sim, &tr, &st, &e)) {
      fprintf(stderr, "imported trace fails: %s\n", e.msg);
      abort();
    }
    if (st.c[ST_DRAM_READ_BYTES] != expected(s, &lay)) abort();
    st_free(&st);
    sim_free(sim);
  }
  fclose(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  spc_t s;
  err_t e;
  FILE *f;
  long long keys = 0;
  int rc;
  if (!size || !(f = fmemopen((void *)data, size, "r"))) return 0;
  err_clear(&e);
  rc = spc_load(&s, f, "<fuzz>", &e);
  fclose(f);
  check_status(rc, &e);
  if (!rc) {
    check_wl(&s);
    for (int i = 0; i < s.nrows; i++) keys += s.rows[i].kf;
    if (keys <= FUZZ_CSV_MAX_KEYS) simulate(&s);
  }
  spc_free(&s);
  return 0;
}

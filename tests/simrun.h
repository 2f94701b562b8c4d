/* simrun.h - compile, simulate on data and check against the golden
 * model, shared by the mechanisms' simulator tests (test_<mechanism>.c).
 * Include after criterion.h. */
#ifndef ATTN_TEST_SIMRUN_H
#define ATTN_TEST_SIMRUN_H

#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "memimg.h"
#include "tensor.h"

/* Flip the low bit of element 1 of the output row at *at, written by the
 * simulator; *was gets its value before. */
static void flip_output(const sim_t *s, const lay_loc_t *at, int d,
                        int16_t *was) {
  const int16_t *o = mi_output(sim_memimg(s), at->cs, at->layer, at->head);
  int16_t row[64];
  cr_assert(o && d <= 64);
  memcpy(row, o + (size_t)at->row * d, (size_t)d * sizeof *row);
  *was = row[1];
  row[1] ^= 1;
  cr_assert_eq(mi_write((memimg_t *)sim_memimg(s), at, row), 0);
}

/* Compile, simulate with the decision log kept in *log (with flip set,
 * corrupt that output row first: flip_output), check against the golden. */
static chk_t run_log_at(const cfg_t *c, const wl_t *w, stats_t *st,
                        const lay_loc_t *flip, int16_t *was, declog_t *log) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  ten_t *ten;
  sim_t *s;
  err_t e;
  chk_t r;
  cr_assert_eq(comp_compile(c, w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
  s = sim_new(c, &tr.hdr.wl, ten, "cfg", &e);
  cr_assert(s, "%s", e.msg);
  sim_log_decisions(s, log);
  cr_assert_eq(sim_run(s, &tr, st, &e), 0, "%s", e.msg);
  if (flip) flip_output(s, flip, w->head_dim, was);
  cr_assert_eq(chk_run(c, &tr.hdr.wl, ten, sim_memimg(s), log, &r), 0);
  sim_free(s);
  ten_close(ten);
  fclose(f);
  return r;
}

/* run_log_at with a decision log of its own. */
static chk_t run_at(const cfg_t *c, const wl_t *w, stats_t *st,
                    const lay_loc_t *flip, int16_t *was) {
  declog_t log = {0};
  chk_t r = run_log_at(c, w, st, flip, was, &log);
  dec_free(&log);
  return r;
}

#endif

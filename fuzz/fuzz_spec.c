/* fuzz_spec.c - libFuzzer target for sweep specs and GPU baseline configs.
 *
 * The input is written as spec.yaml in a per-process scratch folder that
 * also holds c.yaml (a config) and w.yaml (a small workload), so specs of
 * the corpus ("config: c.yaml", "workloads: w.yaml") load for real. A spec
 * that loads has its points enumerated (the first 256 and the last):
 * every value index must lie inside its axis, every argv must fit, keys
 * must be 16 hex digits. The same bytes are also loaded as a GPU config.
 * Aborts (a finding) on a status other than 0, 1 or 2, an error without
 * a message, or a broken invariant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu.h"
#include "spec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], spec[96], cpath[96], wpath[96];
static sw_spec_t s;

static void put(const char *path, const void *b, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (fwrite(b, 1, n, f) != n) abort();
  fclose(f);
}

static void cleanup(void) {
  unlink(spec);
  unlink(cpath);
  unlink(wpath);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static const char cfg[] = "name: fuzz\n";
  static const char wl[] = "name: w\nmodel: {layers: 1, heads: 1, head_dim: 8}\n"
                           "phase: decode\ndecode: {prompt: 4, generate: 2}\n";
  (void)argc, (void)argv;
  snprintf(dir, sizeof dir, "/tmp/attnsim-fuzz-spec-%d", (int)getpid());
  mkdir(dir, 0777);
  snprintf(spec, sizeof spec, "%s/spec.yaml", dir);
  snprintf(cpath, sizeof cpath, "%s/c.yaml", dir);
  snprintf(wpath, sizeof wpath, "%s/w.yaml", dir);
  put(cpath, cfg, sizeof cfg - 1);
  put(wpath, wl, sizeof wl - 1);
  atexit(cleanup);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort();
}

static void check_point(int i) {
  const char *argv[SW_MAX_ARGS + 1];
  sw_point_t p;
  char key[17];
  sw_point_at(&s, i, &p);
  if (p.index != i || p.workload < 0 || p.workload >= s.nworkloads) abort();
  for (int a = 0; a < s.naxes; a++)
    if (p.vi[a] < 0 || p.vi[a] >= s.axes[a].nvalues) abort();
  if (sw_point_args(&s, &p, argv) > SW_MAX_ARGS) abort();
  sw_point_key(&s, &p, key);
  if (strlen(key) != 16 || strspn(key, "0123456789abcdef") != 16) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  err_t e;
  gpu_t g;
  int rc;
  put(spec, data, size);
  err_clear(&e);
  rc = sw_load(spec, &s, &e);
  check_status(rc, &e);
  if (rc == 0) {
    if (s.npoints < 1 || s.npoints > SW_MAX_POINTS) abort();
    for (int i = 0; i < s.npoints && i < 256; i++) check_point(i);
    check_point(s.npoints - 1);
    sw_free(&s);
  }
  err_clear(&e);
  rc = gpu_load(spec, &g, &e);
  check_status(rc, &e);
  if (rc == 0 && !(g.peak_tflops > 0 && g.bandwidth_GBps > 0)) abort();
  return 0;
}

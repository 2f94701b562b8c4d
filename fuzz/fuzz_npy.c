/* fuzz_npy.c - libFuzzer target for the .npy reader.
 *
 * The input is a .npy image: parsed in memory (npy_parse) and, written to
 * a per-process scratch file, through the streaming file reader
 * (npy_read). Both must agree (status, shape, every float). An accepted
 * array must have count == product of its shape and only finite values.
 * Aborts (a finding) on a status other than 0, 1 or 2.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  snprintf(path, sizeof path, "/tmp/attnsim-fuzz-%d.npy", (int)getpid());
  atexit(cleanup);
  return 0;
}

static void check_status(int rc, const err_t *e) {
  if (rc != 0 && rc != ERR_RUN && rc != ERR_BAD_INPUT) abort();
  if (rc && (rc != e->status || !e->msg[0])) abort(); /* says what */
}

static void check_array(const npy_t *a) {
  int64_t n = 1, i;
  int d;
  if (a->ndim < 0 || a->ndim > NPY_MAX_DIMS || !a->data) abort();
  for (d = 0; d < a->ndim; d++) {
    if (a->shape[d] < 0) abort();
    n *= a->shape[d];
  }
  if (n != a->count || n > NPY_MAX_ELEMS) abort();
  for (i = 0; i < n; i++)
    if (!isfinite(a->data[i])) abort();
}

static int write_file(const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  if (fwrite(data, 1, size, f) != size) {
    fclose(f);
    return -1;
  }
  return fclose(f);
}

/* npy_read on the same bytes must give what npy_parse gave. */
static void same_as_file(int rc, const npy_t *a) {
  npy_t b;
  err_t e;
  int rc2;
  err_clear(&e);
  rc2 = npy_read(path, &b, &e);
  check_status(rc2, &e);
  if ((rc == 0) != (rc2 == 0)) {
    fprintf(stderr, "npy_parse %d, npy_read %d: %s\n", rc, rc2, e.msg);
    abort();
  }
  if (!rc2) {
    if (b.ndim != a->ndim || b.count != a->count ||
        memcmp(b.shape, a->shape, sizeof b.shape) ||
        memcmp(b.data, a->data, (size_t)b.count * sizeof(float)))
      abort();
    npy_free(&b);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  npy_t a;
  err_t e;
  int rc;
  err_clear(&e);
  rc = npy_parse(path, data, size, &a, &e);
  check_status(rc, &e);
  if (!rc) check_array(&a);
  if (!write_file(data, size)) same_as_file(rc, &a);
  if (!rc) npy_free(&a);
  return 0;
}

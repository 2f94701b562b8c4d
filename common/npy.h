/* npy.h - reader for NumPy .npy files (format versions 1.0, 2.0, 3.0).
 *
 * Accepts little-endian float32 ('<f4') and float16 ('<f2'), C order.
 * Every field of the header is checked against limits before anything is
 * allocated; errors are "file: key: what is wrong (got X, expected Y)".
 */
#ifndef ATTN_NPY_H
#define ATTN_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define NPY_MAX_DIMS 8
#define NPY_MAX_ELEMS ((int64_t)1 << 31) /* refuse larger arrays */

typedef struct npy {
  int ndim;
  int64_t shape[NPY_MAX_DIMS];
  int64_t count;  /* product of shape */
  float *data;    /* count floats (converted from float16 if needed);
                     NULL for an array opened with npy_open */
  void *file;     /* npy_open: the open file (FILE *), else NULL */
  uint64_t data_off; /* npy_open: bytes before the data */
  int itemsize;      /* npy_open: 4 or 2 */
} npy_t;

int npy_read(const char *path, npy_t *out, err_t *e);
/* Check a file as npy_read does (header, size, every element finite) but
 * keep only the file open: npy_get reads elements when asked, so an
 * array costs no memory for its data (docs/memory.md). */
int npy_open(const char *path, npy_t *out, err_t *e);
/* Elements [first, first+n) of an array from npy_read or npy_open, as
 * floats. Returns 0, or -1 on a read error (out is then zeroed). */
int npy_get(const npy_t *a, int64_t first, int64_t n, float *out);
/* Parse an in-memory .npy image (used by npy_read and the fuzzer). */
int npy_parse(const char *name, const uint8_t *buf, size_t len, npy_t *out,
              err_t *e);
void npy_free(npy_t *a);
/* Write a float32 array (tests and tools). Returns 0 or ERR_RUN. */
int npy_write_f32(const char *path, int ndim, const int64_t *shape,
                  const float *data, err_t *e);

#endif

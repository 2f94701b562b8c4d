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
  float *data;    /* count floats (converted from float16 if needed) */
} npy_t;

int npy_read(const char *path, npy_t *out, err_t *e);
/* Parse an in-memory .npy image (used by npy_read and the fuzzer). */
int npy_parse(const char *name, const uint8_t *buf, size_t len, npy_t *out,
              err_t *e);
void npy_free(npy_t *a);
/* Write a float32 array (tests and tools). Returns 0 or ERR_RUN. */
int npy_write_f32(const char *path, int ndim, const int64_t *shape,
                  const float *data, err_t *e);

#endif
